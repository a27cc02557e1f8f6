package io.pgha.engine.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final RetrySchedule schedule = new RetrySchedule(Duration.ofSeconds(10), Duration.ofSeconds(35), now::get,
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    @DisplayName("due at first; after failures the pause doubles up to the maximum; a success starts over")
    void backoff() {
        assertTrue(schedule.due());
        assertEquals(Duration.ofSeconds(10), schedule.failed());
        assertEquals(Instant.parse("2026-01-01T00:00:10Z"), schedule.notBefore());
        assertFalse(schedule.due());
        advance(Duration.ofSeconds(9));
        assertFalse(schedule.due());
        advance(Duration.ofSeconds(1));
        assertTrue(schedule.due());
        assertEquals(Duration.ofSeconds(20), schedule.failed());
        assertEquals(Duration.ofSeconds(35), schedule.failed());
        assertEquals(Duration.ofSeconds(35), schedule.failed());
        schedule.succeeded();
        assertTrue(schedule.due());
        assertEquals(Duration.ofSeconds(10), schedule.failed());
    }

    @Test
    @DisplayName("a maximum below the first pause is refused")
    void refused() {
        assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(Duration.ofSeconds(5), Duration.ofSeconds(1),
                System::nanoTime, Clock.systemUTC()));
    }
}
