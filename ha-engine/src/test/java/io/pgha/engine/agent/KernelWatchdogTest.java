package io.pgha.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.config.WatchdogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog device protocol against a stand-in file: no /dev/watchdog exists on the CI machines (no watchdog
 * driver can be loaded in their containers), so what the kernel would receive is read back from a plain file.
 */
@DisplayName("the kernel watchdog")
class KernelWatchdogTest {
    private static final Duration TTL = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private KernelWatchdog watchdog(String mode, int driverTimeout, int safetyMargin) throws Exception {
        Path device = dir.resolve("watchdog");
        Files.writeString(device, "");
        Path sysfs = dir.resolve("sys");
        Files.createDirectories(sysfs.resolve("watchdog0"));
        Files.writeString(sysfs.resolve("watchdog0/timeout"), driverTimeout + "\n");
        return new KernelWatchdog(new WatchdogConfig(WatchdogConfig.Mode.valueOf(mode), device.toString(),
                safetyMargin), sysfs);
    }

    @Test
    @DisplayName("armed, it is kicked with every keepalive and stopped with the magic close")
    void protocol() throws Exception {
        KernelWatchdog w = watchdog("REQUIRED", 20, 5);
        assertTrue(w.required());
        assertEquals(Optional.empty(), w.arm(TTL));
        assertTrue(w.armed());
        w.keepalive();
        w.keepalive();
        w.disarm();
        assertFalse(w.armed());
        assertEquals("11V", Files.readString(dir.resolve("watchdog")));
        w.keepalive();
        assertEquals("11V", Files.readString(dir.resolve("watchdog")), "nothing is written once disarmed");
    }

    @Test
    @DisplayName("a driver timeout longer than ttl - safety_margin is refused: the lock could expire first")
    void timeoutTooLong() throws Exception {
        KernelWatchdog w = watchdog("REQUIRED", 60, 5);
        Optional<String> why = w.unusable(TTL);
        assertTrue(why.orElse("").contains("the driver's timeout is 60 s, more than ttl - safety_margin = 25 s"),
                why.toString());
        assertEquals(why, w.arm(TTL));
        assertFalse(w.armed());
        assertEquals(Duration.ofSeconds(15), watchdog("AUTOMATIC", 10, -1).wanted(TTL), "safety_margin -1: ttl/2");
    }

    @Test
    @DisplayName("a missing device is named")
    void missingDevice() {
        KernelWatchdog w = new KernelWatchdog(new WatchdogConfig(WatchdogConfig.Mode.REQUIRED,
                dir.resolve("nowhere").toString(), 5), dir);
        assertTrue(w.unusable(TTL).orElse("").contains("does not exist"), w.unusable(TTL).toString());
        assertTrue(KernelWatchdog.of(new WatchdogConfig(WatchdogConfig.Mode.OFF, "/dev/watchdog", 5))
                == io.pgha.engine.ha.Watchdog.NONE);
    }
}
