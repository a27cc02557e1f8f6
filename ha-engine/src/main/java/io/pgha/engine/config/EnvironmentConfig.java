package io.pgha.engine.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds the part of the configuration given by {@code PATRONI_*} environment variables, with the names and value
 * parsing Patroni uses: lists are YAML ({@code a,b} is read as {@code [a,b]}), mappings are YAML flow mappings
 * ({@code k: v, k2: v2} is read as {@code {k: v, k2: v2}}), booleans are on/true/yes/1 and off/false/no/0.
 *
 * <p>Two deliberate differences from Patroni: the generic {@code PATRONI_<DCS>_<SUFFIX>} form only applies to known
 * DCS section names (so unrelated variables such as {@code PATRONI_FOO_HOST} do not create sections), and
 * {@code PATRONI_ETCD[3]_USERNAME/PASSWORD} also apply when the etcd section comes from the file, not only from
 * other variables. A value that does not parse is kept as text, so validation reports it at its key path.
 */
final class EnvironmentConfig {
    static final String PREFIX = "PATRONI_";
    static final String CONFIGURATION = "PATRONI_CONFIGURATION";

    enum Kind { TEXT, INT, REAL, BOOL, LIST, DICT }

    private static final Map<String, Kind> RESTAPI = kinds("listen connect_address certfile keyfile keyfile_password"
            + " cafile ciphers verify_client server_tokens", Kind.TEXT, "http_extra_headers https_extra_headers",
            Kind.DICT, "allowlist", Kind.LIST, "allowlist_include_members", Kind.BOOL, "request_queue_size thread_pool_size",
            Kind.INT);
    private static final Map<String, Kind> CTL = kinds("cacert certfile keyfile keyfile_password", Kind.TEXT,
            "insecure", Kind.BOOL);
    private static final Map<String, Kind> POSTGRESQL = kinds("listen connect_address proxy_address config_dir data_dir"
            + " pgpass bin_dir", Kind.TEXT);
    private static final Map<String, Kind> LOG = kinds("type level traceback_level format dateformat dir", Kind.TEXT,
            "static_fields loggers", Kind.DICT, "max_queue_size file_size file_num mode", Kind.INT,
            "deduplicate_heartbeat_logs", Kind.BOOL);
    private static final Map<String, Kind> RAFT = kinds("data_dir self_addr password bind_addr", Kind.TEXT,
            "partner_addrs", Kind.LIST, "min_timeout max_timeout connection_timeout append_entries_period"
                    + " connection_retry_time leader_fallback_timeout", Kind.REAL);
    private static final List<String> AUTH = List.of("username", "password", "sslmode", "sslkey", "sslpassword",
            "sslcert", "sslrootcert", "sslcrl", "sslcrldir", "gssencmode", "channel_binding", "sslnegotiation");
    private static final Map<String, Kind> DCS_SUFFIXES = kinds("HOST PROTOCOL SRV SRV_SUFFIX URL PROXY CACERT CERT KEY"
            + " TOKEN DC CONSISTENCY SERVICE_CHECK_INTERVAL SERVICE_CHECK_TLS_SERVER_NAME NAMESPACE CONTEXT SCOPE_LABEL"
            + " ROLE_LABEL POD_IP KEY_PASSWORD GROUP DATABASE TMP_ROLE_LABEL", Kind.TEXT, "PORT", Kind.INT,
            "HOSTS PORTS CHECKS SERVICE_TAGS RETRIABLE_HTTP_CODES", Kind.LIST,
            "LABELS SET_ACLS AUTH_DATA BOOTSTRAP_LABELS", Kind.DICT,
            "USE_PROXIES REGISTER_SERVICE USE_ENDPOINTS BYPASS_API_SERVICE VERIFY USE_SSL", Kind.BOOL);
    private static final Pattern PRINTF_FIELD = Pattern.compile("%\\(\\w+\\)");

    /** The environment's contribution: a tree, which variable set which path, and parse problems. */
    record Result(Map<String, Object> tree, Map<String, String> origins, List<ConfigProblem> problems) {
    }

