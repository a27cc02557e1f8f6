package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Patroni's text conventions")
class PatroniTextTest {
    @Test
    @DisplayName("lag values: bytes, 1024-based units, C-style numbers; anything else is no value")
    void bytes() {
        assertEquals(OptionalLong.of(100), PatroniText.parseBytes("100"));
        assertEquals(OptionalLong.of(16384), PatroniText.parseBytes("16kB"));
        assertEquals(OptionalLong.of(64L << 20), PatroniText.parseBytes("64MB"));
        assertEquals(OptionalLong.of(1L << 30), PatroniText.parseBytes(" 1GB "));
        assertEquals(OptionalLong.of(16L << 20), PatroniText.parseBytes("16 MB"));
        assertEquals(OptionalLong.of(1536L << 10), PatroniText.parseBytes("1.5MB"));
        assertEquals(OptionalLong.of(16), PatroniText.parseBytes("0x10"));
        assertEquals(OptionalLong.of(8), PatroniText.parseBytes("010"));
        assertEquals(OptionalLong.of(0), PatroniText.parseBytes("0"));
        assertEquals(OptionalLong.of(512), PatroniText.parseBytes("512B"));
        assertEquals(OptionalLong.empty(), PatroniText.parseBytes("16mb"));
        assertEquals(OptionalLong.empty(), PatroniText.parseBytes("lots"));
        assertEquals(OptionalLong.empty(), PatroniText.parseBytes(""));
    }

    @Test
    @DisplayName("timestamps as Python prints them")
    void timestamps() {
        assertEquals("2024-08-28 19:39:26.352526+00:00",
                PatroniText.pythonStr(Instant.parse("2024-08-28T19:39:26.352526789Z")));
        assertEquals("2024-08-28 19:39:26+00:00", PatroniText.pythonStr(Instant.parse("2024-08-28T19:39:26Z")));
        assertEquals("2030-01-01T10:00:00-05:30",
                PatroniText.isoformat(OffsetDateTime.of(2030, 1, 1, 10, 0, 0, 0, ZoneOffset.ofHoursMinutes(-5, -30))));
    }

    @Test
    @DisplayName("LSNs as X/Y hex")
    void lsn() {
        assertEquals("0/0", PatroniText.formatLsn(0));
        assertEquals("0/3000060", PatroniText.formatLsn(0x3000060L));
        assertEquals("1A/B", PatroniText.formatLsn((0x1AL << 32) | 0xB));
    }

    @Test
    @DisplayName("query strings as Python's parse_qs: decoded, blank values and bare keys dropped")
    void query() {
        assertEquals(Map.of("lag", List.of("1MB", "2MB"), "tag_dc", List.of("east west")),
                PatroniText.parseQuery("lag=1MB&tag_dc=east+west&lag=2MB&empty=&bare"));
    }

    @Test
    @DisplayName("schedules need a timezone")
    void schedules() {
        assertEquals(new PatroniText.Schedule.At(OffsetDateTime.of(2030, 1, 1, 10, 0, 0, 0, ZoneOffset.ofHours(2))),
                PatroniText.parseSchedule("2030-01-01T10:00+02:00"));
        assertEquals(new PatroniText.Schedule.At(OffsetDateTime.of(2030, 1, 1, 10, 0, 5, 0, ZoneOffset.UTC)),
                PatroniText.parseSchedule("2030-01-01 10:00:05Z"));
        assertInstanceOf(PatroniText.Schedule.At.class, PatroniText.parseSchedule("2030-01-01T10:00:00.5+0530"));
        assertInstanceOf(PatroniText.Schedule.NoTimezone.class, PatroniText.parseSchedule("2030-01-01T10:00"));
        assertInstanceOf(PatroniText.Schedule.Unparsable.class, PatroniText.parseSchedule("tomorrow"));
        assertInstanceOf(PatroniText.Schedule.Unparsable.class, PatroniText.parseSchedule("2030-13-01T10:00Z"));
    }
}
