package io.pgha.dcs.kubernetes.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * List-and-watch informers with the cluster's label selector, and the listeners they wake.
 *
 * <p>The kind-object informer runs from the moment the client opens, even without listeners, as Patroni's
 * list-and-watch thread does: it is how this client sees a new leader record as soon as it is written, which starts
 * that record's ttl as seen from here (see {@link Observations}). The pod informer starts with the first listener
 * (with pods watched by every client, fabric8's mock API server stalls for 30 s at a time once many watches have
 * come and gone). Kubernetes never deletes an expired lock,
 * so expiry is not an event: {@link #wakeAt} schedules the wake-up at the moment this client will judge the lock
 * expired. Informers retry for ever with fabric8's back-off; a failed list is logged once. Thread-safe.
 */
final class ClusterWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);

    private final KubernetesClient k8s;
    private final ClusterObjects objects;
    private final KindListener kindChanged;
    private final List<ClusterChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final String scope;
    private SharedIndexInformer<? extends HasMetadata> kindInformer;
    private SharedIndexInformer<Pod> podInformer;
    private ScheduledExecutorService timer;
    private boolean closed;

    /**
     * @param kindChanged told of every added, changed or deleted kind object (deleted: its last state)
     */
    ClusterWatch(KubernetesClient k8s, ClusterObjects objects, String scope,
            KindListener kindChanged) {
        this.k8s = k8s;
        this.objects = objects;
        this.scope = scope;
        this.kindChanged = kindChanged;
    }

    /** Told of kind-object changes on an informer thread. */
    interface KindListener {
        /** Returns what to report to the listeners, or null for nothing. */
        ChangeKind changed(HasMetadata obj, boolean deleted, boolean pod);
    }

    /** Starts the kind-object informer; does not wait for it (an unreachable API server is not an error here). */
    synchronized void start() {
        kindInformer = inform(objects.kind(), new Handler<>(false));
    }

    DcsClient.Subscription add(ClusterChangeListener listener) {
        synchronized (this) {
            if (!closed && podInformer == null) {
                podInformer = inform(Pod.class, new Handler<>(true));
            }
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    boolean hasListeners() {
        return !listeners.isEmpty();
    }

    /** Runs {@code check} at {@code atNanos} ({@link System#nanoTime()} terms) on the watch's timer thread. */
    synchronized void wakeAt(long atNanos, Runnable check) {
        if (closed) {
            return;
        }
        if (timer == null) {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "pgha-k8s-expiry-" + scope);
                th.setDaemon(true);
                return th;
            });
            t.setRemoveOnCancelPolicy(true);
            timer = t;
        }
        long delay = Math.max(0, atNanos - System.nanoTime());
        timer.schedule(check, delay, TimeUnit.NANOSECONDS);
    }

    void notifyListeners(ChangeKind what) {
        for (ClusterChangeListener l : listeners) {
            try {
                l.clusterChanged(what);
            } catch (RuntimeException e) {
                LOG.warn("a cluster change listener failed", e);
            }
        }
    }

    private <T extends HasMetadata> SharedIndexInformer<T> inform(Class<T> type, ResourceEventHandler<? super T> h) {
        SharedIndexInformer<T> informer = k8s.resources(type).inNamespace(objects.namespace())
                .withLabels(objects.selector()).runnableInformer(0);
        informer.addEventHandler(h);
        informer.exceptionHandler((started, t) -> {
            LOG.debug("watch of {}s in {} failed (retrying): {}", type.getSimpleName(), objects.describeSelector(),
                    ApiCalls.message(t));
            return true;
        });
        informer.start().whenComplete((v, t) -> {
            if (t != null) {
                LOG.debug("watch of {}s in {} did not start: {}", type.getSimpleName(), objects.describeSelector(),
                        ApiCalls.message(t));
            }
        });
        return informer;
    }

    private final class Handler<T extends HasMetadata> implements ResourceEventHandler<T> {
        private final boolean pods;

        Handler(boolean pods) {
            this.pods = pods;
        }

        private void changed(T obj, boolean deleted) {
            ChangeKind what = kindChanged.changed(obj, deleted, pods);
            if (what != null) {
                notifyListeners(what);
            }
        }

        @Override
        public void onAdd(T obj) {
            changed(obj, false);
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            changed(newObj, false);
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changed(obj, true);
        }
    }

    @Override
    public void close() {
        SharedIndexInformer<?> kind;
        SharedIndexInformer<?> pod;
        ScheduledExecutorService t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            kind = kindInformer;
            pod = podInformer;
            t = timer;
        }
        listeners.clear();
        for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {kind, pod}) {
            if (i != null) {
                try {
                    i.stop();
                    // let the watch's close reach the API server before the HTTP client goes
                    i.stopped().toCompletableFuture().get(500, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                        | RuntimeException e) {
                    LOG.debug("stopping a watch failed: {}", e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (t != null) {
            t.shutdownNow();
        }
    }
}
