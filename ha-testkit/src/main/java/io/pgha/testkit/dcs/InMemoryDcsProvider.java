package io.pgha.testkit.dcs;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code inmemory} DCS: opens clients on the {@link InMemoryDcs#shared(String) shared store} named by the
 * section's {@code store} option (default {@code default}). For tests of code that selects its DCS through the
 * provider SPI; the section looks like:
 *
 * <pre>
 * inmemory:
 *   store: cluster-a
 * </pre>
 *
 * @since 1.0
 */
public final class InMemoryDcsProvider implements DcsProvider {
    /** The section name. */
    public static final String NAME = "inmemory";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        String store = options.string("store", "default", problems);
        if (store.isBlank()) {
            problems.add(ConfigProblem.error(options.pathOf("store"), "is empty: expected the name of a store"));
        }
        options.warnUnknownKeys(Set.of("store"), problems);
        return problems;
    }

    @Override
    public DcsClient open(ConfigSection section, DcsContext context) {
        List<ConfigProblem> problems = validate(section);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return InMemoryDcs.shared(section.string("store", "default", new ArrayList<>())).open(context);
    }
}
