package io.pgha.bootstrap.initdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.ProgramOptions;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.testkit.bootstrap.BootstrapKitFixture;
import io.pgha.testkit.bootstrap.BootstrapMethodContractKit;
import io.pgha.testkit.bootstrap.ScratchBootstrapFixture;
import io.pgha.testkit.server.PostgresProcess;
import java.util.List;
import java.util.Map;

/** initdb passes the bootstrap-method contract with the real PostgreSQL 15 initdb. */
class InitdbBootstrapContractIT extends BootstrapMethodContractKit {
    @Override
    protected BootstrapKitFixture createFixture() {
        return new ScratchBootstrapFixture() {
            @Override
            public BootstrapMethodProvider provider() {
                return new InitdbBootstrapProvider();
            }

            @Override
            public ConfigSection workingOptions() {
                // Patroni's list form: flags and single-key maps
                return ProgramOptions.section("bootstrap.initdb", List.of("data-checksums", Map.of("encoding", "UTF8")));
            }

            @Override
            public ConfigSection invalidOptions() {
                return ProgramOptions.section("bootstrap.initdb", List.of(Map.of("pgdata", "/elsewhere")));
            }

            @Override
            public ConfigSection failingOptions() {
                // valid as configuration; initdb itself refuses the encoding
                return ProgramOptions.section("bootstrap.initdb", List.of(Map.of("encoding", "NO_SUCH_ENCODING")));
            }

            @Override
            public void verifyRunning(PostgresProcess cluster) {
                assertEquals("on", cluster.sql("SHOW data_checksums"), "data-checksums reached initdb");
                assertEquals("UTF8", cluster.sql("SHOW server_encoding"));
            }
        };
    }
}
