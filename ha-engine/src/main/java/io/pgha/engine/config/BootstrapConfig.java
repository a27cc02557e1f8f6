package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code bootstrap} section: how the first member creates a new cluster.
 *
 * @param dcs the initial dynamic configuration ({@code bootstrap.dcs}), written to the DCS after bootstrap
 * @param method {@code initdb} or the name of a custom method
 * @param initdb options for initdb
 * @param methods sections of custom methods ({@code bootstrap.<method>}) by name
 * @param pgHba lines appended to the generated pg_hba.conf (unless {@code postgresql.pg_hba} is set)
 * @param postBootstrap command run once after bootstrap ({@code post_bootstrap}, alias {@code post_init})
 */
public record BootstrapConfig(DynamicConfig dcs, String method, List<CommandOption> initdb,
        Map<String, ConfigSection> methods, Optional<List<String>> pgHba, Optional<String> postBootstrap) {

    /** The built-in bootstrap method. */
    public static final String INITDB = "initdb";
    /** initdb options the agent sets itself. */
    public static final Set<String> INITDB_FORBIDDEN = Set.of("pgdata", "nosync", "pwfile", "sync-only", "version");
    /** Keys of a custom method section the agent interprets (the rest become {@code --key=value}). */
    public static final Set<String> CUSTOM_METHOD_KEYS = Set.of("command", "no_params", "keep_existing_recovery_conf",
            "recovery_conf");

    static final Set<String> KEYS = Set.of("dcs", "method", "initdb", "pg_hba", "post_bootstrap", "post_init", "users");

    public BootstrapConfig {
        Objects.requireNonNull(dcs, "dcs is null");
        Objects.requireNonNull(method, "method is null");
        initdb = List.copyOf(initdb);
        methods = Collections.unmodifiableMap(new LinkedHashMap<>(methods));
    }

    /** True when a custom method replaces initdb. */
    public boolean isCustomMethod() {
        return !method.equals(INITDB);
    }

    /** The section of {@code name} ({@code bootstrap.<name>}), empty when absent. */
    public ConfigSection methodSection(String name) {
        return methods.getOrDefault(name, ConfigSection.empty("bootstrap." + name));
    }

    /** @param strictTimings whether timing minimums and the ttl rule in {@code bootstrap.dcs} are errors */
    static BootstrapConfig read(ConfigSection root, boolean strictTimings, List<ConfigProblem> problems) {
        ConfigSection s = root.section("bootstrap", problems);
        ConfigSection dcsSection = s.section("dcs", problems);
        DynamicConfig dcs = strictTimings ? DynamicConfig.fromFile(dcsSection.path(), dcsSection.asMap(), problems)
                : DynamicConfig.from(dcsSection.path(), dcsSection.asMap(), problems);

        String method = Fields.text(s, "method", problems).orElse(INITDB);
        Map<String, ConfigSection> methods = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : s.asMap().entrySet()) {
            String key = e.getKey();
            if (KEYS.contains(key)) {
                continue;
            }
            if (e.getValue() instanceof Map<?, ?>) {
                methods.put(key, s.section(key, problems));
                if (!key.equals(method)) {
                    problems.add(ConfigProblem.warning(s.pathOf(key), "is not used: bootstrap.method is " + method));
                }
            } else if (key.equals(method)) {
                problems.add(ConfigProblem.error(s.pathOf(key), "got " + ConfigSection.describe(e.getValue())
                        + ": expected the options of bootstrap method " + key + " as a mapping with a command"));
            } else {
                problems.add(ConfigProblem.warning(s.pathOf(key), "unknown key, ignored"));
            }
        }
        if (!method.equals(INITDB)) {
            ConfigSection custom = methods.get(method);
            if (custom == null && !(s.raw(method) != null)) {
                // a plugin may provide the method without options, so this is not fatal here
                problems.add(ConfigProblem.warning(s.pathOf(method), "is missing: bootstrap.method is " + method
                        + ", which needs a section with a command unless a plugin provides it"));
            } else if (custom != null) {
                if (!custom.has("command")) {
                    problems.add(ConfigProblem.warning(custom.pathOf("command"), "is missing: bootstrap method "
                            + method + " has no command to run, so it only works if a plugin provides it"));
                }
                Fields.text(custom, "command", problems);
                custom.bool("no_params", problems);
                custom.bool("keep_existing_recovery_conf", problems);
                custom.section("recovery_conf", problems);
            }
            if (s.raw("initdb") != null) {
                problems.add(ConfigProblem.warning(s.pathOf("initdb"), "is not used: bootstrap.method is " + method));
            }
        }
        if (s.raw("users") != null) {
            BootstrapUser.readAll(s.section("users", problems), problems);
            problems.add(ConfigProblem.warning(s.pathOf("users"), "was removed in Patroni 4.0; pgha still creates these"
                    + " roles at bootstrap, as Patroni 3.x did, but consider creating them in the post_bootstrap script"));
        }
        String postKey = s.raw("post_bootstrap") != null ? "post_bootstrap" : "post_init";
        if (s.raw("post_bootstrap") != null && s.raw("post_init") != null) {
            problems.add(ConfigProblem.warning(s.pathOf("post_init"), "is ignored: post_bootstrap is also set and wins"));
        }
        return new BootstrapConfig(dcs, method,
                CommandOption.parse(s.pathOf("initdb"), s.raw("initdb"), INITDB_FORBIDDEN, problems), methods,
                Fields.lines(s, "pg_hba", problems), Fields.text(s, postKey, problems));
    }
}
