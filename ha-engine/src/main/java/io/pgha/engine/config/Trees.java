package io.pgha.engine.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Operations on parsed YAML trees (maps, lists, scalars, nulls). */
final class Trees {
    private Trees() {
    }

    /** A deep, unmodifiable copy that keeps key order and {@code null} values (which {@code Map.copyOf} refuses). */
    static Object frozen(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(String.valueOf(k), frozen(val)));
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(item -> out.add(frozen(item)));
            return Collections.unmodifiableList(out);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> frozenMap(Map<String, ?> m) {
        return (Map<String, Object>) frozen(m);
    }

    /** A deep, modifiable copy with string keys. */
    static Object copy(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(String.valueOf(k), copy(val)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(item -> out.add(copy(item)));
            return out;
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> copyMap(Map<String, ?> m) {
        return (Map<String, Object>) copy(m);
    }

    /**
     * Patches {@code patch} over {@code target} the way Patroni merges configuration files and environment values:
     * mappings merge key by key, anything else replaces, and a {@code null} in the patch removes the key.
     */
    @SuppressWarnings("unchecked")
    static void patch(Map<String, Object> target, Map<String, ?> patch) {
        for (Map.Entry<String, ?> e : patch.entrySet()) {
            Object value = e.getValue();
            if (value == null) {
                target.remove(e.getKey());
            } else if (value instanceof Map<?, ?> pm && target.get(e.getKey()) instanceof Map<?, ?> tm) {
                patch((Map<String, Object>) tm, (Map<String, Object>) pm);
            } else {
                target.put(e.getKey(), copy(value));
            }
        }
    }

    /** True for key names whose values are credentials and must not be shown. */
    static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.equals("token") || k.equals("auth_data") || k.endsWith("_secret")
                || k.equals("secret");
    }

    /** A copy of {@code v} with every credential replaced by {@link Secret#MASK}. */
    static Object masked(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> {
                String key = String.valueOf(k);
                out.put(key, isSecretKey(key) && val != null ? Secret.MASK : masked(val));
            });
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(item -> out.add(masked(item)));
            return out;
        }
        return v;
    }
}
