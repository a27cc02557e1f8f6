package io.pgha.engine.ha;

import io.pgha.spi.dcs.Member;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Asks other members about themselves over their REST API, in parallel, with a short timeout and no retry. */
public interface PeerProbe {

    /**
     * @return for each member asked, its status, or empty when it did not answer in time or answered nonsense
     */
    Map<String, Optional<PeerStatus>> probe(List<Member> members);
}
