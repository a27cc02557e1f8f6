package com.example.thirdparty;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.testkit.dcs.InMemoryDcs;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A "third-party" backend named {@code example}, outside pgha's packages, registered through
 * {@code META-INF/services}. It stores into an {@link InMemoryDcs} named by its {@code cluster} option.
 */
public final class ExampleDcsProvider implements DcsProvider {
    @Override
    public String name() {
        return "example";
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        options.requiredString("cluster", problems);
        options.warnUnknownKeys(Set.of("cluster"), problems);
        return problems;
    }

    @Override
    public DcsClient open(ConfigSection section, DcsContext context) {
        List<ConfigProblem> problems = validate(section);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return InMemoryDcs.shared("example:" + section.requiredString("cluster", problems)).open(context);
    }
}
