package io.pgha.testkit;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsTimings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * A {@link DcsContext} for tests: a {@link FakePluginContext} plus the {@link DcsTimings} the client opens with.
 *
 * <pre>{@code
 * DcsContext ctx = FakeDcsContext.of("/service/", "batman", "node1", timings);
 * DcsClient client = provider.open(section, ctx);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @since 1.0
 */
public final class FakeDcsContext implements DcsContext {
    private final FakePluginContext base;
    private final DcsTimings timings;

    private FakeDcsContext(FakePluginContext base, DcsTimings timings) {
        this.base = base;
        this.timings = Objects.requireNonNull(timings, "timings is null");
    }

    /** A context with a new temporary state directory, a {@link PlainCommandRunner} and the system clock. */
    public static FakeDcsContext of(String namespace, String scope, String memberName, DcsTimings timings) {
        return builder().namespace(namespace).scope(scope).memberName(memberName).timings(timings).build();
    }

    /**
     * Starts a builder. Defaults as {@link FakePluginContext#builder()}; timings default to Patroni's (ttl 30 s,
     * loop_wait 10 s, retry_timeout 10 s).
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public DcsTimings timings() {
        return timings;
    }

    @Override
    public String memberName() {
        return base.memberName();
    }

    @Override
    public String scope() {
        return base.scope();
    }

    @Override
    public String namespace() {
        return base.namespace();
    }

    @Override
    public Path stateDirectory() {
        return base.stateDirectory();
    }

    @Override
    public CommandRunner commands() {
        return base.commands();
    }

    @Override
    public Clock clock() {
        return base.clock();
    }

    /** The same context for another member name (with a new state directory). */
    public FakeDcsContext withMemberName(String memberName) {
        return builder().namespace(namespace()).scope(scope()).memberName(memberName).commands(commands())
                .clock(clock()).timings(timings).build();
    }

    /** The same context with other timings. */
    public FakeDcsContext withTimings(DcsTimings timings) {
        return new FakeDcsContext(base, timings);
    }

    @Override
    public String toString() {
        return "FakeDcsContext[" + namespace() + scope() + " member " + memberName() + ", ttl " + timings.ttl() + "]";
    }

    /** Builder of a {@link FakeDcsContext}. */
    public static final class Builder {
        private final FakePluginContext.Builder base = FakePluginContext.builder();
        private DcsTimings timings = DcsTimings.PATRONI_DEFAULTS;

        private Builder() {
        }

        public Builder memberName(String memberName) {
            base.memberName(memberName);
            return this;
        }

        public Builder scope(String scope) {
            base.scope(scope);
            return this;
        }

        /** Normalised as Patroni does; {@code null} or blank means {@code /service/}. */
        public Builder namespace(String namespace) {
            base.namespace(namespace);
            return this;
        }

        /** An existing directory; by default a new temporary one. */
        public Builder stateDirectory(Path stateDirectory) {
            base.stateDirectory(stateDirectory);
            return this;
        }

        public Builder commands(CommandRunner commands) {
            base.commands(commands);
            return this;
        }

        public Builder clock(Clock clock) {
            base.clock(clock);
            return this;
        }

        public Builder timings(DcsTimings timings) {
            this.timings = timings;
            return this;
        }

        public FakeDcsContext build() {
            return new FakeDcsContext(base.build(), timings);
        }
    }
}
