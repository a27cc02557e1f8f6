package io.pgha.testkit.dcs;

/** The kit against its own reference implementation. */
class InMemoryDcsContractTest extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new InMemoryDcsFixture();
    }
}
