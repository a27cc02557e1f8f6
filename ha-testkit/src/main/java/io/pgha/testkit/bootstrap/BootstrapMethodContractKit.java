package io.pgha.testkit.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.bootstrap.BootstrapRequest;
import io.pgha.spi.bootstrap.BootstrapResult;
import io.pgha.testkit.Timing;
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
 * The executable specification of {@link BootstrapMethodProvider} and {@link BootstrapMethod}: every bootstrap
 * method extends this class in a test (an {@code *IT}: the kit starts what the method created), implements
 * {@link #createFixture()}, and must pass every test.
 *
 * <p>Rules: {@code BOOT-1} identity, {@code BOOT-2} configuration, {@code BOOT-3} success, {@code BOOT-4} failure. A
 * successful run leaves a database cluster in the empty directory it was given, and recovery settings (if any) that
 * are plain PostgreSQL parameters; started as the engine starts it (archive recovery when there are settings, a
 * promotion if it pauses at its target) it becomes a primary. A run that cannot work returns
 * {@link BootstrapResult.Failed} with a reason and never throws.
 *
 * @since 1.0
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
public abstract class BootstrapMethodContractKit {
    private final AtomicInteger directories = new AtomicInteger();
    private BootstrapKitFixture fixture;

    /** Creates the fixture. Called once, before the first test; the kit closes it. */
    protected abstract BootstrapKitFixture createFixture();

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

    protected final BootstrapKitFixture fixture() {
        return fixture;
    }

    protected final BootstrapMethod method(ConfigSection options) {
        return fixture.provider().create(options, fixture.context());
    }

    protected final BootstrapRequest request(Path target) {
        return new BootstrapRequest(target, fixture.binDirectory(), "kit", "kit-bootstrap", "postgres",
                Optional.empty(), fixture.environment(), fixture.timeout());
    }

    protected final Path newTarget(String what) {
        return fixture.newDataDirectory("new-" + directories.incrementAndGet() + "-" + what);
    }

    private BootstrapResult run(ConfigSection options, Path target) {
        try (BootstrapMethod m = method(options)) {
            return m.bootstrap(request(target));
        } catch (RuntimeException e) {
            throw new AssertionError("bootstrap must report failures as BootstrapResult.Failed, not throw", e);
        }
    }

    @Nested
    @Order(1)
    @DisplayName("BOOT-1 identity")
    class Identity {
        @Test
        @DisplayName("BOOT-1.1 the name is what users write in bootstrap.method: lower case, no blanks")
        void name() {
            String name = fixture.provider().name();
            assertTrue(name != null && name.matches("[a-z][a-z0-9_]*"), "name '" + name + "'");
        }

        @Test
        @DisplayName("BOOT-1.2 the provider is registered in META-INF/services, so the engine finds it")
        void registered() {
            Class<?> type = fixture.provider().getClass();
            boolean found = ServiceLoader.load(BootstrapMethodProvider.class, type.getClassLoader()).stream()
                    .anyMatch(p -> p.type() == type);
            assertTrue(found, type.getName() + " is not listed in META-INF/services/"
                    + BootstrapMethodProvider.class.getName());
        }
    }

    @Nested
    @Order(2)
    @DisplayName("BOOT-2 configuration")
    class Configuration {
        @Test
        @DisplayName("BOOT-2.1 working options validate without errors")
        void workingValidates() {
            assertEquals(List.of(), fixture.provider().validate(fixture.workingOptions()).stream()
                    .filter(ConfigProblem::isError).toList());
        }

        @Test
        @DisplayName("BOOT-2.2 bad options are reported as errors naming a key inside the method's section")
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
        @DisplayName("BOOT-2.3 create refuses bad options with InvalidConfigException instead of running with them")
        void createRefuses() {
            assertThrows(InvalidConfigException.class, () -> method(fixture.invalidOptions()).close());
        }
    }

    @Nested
    @Order(3)
    @DisplayName("BOOT-3 success")
    class Success {
        @Test
        @DisplayName("BOOT-3.1 the empty directory becomes a cluster that, started as the engine starts it, is a primary")
        void createsStartableCluster() throws Exception {
            Path target = newTarget("cluster");
            BootstrapResult r = run(fixture.workingOptions(), target);
            BootstrapResult.Created created = assertInstanceOf(BootstrapResult.Created.class, r, "bootstrap: " + r);
            assertTrue(Files.isRegularFile(target.resolve("PG_VERSION")), "PG_VERSION in " + target);
            assertFalse(PostgresProcess.systemIdentifier(target).isEmpty());
            created.recoverySettings().keySet().forEach(k -> assertTrue(k.matches("[a-z_]+"),
                    "recovery setting '" + k + "' is a PostgreSQL parameter name"));

            // what the engine does next: recovery settings (recovery.signal) when there are some, start, end recovery
            Map<String, String> parameters = new LinkedHashMap<>(created.recoverySettings());
            if (!created.recoverySettings().isEmpty()) {
                Files.writeString(target.resolve("recovery.signal"), "");
                Files.deleteIfExists(target.resolve("standby.signal"));
            }
            PostgresProcess.databaseUserDirectory(target);
            parameters.put("archive_mode", "off");
            try (PostgresProcess cluster = PostgresProcess.on(target, fixture.workDirectory(), parameters)) {
                cluster.start(Duration.ofSeconds(120));
                awaitPrimary(cluster, Duration.ofSeconds(120));
                assertEquals("f", cluster.sql("SELECT pg_is_in_recovery()"));
                cluster.sql("CREATE TABLE kit_written_after_bootstrap(v int); INSERT INTO kit_written_after_bootstrap"
                        + " VALUES (1)");
                fixture.verifyRunning(cluster);
            }
        }

        private void awaitPrimary(PostgresProcess cluster, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean promoted = false;
            while (cluster.sql("SELECT pg_is_in_recovery()").equals("t")) {
                if (!promoted && cluster.sql("SELECT pg_is_wal_replay_paused()").equals("t")) {
                    cluster.sql("SELECT pg_promote(true, 60)");
                    promoted = true;
                }
                if (System.nanoTime() > deadline) {
                    fail("the new cluster did not end its recovery within " + timeout + "; its log:\n"
                            + cluster.logTail());
                }
                Timing.pause(Duration.ofMillis(200)); // polling with a bounded deadline
            }
        }
    }

    @Nested
    @Order(4)
    @DisplayName("BOOT-4 failure")
    class Failure {
        @Test
        @DisplayName("BOOT-4.1 a run that cannot work returns Failed with a reason, within its timeout, and never throws")
        void failsWithReason() {
            Path target = newTarget("failing");
            long started = System.nanoTime();
            BootstrapResult r = run(fixture.failingOptions(), target);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            BootstrapResult.Failed f = assertInstanceOf(BootstrapResult.Failed.class, r, "bootstrap: " + r);
            assertFalse(f.reason().isBlank(), "the reason says what went wrong");
            assertTrue(took.compareTo(fixture.timeout()) <= 0, "took " + took + ", timeout " + fixture.timeout());
        }
    }
}