    private final Map<String, String> env;
    private final Map<String, Object> tree = new LinkedHashMap<>();
    private final Map<String, String> origins = new TreeMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();

    private EnvironmentConfig(Map<String, String> env) {
        this.env = env;
    }

    /**
     * @param dcsNames DCS section names the generic form applies to
     * @param documentSections top-level keys of the document the result will be patched over
     */
    static Result build(Map<String, String> env, Set<String> dcsNames, Set<String> documentSections) {
        EnvironmentConfig b = new EnvironmentConfig(env);
        b.run(dcsNames, documentSections);
        return new Result(b.tree, b.origins, b.problems);
    }

    private void run(Set<String> dcsNames, Set<String> documentSections) {
        for (String top : List.of("name", "namespace", "scope")) {
            set(List.of(top), PREFIX + top.toUpperCase(Locale.ROOT), Kind.TEXT);
        }
        set(List.of("thread_pool_size"), PREFIX + "THREAD_POOL_SIZE", Kind.INT);
        set(List.of("thread_stack_size"), PREFIX + "THREAD_STACK_SIZE", Kind.INT);

        section("restapi", RESTAPI);
        section("ctl", CTL);
        section("postgresql", POSTGRESQL);
        section("raft", RAFT);
        // the pre-2.0 names apply only when the new one is not set
        legacyLog("level", "LOGLEVEL");
        legacyLog("format", "LOGFORMAT");
        legacyLog("dateformat", "LOG_DATEFMT");
        for (Map.Entry<String, Kind> e : LOG.entrySet()) {
            String name = PREFIX + "LOG_" + e.getKey().toUpperCase(Locale.ROOT);
            Kind kind = e.getKey().equals("format") ? formatKind(env.get(name)) : e.getValue();
            set(List.of("log", e.getKey()), name, kind);
        }

        String binPrefix = PREFIX + "POSTGRESQL_BIN_";
        for (String var : new TreeMap<>(env).keySet()) {
            if (var.startsWith(binPrefix) && !var.equals(binPrefix + "DIR") && var.length() > binPrefix.length()) {
                set(List.of("postgresql", "bin_name", var.substring(binPrefix.length()).toLowerCase(Locale.ROOT)), var,
                        Kind.TEXT);
            }
        }
        for (String section : List.of("restapi", "ctl")) {
            for (String p : List.of("username", "password")) {
                set(List.of(section, "authentication", p), PREFIX + section.toUpperCase(Locale.ROOT) + "_"
                        + p.toUpperCase(Locale.ROOT), Kind.TEXT);
            }
        }
        for (String user : List.of("superuser", "replication", "rewind")) {
            for (String p : AUTH) {
                set(List.of("postgresql", "authentication", user, p), PREFIX + user.toUpperCase(Locale.ROOT) + "_"
                        + p.toUpperCase(Locale.ROOT), Kind.TEXT);
            }
        }

        List<String> sections = new ArrayList<>(dcsNames);
        sections.add("citus");
        // longest first, so that a plugin section named etcd3_x is not mistaken for etcd3
        sections.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        Set<String> taken = new java.util.HashSet<>();
        for (String section : sections) {
            if (section.equals("raft")) {
                continue;
            }
            String prefix = PREFIX + section.toUpperCase(Locale.ROOT) + "_";
            for (String var : new TreeMap<>(env).keySet()) {
                if (!var.startsWith(prefix) || taken.contains(var)) {
                    continue;
                }
                String suffix = var.substring(prefix.length());
                Kind kind = DCS_SUFFIXES.get(suffix);
                if (kind == null && suffix.endsWith("_LABEL_VALUE")) {
                    kind = Kind.TEXT;
                }
                if (section.equals("citus")) {
                    kind = suffix.equals("GROUP") ? Kind.INT : suffix.equals("DATABASE") ? Kind.TEXT : null;
                }
                if (kind != null) {
                    taken.add(var);
                    set(List.of(section, suffix.toLowerCase(Locale.ROOT)), var, kind);
                }
            }
        }
        for (String etcd : List.of("etcd", "etcd3")) {
            if (tree.containsKey(etcd) || documentSections.contains(etcd)) {
                for (String p : List.of("username", "password")) {
                    set(List.of(etcd, p), PREFIX + etcd.toUpperCase(Locale.ROOT) + "_" + p.toUpperCase(Locale.ROOT),
                            Kind.TEXT);
                }
            }
        }
    }

