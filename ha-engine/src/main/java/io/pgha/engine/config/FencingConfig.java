package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.List;
import java.util.Set;

/**
 * The {@code fencing} section (pgha's own; Patroni has none): whether a fencing process outside the agent stops
 * PostgreSQL when the leader lease runs out while the agent is dead or frozen.
 *
 * @param supervisor {@code required} (the default: a member takes and keeps the leader lock only while its fencing
 *        supervisor runs) or {@code off} (the agent fences only while it runs, as Patroni without a watchdog)
 */
public record FencingConfig(Supervisor supervisor) {

    /** Whether the outside fencing process runs. */
    public enum Supervisor {
        REQUIRED, OFF
    }

    static final Set<String> KEYS = Set.of("supervisor");

    static FencingConfig read(ConfigSection root, List<ConfigProblem> problems) {
        ConfigSection s = root.section("fencing", problems);
        s.warnUnknownKeys(KEYS, problems);
        Object raw = s.raw("supervisor");
        if (raw == null) {
            return new FencingConfig(Supervisor.REQUIRED);
        }
        String text = raw instanceof Boolean b ? (b ? "required" : "off") : String.valueOf(raw).trim().toLowerCase();
        return switch (text) {
            case "required", "on" -> new FencingConfig(Supervisor.REQUIRED);
            case "off" -> new FencingConfig(Supervisor.OFF);
            default -> {
                problems.add(ConfigProblem.error(s.pathOf("supervisor"), "got " + ConfigSection.describe(raw)
                        + ": expected required or off"));
                yield new FencingConfig(Supervisor.REQUIRED);
            }
        };
    }
}
