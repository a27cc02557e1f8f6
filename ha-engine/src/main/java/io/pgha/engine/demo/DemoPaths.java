package io.pgha.engine.demo;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a demo keeps its files:
 *
 * <pre>
 * &lt;base&gt;/demo.lock            held (FileChannel lock) by the running demo; holds its pid
 * &lt;base&gt;/demo.properties      scope, DCS, member count and every member's ports, for the next run
 * &lt;base&gt;/secrets.properties   generated database passwords (0600)
 * &lt;base&gt;/pgpass               a libpq password file for every member (0600)
 * &lt;base&gt;/&lt;member&gt;/pgha.yml      the member's configuration (0600: it holds passwords), rewritten at each start
 * &lt;base&gt;/&lt;member&gt;/agent.log     the agent's output
 * &lt;base&gt;/&lt;member&gt;/agent.pid     the agent's pid while it runs
 * &lt;base&gt;/&lt;member&gt;/data         PostgreSQL's data directory
 * &lt;base&gt;/&lt;member&gt;/pgha-state   the agent's state (plugins, embedded ZooKeeper data, PostgreSQL log)
 * </pre>
 */
public record DemoPaths(Path base) {

    /** Every demo address: loopback only. */
    public static final String HOST = "127.0.0.1";

    public DemoPaths {
        Objects.requireNonNull(base, "base is null");
    }

    public Path lock() {
        return base.resolve("demo.lock");
    }

    public Path state() {
        return base.resolve("demo.properties");
    }

    public Path secrets() {
        return base.resolve("secrets.properties");
    }

    public Path pgpass() {
        return base.resolve("pgpass");
    }

    public Path member(String name) {
        return base.resolve(name);
    }

    public Path config(String name) {
        return member(name).resolve("pgha.yml");
    }

    public Path log(String name) {
        return member(name).resolve("agent.log");
    }

    public Path pid(String name) {
        return member(name).resolve("agent.pid");
    }

    public Path dataDir(String name) {
        return member(name).resolve("data");
    }
}
