package io.pgha.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fencing process outside the agent, on real processes: a stand-in postmaster it must stop, or leave alone. */
class FencingSupervisorTest {
    @TempDir
    Path stateRoot;
    private FencingSupervisor fencer;
    private Process postmaster;

    @AfterEach
    void cleanUp() throws Exception {
        if (fencer != null) {
            fencer.close();
            await(Duration.ofSeconds(5), () -> pidFileSays() > 0);
            long pid = fencerPid();
            await(Duration.ofSeconds(5), () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
        if (postmaster != null) {
            postmaster.destroyForcibly().waitFor();
        }
    }

    private long fencerPid() throws Exception {
        return Long.parseLong(Files.readString(stateRoot.resolve("fencer/fencer.pid")).trim());
    }

    private long pidFileSays() {
        try {
            return fencerPid();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private Process standInPostmaster() throws Exception {
        return new ProcessBuilder("sleep", "600").start();
    }

    private static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    @Test
    @DisplayName("it stops the postmaster once the deadline passes without a renewal")
    void fencesAtTheDeadline() throws Exception {
        fencer = FencingSupervisor.start(stateRoot);
        assertTrue(fencer.ready());
        postmaster = standInPostmaster();
        fencer.arm(System.nanoTime() + Duration.ofSeconds(1).toNanos(), Optional.of(postmaster.pid()));
        assertTrue(postmaster.isAlive(), "not before the deadline");
        assertTrue(postmaster.waitFor(6, java.util.concurrent.TimeUnit.SECONDS), "fenced after the deadline");
        Path log = stateRoot.resolve("fencer/fencer.log");
        assertTrue(await(Duration.ofSeconds(5), () -> read(log).contains("fenced postmaster " + postmaster.pid())),
                read(log));
    }

    @Test
    @DisplayName("renewals and disarming keep it from fencing")
    void renewalsKeepItQuiet() throws Exception {
        fencer = FencingSupervisor.start(stateRoot);
        postmaster = standInPostmaster();
        for (int i = 0; i < 4; i++) {
            fencer.arm(System.nanoTime() + Duration.ofMillis(800).toNanos(), Optional.of(postmaster.pid()));
            Thread.sleep(400);
        }
        fencer.disarm();
        Thread.sleep(1500);
        assertTrue(postmaster.isAlive(), "never fenced");
    }

    @Test
    @DisplayName("a deadline moved earlier wakes it: it fences at the new deadline, not the one it slept towards")
    void earlierDeadlineWakesIt() throws Exception {
        fencer = FencingSupervisor.start(stateRoot);
        assertTrue(await(Duration.ofSeconds(5), () -> pidFileSays() > 0), "the fencer wrote its pid");
        postmaster = standInPostmaster();
        fencer.arm(System.nanoTime() + Duration.ofSeconds(60).toNanos(), Optional.of(postmaster.pid()));
        Thread.sleep(300); // lets it read the far deadline and fall asleep towards it
        fencer.arm(System.nanoTime() + Duration.ofSeconds(1).toNanos(), Optional.of(postmaster.pid()));
        assertTrue(postmaster.waitFor(8, java.util.concurrent.TimeUnit.SECONDS), "fenced at the earlier deadline");
    }

    @Test
    @DisplayName("it sleeps while nothing happens: no periodic wake-ups, disarmed or armed with a far deadline")
    void quietWhileIdle() throws Exception {
        fencer = FencingSupervisor.start(stateRoot);
        assertTrue(await(Duration.ofSeconds(5), () -> pidFileSays() > 0), "the fencer wrote its pid");
        long pid = fencerPid();
        postmaster = standInPostmaster();
        Thread.sleep(300);
        long before = contextSwitches(pid);
        Thread.sleep(2000);
        long disarmed = contextSwitches(pid) - before;
        fencer.arm(System.nanoTime() + Duration.ofSeconds(30).toNanos(), Optional.of(postmaster.pid()));
        Thread.sleep(300);
        before = contextSwitches(pid);
        for (int i = 0; i < 4; i++) {
            // renewals move the deadline later: the fencer finds them when it wakes, they do not wake it
            fencer.arm(System.nanoTime() + Duration.ofSeconds(30).toNanos(), Optional.of(postmaster.pid()));
            Thread.sleep(500);
        }
        long armed = contextSwitches(pid) - before;
        // the old loop woke five times a second: ten or more in each window
        assertTrue(disarmed <= 2, "disarmed, it woke " + disarmed + " times in 2 s");
        assertTrue(armed <= 2, "armed, it woke " + armed + " times in 2 s");
        assertTrue(postmaster.isAlive(), "not fenced before the deadline");
    }

    private static long contextSwitches(long pid) throws java.io.IOException {
        long n = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                n += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return n;
    }

    @Test
    @DisplayName("a dead fencer is started again, and a running one is adopted by the next agent")
    void restartedAndAdopted() throws Exception {
        fencer = FencingSupervisor.start(stateRoot);
        assertTrue(await(Duration.ofSeconds(5), () -> pidFileSays() > 0), "the fencer wrote its pid");
        long first = fencerPid();
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        assertTrue(await(Duration.ofSeconds(5), () -> !ProcessHandle.of(first).map(ProcessHandle::isAlive)
                .orElse(false)));
        assertTrue(fencer.ready(), "started again");
        assertTrue(await(Duration.ofSeconds(5), () -> pidFileSays() != first), "a new fencer wrote its pid");
        long second = fencerPid();
        assertNotEquals(first, second);
        FencingSupervisor next = FencingSupervisor.start(stateRoot);
        assertEquals(second, fencerPid(), "adopted, not a second one");
        assertTrue(next.ready());
    }
}
