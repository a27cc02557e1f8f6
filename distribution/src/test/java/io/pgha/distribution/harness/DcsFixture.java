package io.pgha.distribution.harness;

import java.util.SortedMap;

/**
 * A real DCS server for the end-to-end tests: how members reach it (the configuration section) and how a test takes
 * it away and brings it back. Implementations keep ports and data across {@link #stop()} / {@link #start()}, so the
 * same store returns, as after a server restart in production.
 */
public interface DcsFixture extends AutoCloseable {

    /** The configuration section's name ({@code etcd3}, {@code zookeeper}), also used in test output. */
    String name();

    /** The member configuration's DCS section, as one YAML line (flow style). */
    String configYaml();

    /** Starts the server (again) and waits until it serves clients. */
    void start();

    /** Stops the server gracefully, keeping its data for {@link #start()}. */
    void stop();

    boolean isRunning();

    /** Freezes the server (SIGSTOP): its sockets stay open and nothing answers, as a hung store does. */
    void freeze();

    /** Continues a {@link #freeze() frozen} server. */
    void thaw();

    /**
     * The store's name for one of Patroni's keys ({@code /service/it/leader}): the same, except where the store's
     * layout differs (Consul drops the leading {@code /}). Tests read {@link #readTree} with it.
     */
    default String storeKey(String patroniKey) {
        return patroniKey;
    }

    /**
     * Every key under {@code prefix} (for example {@code /service/it/}) and its value as text, read straight from the
     * server, so that a test sees the layout Patroni's tools would see.
     */
    SortedMap<String, String> readTree(String prefix);

    /** The end of the server's log, for failure reports. */
    String logTail(int lines);

    /** Stops the server and deletes its data. Never throws. */
    @Override
    void close();
}
