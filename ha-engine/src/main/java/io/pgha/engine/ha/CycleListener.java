package io.pgha.engine.ha;

import java.time.Duration;

/**
 * Told about every HA cycle once it has ended: the decision journal and the metrics learn from it what the loop
 * decided, on what facts, and how long it took. Called on the loop's thread; an implementation must be quick and must
 * not throw (a throwing listener is logged and skipped, it never stops the loop).
 */
@FunctionalInterface
public interface CycleListener {

    /**
     * @param decision the sentence the cycle returned
     * @param snapshot what the loop knew at the end of the cycle
     * @param took how long the cycle took on the HA clock
     */
    void cycleEnded(String decision, HaSnapshot snapshot, Duration took);
}
