package io.pgha.engine.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.postgres.DatabaseUser;
import io.pgha.spi.callback.LifecycleEvent;
import io.pgha.spi.callback.LifecycleListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Callback scripts are real bash scripts run as the database user (setpriv when the tests run as root). */
class LifecycleEventsTest {
    private Path dir;
    private Path log;
    private LifecycleEvents events;

    @BeforeEach
    void directory() throws IOException {
        dir = Files.createTempDirectory("pgha-callbacks");
        // the database user runs the scripts and writes their output here
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        log = dir.resolve("events.log");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (events != null) {
            events.close();
        }
        io.pgha.testkit.TempDirectories.deleteTree(dir);
    }

    private String script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p.toString();
    }

    private LifecycleEvents events(Map<LifecycleEvent, String> callbacks, Optional<String> prePromote,
            Optional<String> beforeStop, Duration timeout, List<LifecycleEvents.NamedListener> listeners) {
        events = new LifecycleEvents(new LifecycleEvents.Settings("batman", "node1", "4.1.4", callbacks, prePromote,
                beforeStop, timeout), listeners, new ScriptRunner(DatabaseUser.resolve(DatabaseUser.DEFAULT_NAME)),
                Clock.systemUTC());
        return events;
    }

    private List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    @Test
    @DisplayName("a callback gets <action> <role> <scope> and the PATRONI_* environment, old and new role on a change")
    void argumentsAndEnvironment() throws IOException {
        String record = script("record.sh", "echo \"$* | $PATRONI_ROLE $PATRONI_SCOPE $PATRONI_NAME $PATRONI_CLUSTER_NAME"
                + " $PATRONI_VERSION | ${PATRONI_OLD_ROLE:-none} ${PATRONI_NEW_ROLE:-none}\" >> " + log);
        Map<LifecycleEvent, String> callbacks = new EnumMap<>(LifecycleEvent.class);
        callbacks.put(LifecycleEvent.ON_START, record + " --flag");
        callbacks.put(LifecycleEvent.ON_ROLE_CHANGE, record);
        LifecycleEvents e = events(callbacks, Optional.empty(), Optional.empty(), Duration.ofSeconds(30), List.of());
        e.started("replica");
        e.roleChanged("replica", "primary");
        e.stopped("primary");
        assertTrue(e.awaitIdle(Duration.ofSeconds(30)));
        assertEquals(List.of(
                "--flag on_start replica batman | replica batman node1 batman 4.1.4 | none none",
                "on_role_change primary batman | primary batman node1 batman 4.1.4 | replica primary"), lines(log));
    }

    @Test
    @DisplayName("one at a time in event order: a slow older on_role_change is never overtaken by a newer one")
    void inOrder() throws IOException {
        String slow = script("slow.sh", "echo \"begin $2\" >> " + log + "; sleep 1; echo \"end $2\" >> " + log);
        Map<LifecycleEvent, String> callbacks = new EnumMap<>(LifecycleEvent.class);
        callbacks.put(LifecycleEvent.ON_ROLE_CHANGE, slow);
        callbacks.put(LifecycleEvent.ON_RELOAD, script("quick.sh", "echo \"reload $2\" >> " + log));
        LifecycleEvents e = events(callbacks, Optional.empty(), Optional.empty(), Duration.ofSeconds(30), List.of());
        e.roleChanged("replica", "primary");
        e.reloaded("primary");
        e.roleChanged("primary", "replica");
        assertTrue(e.awaitIdle(Duration.ofSeconds(30)));
        assertEquals(List.of("begin primary", "end primary", "reload primary", "begin replica", "end replica"),
                lines(log));
    }

    @Test
    @DisplayName("a callback that outlives its timeout is killed with its whole process group, daemonised children too")
    void timeoutKillsGroup() throws Exception {
        Path pids = dir.resolve("pids");
        String hang = script("hang.sh", "sleep 600 & echo $! > " + pids + "; echo $$ >> " + pids + "; sleep 600");
        Map<LifecycleEvent, String> callbacks = new EnumMap<>(LifecycleEvent.class);
        callbacks.put(LifecycleEvent.ON_START, hang);
        callbacks.put(LifecycleEvent.ON_STOP, script("after.sh", "echo after >> " + log));
        LifecycleEvents e = events(callbacks, Optional.empty(), Optional.empty(), Duration.ofSeconds(1), List.of());
        long started = System.nanoTime();
        e.started("primary");
        e.stopped("primary");
        assertTrue(e.awaitIdle(Duration.ofSeconds(30)));
        assertTrue(System.nanoTime() - started >= Duration.ofSeconds(1).toNanos(), "it ran until its timeout");
        List<String> both = lines(pids);
        assertEquals(2, both.size(), both.toString());
        for (String pid : both) {
            long p = Long.parseLong(pid.strip());
            boolean gone = ProcessHandle.of(p).map(h -> {
                h.onExit().completeOnTimeout(h, 5, java.util.concurrent.TimeUnit.SECONDS).join();
                return !h.isAlive();
            }).orElse(true);
            assertTrue(gone, "process " + p + " was killed");
        }
        assertEquals(List.of("after"), lines(log), "the next callback still ran");
    }

    @Test
    @DisplayName("pre_promote: exit 0 lets the promotion go ahead, non-zero vetoes it with the reason; before_stop is synchronous")
    void hooks() throws IOException {
        Path ok = dir.resolve("promote-ok");
        String prePromote = script("pre_promote.sh", "echo \"$# $PATRONI_NAME\" >> " + log
                + "; [ -e " + ok + " ] || { echo 'replica lags too much'; exit 3; }");
        String beforeStop = script("before_stop.sh", "sleep 0.3; echo \"before_stop $PATRONI_ROLE\" >> " + log);
        LifecycleEvents e = events(Map.of(), Optional.of(prePromote), Optional.of(beforeStop), Duration.ofSeconds(30),
                List.of());
        LifecycleEvents.Verdict no = e.prePromote(Duration.ofSeconds(10));
        assertFalse(no.proceed());
        assertTrue(no.reason().contains("exit status 3") && no.reason().contains("replica lags too much"), no.reason());
        Files.writeString(ok, "");
        assertTrue(e.prePromote(Duration.ofSeconds(10)).proceed());
        e.beforeStop("primary");
        assertEquals(List.of("0 node1", "0 node1", "before_stop primary"), lines(log),
                "hooks get no arguments (Patroni's way) and before_stop finished before beforeStop returned");
    }

    @Test
    @DisplayName("a pre_promote that outlives its timeout is killed and vetoes")
    void prePromoteTimeout() throws IOException {
        LifecycleEvents e = events(Map.of(), Optional.of(script("stuck.sh", "sleep 600")), Optional.empty(),
                Duration.ofSeconds(30), List.of());
        LifecycleEvents.Verdict v = e.prePromote(Duration.ofMillis(500));
        assertFalse(v.proceed());
        assertTrue(v.reason().contains("outlived its timeout"), v.reason());
    }

    @Test
    @DisplayName("listeners hear the same events in order, post_promote included; a veto or a failure in pre_promote cancels")
    void listeners() {
        List<String> heard = Collections.synchronizedList(new ArrayList<>());
        LifecycleListener recorder = n -> {
            heard.add(n.event().configName() + " " + n.role() + " " + n.scope() + " " + n.memberName());
            return LifecycleListener.Verdict.PROCEED;
        };
        LifecycleListener thrower = n -> {
            throw new IllegalStateException("boom");
        };
        LifecycleEvents e = events(Map.of(), Optional.empty(), Optional.empty(), Duration.ofSeconds(30), List.of(
                new LifecycleEvents.NamedListener("recorder", recorder),
                new LifecycleEvents.NamedListener("thrower", thrower)));
        e.started("replica");
        LifecycleEvents.Verdict v = e.prePromote(Duration.ofSeconds(10));
        e.roleChanged("replica", "primary");
        e.promoted();
        e.beforeStop("primary");
        e.stopped("primary");
        assertTrue(e.awaitIdle(Duration.ofSeconds(10)));
        assertFalse(v.proceed(), "a listener that throws on pre_promote vetoes (data safety first)");
        assertTrue(v.reason().contains("thrower"), v.reason());
        assertEquals(List.of("on_start replica batman node1", "pre_promote replica batman node1",
                "on_role_change primary batman node1", "post_promote primary batman node1",
                "before_stop primary batman node1", "on_stop primary batman node1"), heard);
    }

    @Test
    @DisplayName("a listener veto cancels a promotion")
    void listenerVeto() {
        LifecycleListener no = n -> n.event() == LifecycleEvent.PRE_PROMOTE ? LifecycleListener.Verdict.VETO
                : LifecycleListener.Verdict.PROCEED;
        LifecycleEvents e = events(Map.of(), Optional.empty(), Optional.empty(), Duration.ofSeconds(30),
                List.of(new LifecycleEvents.NamedListener("guard", no)));
        LifecycleEvents.Verdict v = e.prePromote(Duration.ofSeconds(10));
        assertFalse(v.proceed());
        assertEquals("lifecycle listener guard vetoed the promotion", v.reason());
    }

    @Test
    @DisplayName("observers hear every script and hook run: ok, failed, timed out, and a command that cannot be split")
    void observersHearOutcomes() throws IOException {
        List<String> heard = Collections.synchronizedList(new ArrayList<>());
        Map<LifecycleEvent, String> callbacks = new EnumMap<>(LifecycleEvent.class);
        callbacks.put(LifecycleEvent.ON_START, script("ok.sh", "exit 0"));
        callbacks.put(LifecycleEvent.ON_STOP, script("fail.sh", "exit 2"));
        callbacks.put(LifecycleEvent.ON_RELOAD, script("stuck.sh", "sleep 600"));
        callbacks.put(LifecycleEvent.ON_RESTART, "'unterminated quote");
        LifecycleEvents e = events(callbacks, Optional.of(script("veto.sh", "exit 1")), Optional.empty(),
                Duration.ofSeconds(1), List.of());
        e.subscribe((event, result, took) -> heard.add(event + " " + result.label()
                + (took.compareTo(Duration.ofMillis(900)) >= 0 ? " long" : "")));
        e.started("replica");
        e.stopped("replica");
        e.reloaded("replica");
        e.restarted("replica");
        assertTrue(e.awaitIdle(Duration.ofSeconds(30)));
        assertFalse(e.prePromote(Duration.ofSeconds(10)).proceed());
        assertEquals(List.of("on_start ok", "on_stop failed", "on_reload timeout long", "on_restart failed",
                "pre_promote failed"), heard);
    }
}
