package io.pgha.engine.agent;

import io.pgha.engine.config.WatchdogConfig;
import io.pgha.engine.ha.Watchdog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Linux watchdog device ({@code /dev/watchdog}). Opening it starts the kernel's countdown, each write restarts
 * it, and writing {@code V} before closing stops it (the "magic close"). Java cannot issue the ioctl that sets the
 * timeout, so the timeout is the driver's, read from sysfs ({@code /sys/class/watchdog/<name>/timeout}); it must be
 * at most {@code ttl - safety_margin}, so that the host is reset before the lock can expire. Configure it with the
 * driver (for softdog: {@code modprobe softdog soft_margin=<seconds>}).
 */
final class KernelWatchdog implements Watchdog {
    private static final Logger LOG = LoggerFactory.getLogger(KernelWatchdog.class);

    private final WatchdogConfig config;
    private final Path device;
    private final Path timeoutFile;
    private FileChannel open;

    /**
     * @param sysfsClass the sysfs directory of watchdog devices ({@code /sys/class/watchdog})
     */
    KernelWatchdog(WatchdogConfig config, Path sysfsClass) {
        this.config = config;
        this.device = Path.of(config.device());
        String name = device.getFileName().toString();
        // /dev/watchdog is the first device's legacy name
        this.timeoutFile = sysfsClass.resolve(name.equals("watchdog") ? "watchdog0" : name).resolve("timeout");
    }

    static Watchdog of(WatchdogConfig config) {
        return config.mode() == WatchdogConfig.Mode.OFF ? Watchdog.NONE
                : new KernelWatchdog(config, Path.of("/sys/class/watchdog"));
    }

    @Override
    public boolean required() {
        return config.mode() == WatchdogConfig.Mode.REQUIRED;
    }

    /** How long before the lock's expiry the watchdog must fire. */
    Duration wanted(Duration ttl) {
        long margin = config.safetyMargin() < 0 ? ttl.toSeconds() / 2 : config.safetyMargin();
        return Duration.ofSeconds(Math.max(1, ttl.toSeconds() - margin));
    }

    @Override
    public synchronized Optional<String> unusable(Duration ttl) {
        if (open != null) {
            return Optional.empty();
        }
        if (!Files.exists(device)) {
            return Optional.of(device + " does not exist (load a watchdog driver, e.g. softdog)");
        }
        if (!Files.isWritable(device)) {
            return Optional.of(device + " is not writable by this agent");
        }
        Optional<Duration> timeout = timeout();
        if (timeout.isEmpty()) {
            return Optional.of("cannot read the driver's timeout from " + timeoutFile);
        }
        if (timeout.get().compareTo(wanted(ttl)) > 0) {
            return Optional.of("the driver's timeout is " + timeout.get().toSeconds() + " s, more than ttl - "
                    + "safety_margin = " + wanted(ttl).toSeconds() + " s: the lock could expire before the host is "
                    + "reset (set the driver's timeout, e.g. softdog soft_margin)");
        }
        return Optional.empty();
    }

    @Override
    public synchronized Optional<String> arm(Duration ttl) {
        if (open != null) {
            return Optional.empty();
        }
        Optional<String> unusable = unusable(ttl);
        if (unusable.isPresent()) {
            return unusable;
        }
        try {
            open = FileChannel.open(device, StandardOpenOption.WRITE);
            LOG.info("armed the watchdog {}: the host is reset {} s after the last lock refresh unless the agent"
                    + " stands down first", device, timeout().map(Duration::toSeconds).orElse(-1L));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot open " + device + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void keepalive() {
        if (open == null) {
            return;
        }
        try {
            open.write(ByteBuffer.wrap(new byte[] {'1'}));
        } catch (IOException e) {
            LOG.error("could not kick the watchdog {}: {}", device, e.getMessage());
        }
    }

    @Override
    public synchronized void disarm() {
        if (open == null) {
            return;
        }
        try {
            open.write(ByteBuffer.wrap(new byte[] {'V'}));
            open.close();
            LOG.info("disarmed the watchdog {}", device);
        } catch (IOException e) {
            LOG.error("could not disarm the watchdog {}: {}", device, e.getMessage());
        } finally {
            open = null;
        }
    }

    @Override
    public synchronized boolean armed() {
        return open != null;
    }

    private Optional<Duration> timeout() {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(Files.readString(timeoutFile).trim())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
