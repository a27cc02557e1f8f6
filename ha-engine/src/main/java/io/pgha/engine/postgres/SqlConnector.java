package io.pgha.engine.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * How to open a JDBC connection to one PostgreSQL server, always with a connect timeout and a socket (read) timeout,
 * so that a stuck server makes a call fail instead of hanging the HA loop.
 *
 * <p>pgjdbc cannot use Unix-domain sockets without extra libraries, so pgha connects over TCP to
 * {@link PostgresSettings#localHost()} for its own server.
 *
 * @param host the server's host
 * @param port its port
 * @param database the database to connect to
 * @param credentials who to connect as (password and TLS options included)
 * @param connectTimeout how long opening the connection may take
 * @param socketTimeout how long any read may block: the upper bound of every statement
 */
public record SqlConnector(String host, int port, String database, Credentials credentials, Duration connectTimeout,
        Duration socketTimeout) {

    static final String APPLICATION_NAME = "pgha";

    /** libpq option names and the pgjdbc properties that mean the same. */
    private static final Map<String, String> JDBC_OPTION = Map.of(
            "sslmode", "sslmode",
            "sslcert", "sslcert",
            "sslkey", "sslkey",
            "sslrootcert", "sslrootcert",
            "sslpassword", "sslpassword",
            "gssencmode", "gssEncMode",
            "channel_binding", "channelBinding");

    public SqlConnector {
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(database, "database is null");
        Objects.requireNonNull(credentials, "credentials is null");
        Objects.requireNonNull(connectTimeout, "connectTimeout is null");
        Objects.requireNonNull(socketTimeout, "socketTimeout is null");
    }

    /** The local server, as the superuser, with the settings' timeouts. */
    public static SqlConnector local(PostgresSettings s) {
        return new SqlConnector(s.localHost(), s.port(), s.database(), s.superuser(), s.connectTimeout(),
                s.queryTimeout());
    }

    /** The same server and user with another socket timeout (for a CHECKPOINT or a promotion that may take long). */
    public SqlConnector withSocketTimeout(Duration timeout) {
        return new SqlConnector(host, port, database, credentials, connectTimeout, timeout);
    }

    public String url() {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database;
    }

    /** Opens a connection; the caller closes it. */
    public Connection open() throws SQLException {
        return connect(properties());
    }

    /**
     * Opens a physical replication connection, which accepts only replication commands such as
     * {@code IDENTIFY_SYSTEM}, sent as simple queries; the caller closes it. The server's pg_hba.conf must allow the
     * credentials' user to connect for replication, as for a standby's own connection.
     */
    public Connection openReplication() throws SQLException {
        Properties props = properties();
        props.setProperty("replication", "true");
        // a replication connection understands only the simple query protocol
        props.setProperty("preferQueryMode", "simple");
        return connect(props);
    }

    private Properties properties() {
        Properties props = new Properties();
        props.setProperty("user", credentials.username());
        credentials.password().ifPresent(p -> props.setProperty("password", p));
        props.setProperty("connectTimeout", Long.toString(Math.max(1, ceilSeconds(connectTimeout))));
        props.setProperty("loginTimeout", Long.toString(Math.max(1, ceilSeconds(connectTimeout))));
        props.setProperty("socketTimeout", Long.toString(Math.max(1, ceilSeconds(socketTimeout))));
        props.setProperty("ApplicationName", APPLICATION_NAME);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("assumeMinServerVersion", "10");
        credentials.connectionOptions().forEach((k, v) -> {
            String jdbcName = JDBC_OPTION.get(k);
            if (jdbcName != null) {
                props.setProperty(jdbcName, v);
            }
        });
        return props;
    }

    private Connection connect(Properties props) throws SQLException {
        // The driver is used directly, not through DriverManager: plugin class loaders must not matter here.
        Connection c = new org.postgresql.Driver().connect(url(), props);
        if (c == null) {
            throw new SQLException("the PostgreSQL driver does not accept " + url());
        }
        return c;
    }

    private static long ceilSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }

    @Override
    public String toString() {
        return credentials.username() + "@" + host + ":" + port + "/" + database;
    }
}
