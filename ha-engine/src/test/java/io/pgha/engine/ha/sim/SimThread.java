package io.pgha.engine.ha.sim;

import java.util.concurrent.Semaphore;

/**
 * A member agent's thread in the simulation. Only one thread of the simulation runs at any moment: the scheduler hands
 * the baton to a member's thread to start a cycle or to resume it after a call that took virtual time, and the
 * member's thread hands it back when it waits again or finishes. Which thread runs next is decided by the event queue
 * alone, so members' calls interleave in virtual time and a seed still replays exactly.
 */
final class SimThread {
    private static final ThreadLocal<SimThread> CURRENT = new ThreadLocal<>();

    /** Thrown inside a member's thread when its agent is killed mid-call: unwinds the cycle without running it on. */
    static final class AgentKilled extends Error {
        AgentKilled() {
            super("agent killed", null, false, false);
        }
    }

    final String owner;
    private final Semaphore baton;
    private final Semaphore go = new Semaphore(0);
    private final Thread thread;
    private Runnable task;
    private volatile boolean killed;
    private volatile boolean busy;
    private Throwable failure;

    SimThread(String owner, Semaphore schedulerBaton) {
        this.owner = owner;
        this.baton = schedulerBaton;
        this.thread = new Thread(this::loop, "sim-" + owner);
        thread.setDaemon(true);
        thread.start();
    }

    static SimThread current() {
        return CURRENT.get();
    }

    boolean busy() {
        return busy;
    }

    /** Scheduler side: starts {@code work} on this thread and waits until it parks or finishes. */
    void start(Runnable work) {
        task = work;
        busy = true;
        handOver();
    }

    /** Scheduler side: lets the parked thread go on, and waits until it parks again or finishes. */
    void resume() {
        handOver();
    }

    private void handOver() {
        go.release();
        baton.acquireUninterruptibly();
        if (failure != null) {
            Throwable f = failure;
            failure = null;
            if (f instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) f;
        }
    }

    /** Member side: gives the baton back and waits to be resumed. */
    void park() {
        if (killed) {
            throw new AgentKilled();
        }
        baton.release();
        go.acquireUninterruptibly();
        if (killed) {
            throw new AgentKilled();
        }
    }

    /** Scheduler side: the agent dies; a parked cycle unwinds (its finally blocks run) before this returns. */
    void kill() {
        killed = true;
        if (busy) {
            handOver();
        } else {
            go.release();
        }
    }

    private void loop() {
        CURRENT.set(this);
        while (true) {
            go.acquireUninterruptibly();
            if (killed && task == null) {
                return;
            }
            Runnable work = task;
            task = null;
            try {
                if (work != null) {
                    work.run();
                }
            } catch (AgentKilled e) {
                // the cycle was cut short with its agent
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                busy = false;
            }
            if (killed) {
                baton.release();
                return;
            }
            baton.release();
        }
    }
}
