package io.pgha.testkit.methods;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.bootstrap.BootstrapResult;
import io.pgha.testkit.bootstrap.BootstrapKitFixture;
import io.pgha.testkit.bootstrap.BootstrapMethodContractKit;
import io.pgha.testkit.bootstrap.ScratchBootstrapFixture;
import java.util.Map;

/**
 * The bootstrap kit run against a method that is not registered, accepts any option, reports success without
 * creating a cluster, and throws when its run fails. Run by {@link MethodKitSelfIT} only.
 */
class BrokenBootstrapProbe extends BootstrapMethodContractKit {

    static final class Careless implements BootstrapMethodProvider {
        @Override
        public String name() {
            return "careless";
        }

        @Override
        public BootstrapMethod create(ConfigSection options, PluginContext context) {
            boolean failing = options.has("fail");
            return request -> {
                if (failing) {
                    throw new IllegalStateException("backup not found");
                }
                return new BootstrapResult.Created(Map.of(), false);
            };
        }
    }

    @Override
    protected BootstrapKitFixture createFixture() {
        return new ScratchBootstrapFixture() {
            @Override
            public BootstrapMethodProvider provider() {
                return new Careless();
            }

            @Override
            public ConfigSection workingOptions() {
                return new ConfigSection("bootstrap.careless", Map.of());
            }

            @Override
            public ConfigSection invalidOptions() {
                return new ConfigSection("bootstrap.careless", Map.of("no_such_option", 1));
            }

            @Override
            public ConfigSection failingOptions() {
                return new ConfigSection("bootstrap.careless", Map.of("fail", true));
            }
        };
    }
}
