package io.pgha.engine.ha;

import io.pgha.spi.dcs.Member;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Asks other members about themselves over their REST API, in parallel, with a short timeout and no retry. */
public interface PeerProbe {

    /**
     * @return for each member asked, its status, or empty when it did not answer in time or answered nonsense
     */
    Map<String, Optional<PeerStatus>> probe(List<Member> members);

    /**
     * Sends {@code POST /failsafe} with {@code body} to each member's REST API (name to API URL), in parallel.
     *
     * @return the members that answered {@code 200}. A probe that cannot send confirms nobody, which makes a leader
     *         without the DCS demote itself, as it would without failsafe mode.
     */
    default Set<String> confirmFailsafe(Map<String, String> apiUrls, Map<String, Object> body) {
        return Set.of();
    }
}
