package com.example.thirdparty;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/** A third-party backend runs the kit: one class, one method. */
class ExampleDcsContractTest extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new ExampleKitFixture();
    }
}
