package io.pgha.engine.journal;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Names the kind of a decision from the HA loop's sentence. The loop words its decisions as Patroni does, and those
 * sentences are stable (operators grep for them), so the journal reads the kind off them rather than widening the
 * decision tree's interface; {@code DecisionKindsTest} pins every sentence the loop can return.
 */
final class DecisionKinds {
    /** First match wins: a switchover sentence may also say "demoted", a rewind sentence "starting". */
    private static final List<Map.Entry<String, EventKind>> RULES = List.of(
            Map.entry("switchover", EventKind.SWITCHOVER),
            Map.entry("reinitializ", EventKind.REINITIALIZE),
            Map.entry("rewind", EventKind.REWIND),
            Map.entry("diverged", EventKind.REWIND),
            Map.entry("promoted", EventKind.PROMOTED),
            Map.entry("demot", EventKind.DEMOTED),
            Map.entry("fenc", EventKind.FENCED),
            Map.entry("bootstrap", EventKind.BOOTSTRAP),
            Map.entry("initialized a new cluster", EventKind.BOOTSTRAP),
            Map.entry("initialize lock", EventKind.BOOTSTRAP),
            Map.entry("not the healthiest", EventKind.CANDIDATE_REJECTED),
            Map.entry("not allowed to promote", EventKind.CANDIDATE_REJECTED),
            Map.entry("trying and failing to obtain lock", EventKind.LOCK_RACE_LOST),
            Map.entry("acquired session lock", EventKind.LOCK_ACQUIRED),
            Map.entry("failed to update leader lock", EventKind.LOCK_LOST),
            Map.entry("leader key was lost", EventKind.LOCK_LOST),
            Map.entry("released", EventKind.LOCK_RELEASED),
            Map.entry("removed leader key", EventKind.LOCK_RELEASED),
            Map.entry("dcs is not accessible", EventKind.DCS_UNREACHABLE),
            Map.entry("start", EventKind.POSTGRES),
            Map.entry("stopped postgresql", EventKind.POSTGRES));

    private DecisionKinds() {
    }

    /** The kind the sentence names, or {@link EventKind#DECISION} when it names none. */
    static EventKind of(String decision) {
        String d = decision.toLowerCase(Locale.ROOT);
        if (d.startsWith("no action")) {
            return EventKind.DECISION;
        }
        for (Map.Entry<String, EventKind> rule : RULES) {
            if (d.contains(rule.getKey())) {
                return rule.getValue();
            }
        }
        return EventKind.DECISION;
    }

    /** Whether the cycle reached the DCS (every unreachable-DCS sentence of the loop says so). */
    static boolean dcsReachable(String decision) {
        return !decision.toLowerCase(Locale.ROOT).contains("dcs is not accessible");
    }

    /** The sentence with its numbers blanked, so that a countdown or a growing lag is not a new decision. */
    static String shape(String decision) {
        return decision.replaceAll("[0-9A-Fa-f]+/[0-9A-Fa-f]+|[0-9]+", "#");
    }
}
