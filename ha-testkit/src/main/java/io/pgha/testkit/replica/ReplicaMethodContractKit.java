package io.pgha.testkit.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.server.PostgresProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;

/**
 * The executable specification of {@link ReplicaMethodProvider} and {@link ReplicaMethod}: every replica-creation
 * method extends this class in a test (an {@code *IT}: the kit copies a real cluster), implements
 * {@link #createFixture()}, and must pass every test.
 *
 * <pre>{@code
 * class BasebackupReplicaContractIT extends ReplicaMethodContractKit {
 *     @Override
 *     protected ReplicaKitFixture createFixture() {
 *         return new PostgresSourceFixture() {
 *             public ReplicaMethodProvider provider() { return new BasebackupReplicaProvider(); }
 *             ...
 *         }.start();
 *     }
 * }
 * }</pre>
 *
 * <p>Rules: {@code REPLICA-1} identity, {@code REPLICA-2} configuration, {@code REPLICA-3} a successful copy,
 * {@code REPLICA-4} failure, {@code REPLICA-5} no leader. A successful copy must hold the source's cluster (same
 * system identifier) and start as a standby that reaches consistency; a run that cannot work must return
 * {@link ReplicaResult.Failed} with a reason, within its timeout, and never throw.
 *
 * @since 1.0
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
public abstract class ReplicaMethodContractKit {
    private final AtomicInteger directories = new AtomicInteger();
    private ReplicaKitFixture fixture;

    /** Creates the fixture with its source ready. Called once, before the first test; the kit closes it. */
    protected abstract ReplicaKitFixture createFixture();

    @BeforeAll
    final void kitStart() {
        PostgresProcess.requireInstalled();
        fixture = Objects.requireNonNull(createFixture(), "createFixture() returned null");
        System.out.printf(Locale.ROOT, "kit: %s against %s%n", getClass().getSimpleName(), fixture.describe());
    }

    @AfterAll
    final void kitStop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** The fixture, for subclasses' own tests. */
    protected final ReplicaKitFixture fixture() {
        return fixture;
    }

    /** Creates the method with {@code options}, as the engine does. */
    protected final ReplicaMethod method(ConfigSection options) {
        return fixture.provider().create(options, fixture.context());
    }

    /** A request to build {@code target} from {@code source}. */
    protected final ReplicaRequest request(Path target, Optional<String> source) {
        return new ReplicaRequest(target, fixture.binDirectory(), source, "kit", "kit-replica", "replica",
                fixture.environment(), fixture.timeout());
    }

    /** A fresh empty directory for one run. */
    protected final Path newTarget(String what) {
        return fixture.newDataDirectory("copy-" + directories.incrementAndGet() + "-" + what);
    }

    private ReplicaResult run(ConfigSection options, Path target, Optional<String> source) {
        try (ReplicaMethod m = method(options)) {
            return m.createReplica(request(target, source));
        } catch (RuntimeException e) {
            throw new AssertionError("createReplica must report failures as ReplicaResult.Failed, not throw", e);
        }
    }

    /** The source a normal run copies from: the running primary, or none for an archive-only fixture. */
    private Optional<String> normalSource() {
        Optional<String> s = fixture.sourceConnectionString();
        if (s.isEmpty() && !fixture.runsWithoutLeader()) {
            throw new AssertionError("the fixture has no running source, but the method needs a leader");
        }
        return s;
    }

    /** A copy holds the source's cluster: PG_VERSION, pg_control with the source's system identifier. */
    private void assertCopyOfSource(Path target) {
        assertTrue(Files.isRegularFile(target.resolve("PG_VERSION")), "PG_VERSION in " + target);
        assertTrue(Files.isRegularFile(target.resolve("global/pg_control")), "global/pg_control in " + target);
        assertEquals(fixture.sourceSystemIdentifier(), PostgresProcess.systemIdentifier(target),
                "the copy is of the source cluster (system identifier)");
    }

    // ------------------------------------------------------------------------------------------------------------

    @Nested
    @Order(1)
    @DisplayName("REPLICA-1 identity")
    class Identity {
        @Test
        @DisplayName("REPLICA-1.1 the name is what users list in create_replica_methods: lower case, no blanks")
        void name() {
            String name = fixture.provider().name();
            assertTrue(name != null && name.matches("[a-z][a-z0-9_]*"), "name '" + name + "'");
        }

        @Test
        @DisplayName("REPLICA-1.2 the provider is registered in META-INF/services, so the engine finds it")
        void registered() {
            Class<?> type = fixture.provider().getClass();
            boolean found = ServiceLoader.load(ReplicaMethodProvider.class, type.getClassLoader()).stream()
                    .anyMatch(p -> p.type() == type);
            assertTrue(found, type.getName() + " is not listed in META-INF/services/"
                    + ReplicaMethodProvider.class.getName());
        }

        @Test
        @DisplayName("REPLICA-1.3 no_leader and keep_data are as declared")
        void declaredTraits() {
            try (ReplicaMethod m = method(fixture.workingOptions())) {
                assertEquals(fixture.runsWithoutLeader(), m.runsWithoutLeader(), "runsWithoutLeader()");
                assertEquals(fixture.keepsExistingData(), m.keepsExistingData(), "keepsExistingData()");
            }
        }
    }

    @Nested
    @Order(2)
    @DisplayName("REPLICA-2 configuration")
    class Configuration {
        @Test
        @DisplayName("REPLICA-2.1 working options validate without errors")
        void workingValidates() {
            List<ConfigProblem> errors = fixture.provider().validate(fixture.workingOptions()).stream()
                    .filter(ConfigProblem::isError).toList();
            assertEquals(List.of(), errors);
        }

        @Test
        @DisplayName("REPLICA-2.2 bad options are reported as errors naming a key inside the method's section")
        void badReported() {
            ConfigSection bad = fixture.invalidOptions();
            List<ConfigProblem> errors = fixture.provider().validate(bad).stream().filter(ConfigProblem::isError)
                    .toList();
            assertFalse(errors.isEmpty(), "validate accepted " + bad.asMap());
            for (ConfigProblem p : errors) {
                assertTrue(p.path().startsWith(bad.path()), p + " names a key of " + bad.path());
                assertFalse(p.message().isBlank(), p + " says what is wrong");
            }
        }

        @Test
        @DisplayName("REPLICA-2.3 create refuses bad options with InvalidConfigException instead of running with them")
        void createRefuses() {
            assertThrows(InvalidConfigException.class, () -> method(fixture.invalidOptions()).close());
        }
    }

    @Nested
    @Order(3)
    @DisplayName("REPLICA-3 success")
    class Success {
        @Test
        @DisplayName("REPLICA-3.1 a copy of the source starts as a standby and reaches consistency")
        void copyStartsAsStandby() throws Exception {
            Path target = newTarget("standby");
            ReplicaResult r = run(fixture.workingOptions(), target, normalSource());
            assertInstanceOf(ReplicaResult.Created.class, r, "createReplica: " + r);
            assertCopyOfSource(target);

            // what the engine does next: standby.signal, primary_conninfo, start
            Files.writeString(target.resolve("standby.signal"), "");
            PostgresProcess.databaseUserDirectory(target);
            Map<String, String> parameters = new LinkedHashMap<>(fixture.standbyParameters());
            fixture.sourceConnectionString().ifPresent(c -> parameters.put("primary_conninfo", c));
            parameters.put("hot_standby", "on");
            parameters.put("archive_mode", "off");
            try (PostgresProcess standby = PostgresProcess.on(target, fixture.workDirectory(), parameters)) {
                standby.start(Duration.ofSeconds(120));
                assertEquals("t", standby.sql("SELECT pg_is_in_recovery()"), "runs as a standby");
                assertEquals("1000", standby.sql("SELECT count(*) FROM kit_rows"), "the source's rows are there");
            }
        }

        @Test
        @DisplayName("REPLICA-3.2 a successful run returns within the request's timeout")
        void withinTimeout() {
            Path target = newTarget("timed");
            long started = System.nanoTime();
            ReplicaResult r = run(fixture.workingOptions(), target, normalSource());
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(r.succeeded(), r.toString());
            assertTrue(took.compareTo(fixture.timeout()) <= 0, "took " + took + ", timeout " + fixture.timeout());
        }
    }

    @Nested
    @Order(4)
    @DisplayName("REPLICA-4 failure")
    class Failure {
        @Test
        @DisplayName("REPLICA-4.1 a run that cannot work returns Failed with a reason, within its timeout, and never throws")
        void failsWithReason() throws Exception {
            Path target = newTarget("failing");
            // a method that needs a leader gets one that does not answer; an archive method a missing archive
            Optional<String> source = fixture.runsWithoutLeader() ? Optional.empty()
                    : Optional.of("user=postgres host=127.0.0.1 port=" + PostgresProcess.freePort() + " dbname=postgres"
                            + " connect_timeout=5");
            long started = System.nanoTime();
            ReplicaResult r = run(fixture.failingOptions(), target, source);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            ReplicaResult.Failed f = assertInstanceOf(ReplicaResult.Failed.class, r, "createReplica: " + r);
            assertFalse(f.reason().isBlank(), "the reason says what went wrong");
            assertTrue(took.compareTo(fixture.timeout()) <= 0, "took " + took + ", timeout " + fixture.timeout());
        }
    }

    @Nested
    @Order(5)
    @DisplayName("REPLICA-5 no leader")
    class NoLeader {
        @Test
        @DisplayName("REPLICA-5.1 without a leader, a method that needs one fails with a reason; an archive method builds the copy")
        void withoutLeader() throws Exception {
            Path target = newTarget("leaderless");
            ReplicaResult r = run(fixture.workingOptions(), target, Optional.empty());
            if (fixture.runsWithoutLeader()) {
                assertInstanceOf(ReplicaResult.Created.class, r, "createReplica without a leader: " + r);
                assertCopyOfSource(target);
            } else {
                ReplicaResult.Failed f = assertInstanceOf(ReplicaResult.Failed.class, r,
                        "a method that needs a leader cannot succeed without one: " + r);
                assertFalse(f.reason().isBlank(), "the reason says what went wrong");
                assertFalse(Files.exists(target.resolve("global/pg_control")), "no cluster was made up from nothing");
            }
        }
    }
}
