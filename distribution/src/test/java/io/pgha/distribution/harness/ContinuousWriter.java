package io.pgha.distribution.harness;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * A client that writes all the time, as an application would: one autocommitted {@code INSERT} every 50 ms through a
 * multi-host JDBC URL with {@code targetServerType=primary} (the driver tries each member and keeps the one that
 * accepts writes), reconnecting after any failure. It records every acknowledged row id and every outage: a stretch
 * between two acknowledged writes longer than {@link #OUTAGE_THRESHOLD_MS}.
 *
 * <p>It knows nothing about the cluster's roles; what it sees is what a client of the cluster sees.
 */
public final class ContinuousWriter implements AutoCloseable {
    /** A pause between acknowledged writes shorter than this is ordinary latency, not an outage. */
    public static final long OUTAGE_THRESHOLD_MS = 1000;
    public static final String TABLE = "it_continuous_writes";

    private final String url;
    private final Properties credentials = new Properties();
    private final Thread thread;
    private final List<Long> acknowledged = new ArrayList<>();
    private final List<Outage> outages = new ArrayList<>();
    private volatile boolean running = true;
    private long lastAckNanos;
    private String lastError = "";
    private long failures;

    /** A time without any acknowledged write: from the last write before it to the first one after it. */
    public record Outage(long fromNanos, long toNanos, String lastError) {
        public double seconds() {
            return (toNanos - fromNanos) / 1e9;
        }
    }

    private ContinuousWriter(List<ClusterMember> members) {
        this.url = "jdbc:postgresql://" + members.stream().map(m -> "127.0.0.1:" + m.pgPort())
                .collect(Collectors.joining(",")) + "/postgres?targetServerType=primary&hostRecheckSeconds=1"
                + "&connectTimeout=1&socketTimeout=3&loginTimeout=3&ApplicationName=pgha-it-writer";
        credentials.setProperty("user", TestCluster.SUPERUSER);
        credentials.setProperty("password", TestCluster.SUPERUSER_PASSWORD);
        this.thread = new Thread(this::run, "continuous-writer");
        this.thread.setDaemon(true);
    }

    /** Creates the table on {@code primary} and starts writing to whichever of {@code members} is the primary. */
    public static ContinuousWriter start(ClusterMember primary, List<ClusterMember> members) throws SQLException {
        primary.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id bigserial PRIMARY KEY, "
                + "at timestamptz NOT NULL DEFAULT clock_timestamp(), server_port int NOT NULL)");
        ContinuousWriter w = new ContinuousWriter(members);
        w.lastAckNanos = System.nanoTime();
        w.thread.start();
        return w;
    }

    private void run() {
        Connection c = null;
        while (running) {
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url, credentials);
                }
                try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE
                        + " (server_port) VALUES (inet_server_port()) RETURNING id");
                        ResultSet rs = s.executeQuery()) {
                    rs.next();
                    acknowledge(rs.getLong(1));
                }
                pause(50);
            } catch (SQLException | RuntimeException e) {
                synchronized (this) {
                    failures++;
                    lastError = e.getMessage();
                }
                closeQuietly(c);
                c = null;
                pause(100);
            }
        }
        closeQuietly(c);
    }

    private synchronized void acknowledge(long id) {
        long now = System.nanoTime();
        if (now - lastAckNanos > OUTAGE_THRESHOLD_MS * 1_000_000L) {
            outages.add(new Outage(lastAckNanos, now, lastError));
        }
        lastAckNanos = now;
        acknowledged.add(id);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // the server is gone; nothing to close
            }
        }
    }

    /** The ids of every write the server acknowledged so far. */
    public synchronized List<Long> acknowledged() {
        return List.copyOf(acknowledged);
    }

    /** The outages so far, including one still going on (ending now). */
    public synchronized List<Outage> outages() {
        List<Outage> all = new ArrayList<>(outages);
        long now = System.nanoTime();
        if (now - lastAckNanos > OUTAGE_THRESHOLD_MS * 1_000_000L) {
            all.add(new Outage(lastAckNanos, now, lastError + " (still going on)"));
        }
        return all;
    }

    /** The longest outage so far, in seconds (0 when there was none). */
    public double longestOutageSeconds() {
        return outages().stream().mapToDouble(Outage::seconds).max().orElse(0);
    }

    /** Waits until at least {@code more} writes beyond the current count have been acknowledged. */
    public void awaitProgress(int more, java.time.Duration timeout) {
        int target = acknowledged().size() + more;
        Waits.awaitTrue(more + " more acknowledged writes", timeout, () -> acknowledged().size() >= target,
                this::toString);
    }

    @Override
    public synchronized String toString() {
        return "ContinuousWriter[" + acknowledged.size() + " acknowledged, " + failures + " failed attempts, outages "
                + outages.stream().map(o -> Waits.fmt(o.seconds())).toList() + ", last error: " + lastError + "]";
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