    private void legacyLog(String key, String oldName) {
        String newName = PREFIX + "LOG_" + key.toUpperCase(Locale.ROOT);
        if (!present(newName) && present(PREFIX + oldName)) {
            Kind kind = key.equals("format") ? formatKind(env.get(PREFIX + oldName)) : Kind.TEXT;
            set(List.of("log", key), PREFIX + oldName, kind);
        }
    }

    /** A json log format is a list of fields; a plain one is a printf-style pattern. */
    private static Kind formatKind(String value) {
        return value == null || PRINTF_FIELD.matcher(value).find() ? Kind.TEXT : Kind.LIST;
    }

    private void section(String section, Map<String, Kind> keys) {
        for (Map.Entry<String, Kind> e : keys.entrySet()) {
            set(List.of(section, e.getKey()), PREFIX + section.toUpperCase(Locale.ROOT) + "_"
                    + e.getKey().toUpperCase(Locale.ROOT), e.getValue());
        }
    }

    private boolean present(String var) {
        String v = env.get(var);
        return v != null && !v.isEmpty();
    }

    /** Sets {@code path} from variable {@code var} when it is set and not empty (Patroni ignores empty ones). */
    @SuppressWarnings("unchecked")
    private void set(List<String> path, String var, Kind kind) {
        if (!present(var)) {
            return;
        }
        String dotted = String.join(".", path);
        Object value = parse(dotted, var, env.get(var), kind);
        Map<String, Object> node = tree;
        for (String key : path.subList(0, path.size() - 1)) {
            node = (Map<String, Object>) node.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
        }
        node.put(path.get(path.size() - 1), value);
        origins.put(dotted, var);
    }

    private Object parse(String path, String var, String raw, Kind kind) {
        switch (kind) {
            case INT: {
                try {
                    return Long.parseLong(raw.trim());
                } catch (NumberFormatException e) {
                    return raw;
                }
            }
            case REAL: {
                try {
                    return Double.parseDouble(raw.trim());
                } catch (NumberFormatException e) {
                    return raw;
                }
            }
            case BOOL:
                return ConfigSection.parseBoolean(raw).<Object>map(b -> b).orElse(raw);
            case LIST: {
                String text = raw.trim().startsWith("-") || raw.contains("[") ? raw : "[" + raw + "]";
                return yaml(path, var, text, "list").filter(v -> v instanceof List<?>).orElse(raw);
            }
            case DICT: {
                String text = raw.trim().startsWith("{") ? raw : "{" + raw + "}";
                return yaml(path, var, text, "mapping").filter(v -> v instanceof Map<?, ?>).orElse(raw);
            }
            default:
                return raw;
        }
    }

    private Optional<Object> yaml(String path, String var, String text, String what) {
        try {
            Object parsed = YamlSource.parseValue(text);
            if ((what.equals("list") && parsed instanceof List) || (what.equals("mapping") && parsed instanceof Map)) {
                return Optional.of(parsed);
            }
        } catch (JsonProcessingException e) {
            // the value is not echoed: mappings such as AUTH_DATA hold credentials
            problems.add(ConfigProblem.error(path, "environment variable " + var + " is not a YAML " + what + ": "
                    + YamlSource.describe(e)));
            return Optional.empty();
        } catch (IOException e) {
            // reported below
        }
        problems.add(ConfigProblem.error(path, "environment variable " + var + " is not a YAML " + what
                + ": expected " + (what.equals("list") ? "a,b or [a, b]" : "k: v, k2: v2 or {k: v}")));
        return Optional.empty();
    }

    private static Map<String, Kind> kinds(Object... pairs) {
        Map<String, Kind> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            for (String k : ((String) pairs[i]).split(" ")) {
                out.put(k, (Kind) pairs[i + 1]);
            }
        }
        return out;
    }
}
