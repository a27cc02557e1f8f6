package io.pgha.testkit;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.PluginContext;
import io.pgha.spi.dcs.PatroniLayout;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * A {@link PluginContext} for tests: fixed identity, a private temporary state directory (removed when the JVM
 * exits), a {@link PlainCommandRunner} and the system clock unless told otherwise.
 *
 * <pre>{@code
 * PluginContext ctx = FakePluginContext.builder().scope("batman").memberName("node1").build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @since 1.0
 */
public final class FakePluginContext implements PluginContext {
    private final String memberName;
    private final String scope;
    private final String namespace;
    private final Path stateDirectory;
    private final CommandRunner commands;
    private final Clock clock;

    private FakePluginContext(Builder b) {
        this.memberName = Objects.requireNonNull(b.memberName, "memberName is null");
        this.scope = Objects.requireNonNull(b.scope, "scope is null");
        this.namespace = PatroniLayout.normaliseNamespace(b.namespace);
        this.stateDirectory = b.stateDirectory != null ? b.stateDirectory : TempDirectories.create("pgha-kit-state-");
        this.commands = b.commands != null ? b.commands : new PlainCommandRunner();
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    }

    /** A context for member {@code memberName} of {@code scope} in the default namespace. */
    public static FakePluginContext of(String scope, String memberName) {
        return builder().scope(scope).memberName(memberName).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String memberName() {
        return memberName;
    }

    @Override
    public String scope() {
        return scope;
    }

    @Override
    public String namespace() {
        return namespace;
    }

    @Override
    public Path stateDirectory() {
        return stateDirectory;
    }

    @Override
    public CommandRunner commands() {
        return commands;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + namespace + scope + " member " + memberName + "]";
    }

    /**
     * Builds a context. Defaults: scope {@code batman}, member {@code node1}, namespace {@code /service/}, a new
     * temporary state directory, a {@link PlainCommandRunner}, the system UTC clock.
     */
    public static final class Builder {
        private String memberName = "node1";
        private String scope = "batman";
        private String namespace = PatroniLayout.DEFAULT_NAMESPACE;
        private Path stateDirectory;
        private CommandRunner commands;
        private Clock clock;

        private Builder() {
        }

        public Builder memberName(String memberName) {
            this.memberName = memberName;
            return this;
        }

        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        /** Normalised as Patroni does; {@code null} or blank means {@code /service/}. */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** An existing directory; by default a new temporary one. */
        public Builder stateDirectory(Path stateDirectory) {
            this.stateDirectory = stateDirectory;
            return this;
        }

        public Builder commands(CommandRunner commands) {
            this.commands = commands;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public FakePluginContext build() {
            return new FakePluginContext(this);
        }
    }
}
