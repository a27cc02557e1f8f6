package io.pgha.engine.callbacks;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code lifecycle} section (pgha's own; Patroni has none):
 * <pre>
 * lifecycle:
 *   callback_timeout: 60      # seconds a callback or hook may run before its whole process group is killed
 *   listeners: [audit]        # in-process LifecycleListener plugins, called in this order
 *   audit: {...}              # a listener's options
 * </pre>
 *
 * @param callbackTimeout how long one callback script or hook may run
 * @param listeners the listener plugin names, in calling order
 * @param listenerSections options by listener name (empty section when absent)
 */
public record LifecycleConfig(Duration callbackTimeout, List<String> listeners,
        Map<String, ConfigSection> listenerSections) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final String SECTION = "lifecycle";

    public LifecycleConfig {
        Objects.requireNonNull(callbackTimeout, "callbackTimeout is null");
        listeners = List.copyOf(listeners);
        listenerSections = Collections.unmodifiableMap(new LinkedHashMap<>(listenerSections));
    }

    /** The options of listener {@code name}. */
    public ConfigSection section(String name) {
        return listenerSections.getOrDefault(name, ConfigSection.empty(SECTION + "." + name));
    }

    /** Reads the section from the whole configuration document; problems name their key paths. */
    public static LifecycleConfig read(Map<String, Object> tree, List<ConfigProblem> problems) {
        ConfigSection root = new ConfigSection("", tree);
        ConfigSection s = root.section(SECTION, problems);
        long seconds = s.integer("callback_timeout", DEFAULT_TIMEOUT.toSeconds(), problems);
        if (seconds < 1) {
            problems.add(ConfigProblem.error(s.pathOf("callback_timeout"), "got " + seconds
                    + ": expected at least 1 second"));
            seconds = DEFAULT_TIMEOUT.toSeconds();
        }
        List<String> listeners = s.stringList("listeners", problems);
        Map<String, ConfigSection> sections = new LinkedHashMap<>();
        List<String> seen = new ArrayList<>();
        for (String name : listeners) {
            if (seen.contains(name)) {
                problems.add(ConfigProblem.error(s.pathOf("listeners"), "names " + name + " twice"));
            }
            seen.add(name);
        }
        for (String key : s.keys()) {
            if (key.equals("callback_timeout") || key.equals("listeners")) {
                continue;
            }
            if (listeners.contains(key)) {
                sections.put(key, s.section(key, problems));
            } else {
                problems.add(ConfigProblem.warning(s.pathOf(key), "unknown key: not a listener named in "
                        + s.pathOf("listeners") + "; ignored"));
            }
        }
        return new LifecycleConfig(Duration.ofSeconds(seconds), listeners, sections);
    }
}
