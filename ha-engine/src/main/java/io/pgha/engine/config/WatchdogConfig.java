package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code watchdog} section.
 *
 * @param mode whether a watchdog is used
 * @param device the watchdog device ({@code /dev/watchdog})
 * @param safetyMargin seconds between the watchdog firing and the leader key expiring (5); -1 means ttl/2
 */
public record WatchdogConfig(Mode mode, String device, int safetyMargin) {

    /** Whether the agent uses a watchdog. */
    public enum Mode {
        /** Never. */
        OFF,
        /** When the device can be opened; a leader without one carries on. */
        AUTOMATIC,
        /** Always: a member whose watchdog cannot be armed never becomes leader. */
        REQUIRED
    }

    static final Set<String> KEYS = Set.of("mode", "device", "safety_margin");

    public WatchdogConfig {
        Objects.requireNonNull(mode, "mode is null");
        Objects.requireNonNull(device, "device is null");
    }

    static WatchdogConfig read(ConfigSection root, List<ConfigProblem> problems) {
        ConfigSection s = root.section("watchdog", problems);
        s.warnUnknownKeys(KEYS, problems);
        Mode mode = Mode.AUTOMATIC;
        Object raw = s.raw("mode");
        if (raw != null) {
            // YAML 1.1 reads a bare `off` as false, which is how most Patroni files disable the watchdog
            String text = raw instanceof Boolean b ? (b ? "on" : "off") : String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
            switch (text) {
                case "off", "disable", "disabled" -> mode = Mode.OFF;
                case "automatic", "auto" -> mode = Mode.AUTOMATIC;
                case "required", "require" -> mode = Mode.REQUIRED;
                default -> problems.add(ConfigProblem.error(s.pathOf("mode"),
                        "got " + ConfigSection.describe(raw) + ": expected one of off, automatic, required"));
            }
        }
        String device = Fields.text(s, "device", problems).orElse("/dev/watchdog");
        int margin = (int) Fields.atLeast(s, "safety_margin", 5, -1, problems);
        return new WatchdogConfig(mode, device, margin);
    }
}
