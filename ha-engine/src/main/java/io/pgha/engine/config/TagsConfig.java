package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code tags} section: how this member may be used. Tags other than the known ones are kept in
 * {@link #custom()} and published with the member (they can be used in {@code /replica?tag_<k>=<v>}).
 *
 * @param nofailover never become leader
 * @param failoverPriority leader-race priority when set (higher wins on equal WAL; 0 = never)
 * @param clonefrom other members may clone from this one
 * @param noloadbalance {@code /replica} answers 503
 * @param replicatefrom stream from this member instead of the leader
 * @param nosync never a synchronous standby
 * @param syncPriority synchronous-standby priority when set (0 = never)
 * @param nostream do not stream; archive recovery only
 * @param custom other tags, unmodifiable, in file order
 */
public record TagsConfig(boolean nofailover, Optional<Integer> failoverPriority, boolean clonefrom,
        boolean noloadbalance, Optional<String> replicatefrom, boolean nosync, Optional<Integer> syncPriority,
        boolean nostream, Map<String, Object> custom) {

    static final Set<String> KNOWN = Set.of("nofailover", "failover_priority", "clonefrom", "noloadbalance",
            "replicatefrom", "nosync", "sync_priority", "nostream");

    public TagsConfig {
        custom = Trees.frozenMap(custom);
    }

    /** Priority in the leader race: 0 when {@code nofailover} (which wins over a priority), else the priority or 1. */
    public int effectiveFailoverPriority() {
        return nofailover ? 0 : failoverPriority.orElse(1);
    }

    /** Priority for synchronous standby selection: 0 when {@code nosync}, else the priority or 1. */
    public int effectiveSyncPriority() {
        return nosync ? 0 : syncPriority.orElse(1);
    }

    /**
     * The tags as published in the member key: the boolean tags only when true (as Patroni does), the others when
     * set, then the custom tags.
     */
    public Map<String, Object> asMemberTags() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (nofailover) {
            out.put("nofailover", true);
        }
        failoverPriority.ifPresent(p -> out.put("failover_priority", p));
        if (clonefrom) {
            out.put("clonefrom", true);
        }
        if (noloadbalance) {
            out.put("noloadbalance", true);
        }
        replicatefrom.ifPresent(r -> out.put("replicatefrom", r));
        if (nosync) {
            out.put("nosync", true);
        }
        syncPriority.ifPresent(p -> out.put("sync_priority", p));
        if (nostream) {
            out.put("nostream", true);
        }
        out.putAll(custom);
        return java.util.Collections.unmodifiableMap(out);
    }

    static TagsConfig read(ConfigSection root, List<ConfigProblem> problems) {
        ConfigSection s = root.section("tags", problems);
        Map<String, Object> custom = new LinkedHashMap<>();
        s.asMap().forEach((k, v) -> {
            if (!KNOWN.contains(k)) {
                custom.put(k, v);
            }
        });
        boolean nofailover = s.bool("nofailover", false, problems);
        Optional<Integer> failoverPriority = priority(s, "failover_priority", problems);
        boolean nosync = s.bool("nosync", false, problems);
        Optional<Integer> syncPriority = priority(s, "sync_priority", problems);
        conflict(s, "nofailover", nofailover, "failover_priority", failoverPriority, problems);
        conflict(s, "nosync", nosync, "sync_priority", syncPriority, problems);
        return new TagsConfig(nofailover, failoverPriority, s.bool("clonefrom", false, problems),
                s.bool("noloadbalance", false, problems), Fields.text(s, "replicatefrom", problems), nosync,
                syncPriority, s.bool("nostream", false, problems), custom);
    }

    private static Optional<Integer> priority(ConfigSection s, String key, List<ConfigProblem> problems) {
        if (s.raw(key) == null) {
            return Optional.empty();
        }
        long p = Fields.between(s, key, -1, 0, Integer.MAX_VALUE, problems);
        return p < 0 ? Optional.empty() : Optional.of((int) p);
    }

    private static void conflict(ConfigSection s, String flagKey, boolean flag, String priorityKey,
            Optional<Integer> priority, List<ConfigProblem> problems) {
        if (s.raw(flagKey) == null || priority.isEmpty()) {
            return;
        }
        if (flag && priority.get() > 0 || !flag && priority.get() == 0) {
            problems.add(ConfigProblem.warning(s.pathOf(priorityKey), "is " + priority.get() + " but " + flagKey
                    + " is " + flag + ": they contradict each other; " + flagKey + " wins"));
        }
    }
}
