package io.pgha.spi.dcs;

import java.util.Objects;

/**
 * A member key as read from the DCS.
 *
 * @param name the member's name, from the key ({@code members/<name>})
 * @param version the key's version in the backend's own terms
 * @param session the backend's owner token for the key, or {@code ""}
 * @param data the member's record
 * @since 1.0
 */
public record Member(String name, long version, String session, MemberData data) {
    public Member {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(session, "session is null");
        Objects.requireNonNull(data, "data is null");
    }
}
