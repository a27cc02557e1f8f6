package io.pgha.engine.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the local PostgreSQL lives and how pgha reaches it: the parts of {@code postgresql.*} that do not change
 * while the agent runs. Build with {@link #builder}.
 *
 * @param dataDirectory {@code postgresql.data_dir}
 * @param binaries where PostgreSQL's programs are
 * @param listenAddresses {@code listen_addresses} (the host part of {@code postgresql.listen}, comma-separated)
 * @param port the port (from {@code postgresql.listen})
 * @param localHost the address pgha connects to its own PostgreSQL on (a loopback or listen address)
 * @param clusterName {@code cluster_name} (the scope)
 * @param memberName this member's name: {@code application_name} of its replication connection
 * @param superuser {@code postgresql.authentication.superuser}
 * @param replication {@code postgresql.authentication.replication}
 * @param rewind {@code postgresql.authentication.rewind}; the superuser is used when absent
 * @param pgpassFile {@code postgresql.pgpass}: where pgha writes the passwords libpq programs use
 * @param database the database pgha connects to ({@code postgres})
 * @param customConf {@code postgresql.custom_conf}: included instead of {@code postgresql.base.conf}
 * @param postmasterLog where the postmaster's own output goes; the agent's output when empty
 * @param connectTimeout how long opening a connection may take
 * @param queryTimeout how long any single statement may take unless an operation says otherwise
 */
public record PostgresSettings(Path dataDirectory, PostgresBinaries binaries, String listenAddresses, int port,
        String localHost, String clusterName, String memberName, Credentials superuser, Credentials replication,
        Optional<Credentials> rewind, Path pgpassFile, String database, Optional<Path> customConf,
        Optional<Path> postmasterLog, Duration connectTimeout, Duration queryTimeout) {

    public PostgresSettings {
        Objects.requireNonNull(dataDirectory, "dataDirectory is null");
        Objects.requireNonNull(binaries, "binaries is null");
        Objects.requireNonNull(listenAddresses, "listenAddresses is null");
        Objects.requireNonNull(localHost, "localHost is null");
        Objects.requireNonNull(clusterName, "clusterName is null");
        Objects.requireNonNull(memberName, "memberName is null");
        Objects.requireNonNull(superuser, "superuser is null");
        Objects.requireNonNull(replication, "replication is null");
        Objects.requireNonNull(rewind, "rewind is null");
        Objects.requireNonNull(pgpassFile, "pgpassFile is null");
        Objects.requireNonNull(database, "database is null");
        Objects.requireNonNull(customConf, "customConf is null");
        Objects.requireNonNull(postmasterLog, "postmasterLog is null");
        Objects.requireNonNull(connectTimeout, "connectTimeout is null");
        Objects.requireNonNull(queryTimeout, "queryTimeout is null");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        dataDirectory = dataDirectory.toAbsolutePath().normalize();
    }

    /** The credentials pg_rewind connects with: the rewind user, else the superuser. */
    public Credentials rewindCredentials() {
        return rewind.orElse(superuser);
    }

    /**
     * The address to connect to this member's own PostgreSQL for a listen address list: the loopback address when it
     * listens on all addresses or on localhost, else the first address listed.
     */
    public static String localHostFor(String listenAddresses) {
        for (String a : listenAddresses.split(",")) {
            String t = a.trim();
            if (t.equals("*") || t.equals("0.0.0.0") || t.equals("localhost") || t.equals("127.0.0.1") || t.isEmpty()) {
                return "127.0.0.1";
            }
            if (t.equals("::") || t.equals("::1")) {
                return "::1";
            }
        }
        String first = listenAddresses.split(",")[0].trim();
        return first.isEmpty() ? "127.0.0.1" : first;
    }

    public static Builder builder(Path dataDirectory, PostgresBinaries binaries) {
        return new Builder(dataDirectory, binaries);
    }

    /** Builds settings; every field but the data directory and the binaries has a default. */
    public static final class Builder {
        private final Path dataDirectory;
        private final PostgresBinaries binaries;
        private String listenAddresses = "127.0.0.1";
        private int port = 5432;
        private String localHost;
        private String clusterName = "pgha";
        private String memberName = "pgha";
        private Credentials superuser = Credentials.withoutPassword("postgres");
        private Credentials replication = Credentials.withoutPassword("replicator");
        private Optional<Credentials> rewind = Optional.empty();
        private Path pgpassFile;
        private String database = "postgres";
        private Optional<Path> customConf = Optional.empty();
        private Optional<Path> postmasterLog = Optional.empty();
        private Duration connectTimeout = Duration.ofSeconds(3);
        private Duration queryTimeout = Duration.ofSeconds(10);

        private Builder(Path dataDirectory, PostgresBinaries binaries) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory is null");
            this.binaries = Objects.requireNonNull(binaries, "binaries is null");
        }

        public Builder listen(String addresses, int port) {
            this.listenAddresses = addresses;
            this.port = port;
            return this;
        }

        public Builder localHost(String host) {
            this.localHost = host;
            return this;
        }

        public Builder names(String clusterName, String memberName) {
            this.clusterName = clusterName;
            this.memberName = memberName;
            return this;
        }

        public Builder superuser(Credentials c) {
            this.superuser = c;
            return this;
        }

        public Builder replication(Credentials c) {
            this.replication = c;
            return this;
        }

        public Builder rewind(Credentials c) {
            this.rewind = Optional.ofNullable(c);
            return this;
        }

        public Builder pgpassFile(Path p) {
            this.pgpassFile = p;
            return this;
        }

        public Builder database(String d) {
            this.database = d;
            return this;
        }

        public Builder customConf(Path p) {
            this.customConf = Optional.ofNullable(p);
            return this;
        }

        public Builder postmasterLog(Path p) {
            this.postmasterLog = Optional.ofNullable(p);
            return this;
        }

        public Builder timeouts(Duration connect, Duration query) {
            this.connectTimeout = connect;
            this.queryTimeout = query;
            return this;
        }

        public PostgresSettings build() {
            Path pgpass = pgpassFile != null ? pgpassFile
                    : dataDirectory.toAbsolutePath().normalize().resolveSibling(
                            dataDirectory.getFileName() + ".pgpass");
            return new PostgresSettings(dataDirectory, binaries, listenAddresses, port,
                    localHost != null ? localHost : localHostFor(listenAddresses), clusterName, memberName, superuser,
                    replication, rewind, pgpass, database, customConf, postmasterLog, connectTimeout, queryTimeout);
        }
    }
}
