package io.pgha.engine.agent;

import io.pgha.engine.config.PghaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** Which settings changed between two versions of the configuration file but only take effect at agent start-up. */
final class ReloadDiff {
    private ReloadDiff() {
    }

    private record Setting(String name, Function<PghaConfig, Object> value) {
    }

    private static final List<Setting> RESTART_ONLY = List.of(
            new Setting("name", PghaConfig::name),
            new Setting("scope", PghaConfig::scope),
            new Setting("namespace", PghaConfig::namespace),
            new Setting("the DCS section", c -> c.dcs().name() + c.dcs().section().asMap()),
            new Setting("restapi", PghaConfig::restapi),
            new Setting("tags", PghaConfig::tags),
            new Setting("watchdog", PghaConfig::watchdog),
            new Setting("postgresql.data_dir", c -> c.postgresql().dataDir()),
            new Setting("postgresql.bin_dir", c -> c.postgresql().binDir()),
            new Setting("postgresql.listen", c -> c.postgresql().listen()),
            new Setting("postgresql.connect_address", c -> c.postgresql().connectAddress()),
            new Setting("postgresql.authentication", c -> c.postgresql().authentication()),
            new Setting("postgresql.create_replica_methods", c -> c.postgresql().createReplicaMethods()));

    static List<String> restartOnly(PghaConfig before, PghaConfig after) {
        List<String> changed = new ArrayList<>();
        for (Setting s : RESTART_ONLY) {
            if (!Objects.equals(s.value().apply(before), s.value().apply(after))) {
                changed.add(s.name());
            }
        }
        return changed;
    }
}
