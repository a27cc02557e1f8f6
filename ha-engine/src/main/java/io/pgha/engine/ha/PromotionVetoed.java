package io.pgha.engine.ha;

/**
 * The {@code pre_promote} hook or a lifecycle listener refused a promotion: the member gives the lock back and sits
 * out one ttl, as Patroni does.
 */
public final class PromotionVetoed extends DatabaseException {
    private static final long serialVersionUID = 1L;

    public PromotionVetoed(String reason) {
        super(reason);
    }
}
