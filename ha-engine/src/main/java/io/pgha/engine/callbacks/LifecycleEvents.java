package io.pgha.engine.callbacks;

import io.pgha.spi.ShellWords;
import io.pgha.spi.callback.LifecycleEvent;
import io.pgha.spi.callback.LifecycleListener;
import io.pgha.spi.callback.LifecycleNotice;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's lifecycle events, delivered to its callback scripts and in-process listeners.
 *
 * <ul>
 * <li><b>Callbacks</b> ({@code postgresql.callbacks.on_start}, ...): run after their event, never on the caller's
 * thread, so they never delay the HA loop or a failover. One member's callbacks run one at a time in event order
 * (a single queue), so a newer {@code on_role_change} can never be overtaken by an older one. Each is called
 * Patroni's way, {@code <command words> <action> <role> <scope>}, with {@code PATRONI_ROLE}, {@code PATRONI_SCOPE},
 * {@code PATRONI_NAME}, {@code PATRONI_CLUSTER_NAME}, {@code PATRONI_VERSION} in its environment, plus
 * {@code PATRONI_OLD_ROLE} and {@code PATRONI_NEW_ROLE} on a role change.
 * <li><b>Hooks</b> ({@code pre_promote}, {@code before_stop}): synchronous, on the caller's thread, with Patroni's
 * arguments (none) and the same environment. A non-zero {@code pre_promote} vetoes the promotion; the exit status
 * of {@code before_stop} is only logged.
 * <li><b>Listeners</b> hear every event, including {@code post_promote}, on a thread of their own in the same
 * order; for the two hooks the caller waits for them (bounded by the timeout).
 * </ul>
 * Every script and hook is bounded by the callback timeout, after which its whole process group is killed.
 * Failures and durations are logged, and told to the {@link CallbackObserver}s (the agent's metrics). Thread-safe.
 */
public final class LifecycleEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleEvents.class);

    private final Settings settings;
    private final List<NamedListener> listeners;
    private final ScriptRunner runner;
    private final Clock clock;
    private final ExecutorService scripts;
    private final ExecutorService listenerThread;
    private final List<CallbackObserver> observers = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * What runs on which event.
     *
     * @param scope the cluster name
     * @param memberName this member's name
     * @param version the Patroni version reported to scripts ({@code PATRONI_VERSION})
     * @param callbacks command line by event ({@code on_start} ... {@code on_role_change}), not yet split
     * @param prePromote the {@code pre_promote} command
     * @param beforeStop the {@code before_stop} command
     * @param timeout how long one script or hook may run
     */
    public record Settings(String scope, String memberName, String version, Map<LifecycleEvent, String> callbacks,
            Optional<String> prePromote, Optional<String> beforeStop, Duration timeout) {
        public Settings {
            Objects.requireNonNull(scope, "scope is null");
            Objects.requireNonNull(memberName, "memberName is null");
            Objects.requireNonNull(version, "version is null");
            callbacks = callbacks.isEmpty() ? Map.of() : new EnumMap<>(callbacks);
            Objects.requireNonNull(prePromote, "prePromote is null");
            Objects.requireNonNull(beforeStop, "beforeStop is null");
            Objects.requireNonNull(timeout, "timeout is null");
        }

        /** The events configured in {@code postgresql.callbacks} ({@code on_start: cmd}, ...). */
        public static Map<LifecycleEvent, String> callbacksOf(Map<String, String> byName) {
            Map<LifecycleEvent, String> out = new EnumMap<>(LifecycleEvent.class);
            for (LifecycleEvent e : LifecycleEvent.values()) {
                Optional.ofNullable(byName.get(e.configName())).filter(c -> !c.isBlank()).ifPresent(c -> out.put(e, c));
            }
            return out;
        }
    }

    /** A listener plugin and the name it was configured under. */
    public record NamedListener(String name, LifecycleListener listener) {
        public NamedListener {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(listener, "listener is null");
        }
    }

    /** What the pre-promote hook and listeners said. */
    public record Verdict(boolean proceed, String reason) {
        static final Verdict PROCEED = new Verdict(true, "");
    }

    public LifecycleEvents(Settings settings, List<NamedListener> listeners, ScriptRunner runner, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.listeners = List.copyOf(listeners);
        this.runner = Objects.requireNonNull(runner, "runner is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.scripts = Executors.newSingleThreadExecutor(r -> daemon(r, "callbacks " + settings.memberName()));
        this.listenerThread = Executors.newSingleThreadExecutor(r -> daemon(r, "lifecycle listeners "
                + settings.memberName()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Tells {@code observer} how every later callback and hook run ended. */
    public void subscribe(CallbackObserver observer) {
        observers.add(Objects.requireNonNull(observer, "observer is null"));
    }

    private void observe(String event, ScriptRunner.Outcome o) {
        CallbackObserver.Result result = CallbackObserver.Result.of(o);
        for (CallbackObserver observer : observers) {
            try {
                observer.ran(event, result, o.duration());
            } catch (RuntimeException e) {
                // counting must never break a callback or a promotion
                LOG.warn("callback observer failed on {}: {}", event, e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- events after the fact

    /** PostgreSQL reached running after a start (or was found running) as {@code role}. */
    public void started(String role) {
        publish(LifecycleEvent.ON_START, role, Optional.empty());
    }

    /** PostgreSQL was stopped; it had {@code role}. */
    public void stopped(String role) {
        publish(LifecycleEvent.ON_STOP, role, Optional.empty());
    }

    /** PostgreSQL was restarted in place as {@code role}. */
    public void restarted(String role) {
        publish(LifecycleEvent.ON_RESTART, role, Optional.empty());
    }

    /** PostgreSQL re-read its configuration. */
    public void reloaded(String role) {
        publish(LifecycleEvent.ON_RELOAD, role, Optional.empty());
    }

    /** The member's role changed (promotion, demotion). */
    public void roleChanged(String oldRole, String newRole) {
        publish(LifecycleEvent.ON_ROLE_CHANGE, newRole, Optional.of(oldRole));
    }

    /** The member was promoted and accepts writes: listeners only (Patroni has no such script). */
    public void promoted() {
        notifyListeners(notice(LifecycleEvent.POST_PROMOTE, "primary"));
    }

    private void publish(LifecycleEvent event, String role, Optional<String> oldRole) {
        LifecycleNotice notice = notice(event, role);
        notifyListeners(notice);
        String command = settings.callbacks().get(event);
        if (command == null) {
            return;
        }
        Map<String, String> env = environment(role, oldRole);
        String what = event.configName() + " " + role + oldRole.map(o -> " (was " + o + ")").orElse("");
        try {
            scripts.execute(() -> runCallback(event.configName(), what, command,
                    List.of(event.configName(), role, settings.scope()), env));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.warn("callback {} not run: the agent is shutting down", what);
        }
    }

    private void runCallback(String event, String what, String command, List<String> arguments,
            Map<String, String> env) {
        List<String> argv;
        try {
            argv = new ArrayList<>(ShellWords.split(command));
        } catch (IllegalArgumentException e) {
            LOG.error("callback {} not run: {}", what, e.getMessage());
            observe(event, notRun(e));
            return;
        }
        if (argv.isEmpty()) {
            return;
        }
        argv.addAll(arguments);
        ScriptRunner.Outcome o = runner.run(argv, env, settings.timeout());
        observe(event, o);
        if (o.succeeded()) {
            LOG.info("callback {} {}", what, o.describe());
        } else {
            LOG.warn("callback {} {}", what, o.describe());
        }
    }

    // ---------------------------------------------------------------- hooks

    /**
     * Runs the listeners and the {@code pre_promote} hook before a promotion, on this thread, each bounded by
     * {@code timeout}; a listener's veto or exception, or a hook that fails or times out, cancels the promotion.
     */
    public Verdict prePromote(Duration timeout) {
        LifecycleNotice notice = notice(LifecycleEvent.PRE_PROMOTE, "replica");
        Optional<String> vetoedBy = awaitListeners(notice, timeout);
        if (vetoedBy.isPresent()) {
            return new Verdict(false, vetoedBy.get());
        }
        if (settings.prePromote().isEmpty()) {
            return Verdict.PROCEED;
        }
        ScriptRunner.Outcome o = runHook("pre_promote", settings.prePromote().get(), "replica", timeout);
        if (o == null || !o.succeeded()) {
            return new Verdict(false, "pre_promote " + (o == null ? "could not run" : o.describe()));
        }
        return Verdict.PROCEED;
    }

    /** Runs the listeners and the {@code before_stop} hook before PostgreSQL is stopped, on this thread. */
    public void beforeStop(String role) {
        awaitListeners(notice(LifecycleEvent.BEFORE_STOP, role), settings.timeout());
        settings.beforeStop().ifPresent(cmd -> runHook("before_stop", cmd, role, settings.timeout()));
    }

    private ScriptRunner.Outcome runHook(String name, String command, String role, Duration timeout) {
        List<String> argv;
        try {
            argv = ShellWords.split(command);
        } catch (IllegalArgumentException e) {
            LOG.error("{} not run: {}", name, e.getMessage());
            observe(name, notRun(e));
            return null;
        }
        if (argv.isEmpty()) {
            return new ScriptRunner.Outcome(0, "", false, Duration.ZERO);
        }
        ScriptRunner.Outcome o = runner.run(argv, environment(role, Optional.empty()), timeout);
        observe(name, o);
        if (o.succeeded()) {
            LOG.info("{} {}", name, o.describe());
        } else {
            LOG.warn("{} {}", name, o.describe());
        }
        return o;
    }

    // ---------------------------------------------------------------- listeners

    private void notifyListeners(LifecycleNotice notice) {
        if (listeners.isEmpty()) {
            return;
        }
        try {
            listenerThread.execute(() -> callListeners(notice));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("lifecycle event {} not delivered: shutting down", notice.event());
        }
    }

    /** Calls the listeners for {@code notice} on their thread and waits; the name of the first that vetoed, if any. */
    private Optional<String> awaitListeners(LifecycleNotice notice, Duration timeout) {
        if (listeners.isEmpty()) {
            return Optional.empty();
        }
        Future<Optional<String>> f;
        try {
            f = listenerThread.submit(() -> callListeners(notice));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return Optional.of("the agent is shutting down");
        }
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            LOG.warn("lifecycle listeners did not answer {} within {} s", notice.event().configName(),
                    timeout.toSeconds());
            return Optional.of("the lifecycle listeners did not answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            return Optional.of("a lifecycle listener failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    private Optional<String> callListeners(LifecycleNotice notice) {
        Optional<String> veto = Optional.empty();
        for (NamedListener l : listeners) {
            LifecycleListener.Verdict v;
            try {
                v = l.listener().onEvent(notice);
            } catch (RuntimeException e) {
                LOG.warn("lifecycle listener {} failed on {}: {}", l.name(), notice.event().configName(), e.toString());
                v = notice.event() == LifecycleEvent.PRE_PROMOTE ? LifecycleListener.Verdict.VETO
                        : LifecycleListener.Verdict.PROCEED;
            }
            if (v == LifecycleListener.Verdict.VETO && notice.event() == LifecycleEvent.PRE_PROMOTE && veto.isEmpty()) {
                veto = Optional.of("lifecycle listener " + l.name() + " vetoed the promotion");
            }
        }
        return veto;
    }

    // ---------------------------------------------------------------- helpers

    private static ScriptRunner.Outcome notRun(IllegalArgumentException e) {
        return new ScriptRunner.Outcome(-1, String.valueOf(e.getMessage()), false, Duration.ZERO);
    }

    private LifecycleNotice notice(LifecycleEvent event, String role) {
        return new LifecycleNotice(event, role, settings.scope(), settings.memberName(), clock.instant());
    }

    private Map<String, String> environment(String role, Optional<String> oldRole) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATRONI_ROLE", role);
        env.put("PATRONI_SCOPE", settings.scope());
        env.put("PATRONI_NAME", settings.memberName());
        env.put("PATRONI_CLUSTER_NAME", settings.scope());
        env.put("PATRONI_VERSION", settings.version());
        oldRole.ifPresent(o -> {
            env.put("PATRONI_OLD_ROLE", o);
            env.put("PATRONI_NEW_ROLE", role);
        });
        return env;
    }

    /** Waits until every event published so far has been handled; false when that takes longer than {@code timeout}. */
    public boolean awaitIdle(Duration timeout) {
        try {
            Future<?> a = scripts.submit(() -> { });
            Future<?> b = listenerThread.submit(() -> { });
            long deadline = System.nanoTime() + timeout.toNanos();
            a.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            b.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Lets the callbacks already queued finish (each within its timeout, so at shutdown {@code on_stop} still runs),
     * then closes the listeners.
     */
    @Override
    public void close() {
        scripts.shutdown();
        listenerThread.shutdown();
        try {
            if (!scripts.awaitTermination(settings.timeout().toSeconds() + 10, TimeUnit.SECONDS)) {
                LOG.warn("callbacks still running at shutdown; leaving them");
                scripts.shutdownNow();
            }
            listenerThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (NamedListener l : listeners) {
            try {
                l.listener().close();
            } catch (RuntimeException e) {
                LOG.warn("lifecycle listener {} failed to close: {}", l.name(), e.toString());
            }
        }
    }
}
