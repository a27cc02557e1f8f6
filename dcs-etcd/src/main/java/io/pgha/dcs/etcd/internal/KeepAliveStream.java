package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.VertxLeaseGrpc;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lease keepalives over one long-lived {@code LeaseKeepAlive} stream per jetcd client, one request and one answer per
 * keepalive.
 *
 * <p>jetcd offers two ways to keep a lease: its own background keepalive, which would keep a lock alive while the HA
 * loop is stuck (the SPI forbids that, see {@link LeaseSlot}), and {@code keepAliveOnce}, which opens and closes a
 * gRPC stream for every keepalive: about five times the CPU of one message on an open stream, and an idle agent
 * keeps one or two leases alive every loop_wait. So this class writes each keepalive to a stream it keeps open, on
 * the same stub jetcd's {@code keepAliveOnce} uses (with its credentials and its require-leader option), and waits
 * for the answer with that lease's id. It reaches the stub through a private field of jetcd's lease client; should a
 * jetcd version not have it, it says so once and uses {@code keepAliveOnce}.
 *
 * <p>A stream that fails or ends fails every keepalive waiting on it and is replaced by the next call; so is a stream
 * on which an answer did not come in time (the caller cancels its future), and one of a client the connection has
 * replaced. Thread-safe.
 */
final class KeepAliveStream {
    private static final Logger LOG = LoggerFactory.getLogger(KeepAliveStream.class);
    private static final String STUB_FIELD = "leaseStub";

    /** The store answered with TTL 0: the lease does not exist (worded as etcd words it, see {@link Failures}). */
    static final class LeaseGoneException extends IOException {
        private static final long serialVersionUID = 1L;

        LeaseGoneException(long leaseId) {
            super("etcdserver: requested lease not found (lease " + Long.toHexString(leaseId) + ")");
        }
    }

    private final Object lock = new Object();
    private final AtomicLong opened = new AtomicLong();
    private Open open;
    private boolean unsupported;

    /** One open stream of one client. */
    private static final class Open {
        final Client client;
        final CompletableFuture<WriteStream<LeaseKeepAliveRequest>> writer = new CompletableFuture<>();
        final Map<Long, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
        volatile Context context;
        volatile boolean broken;

        Open(Client client) {
            this.client = client;
        }

        void ready(WriteStream<LeaseKeepAliveRequest> w) {
            context = Vertx.currentContext();
            writer.complete(w);
        }

        void answer(LeaseKeepAliveResponse r) {
            CompletableFuture<Long> f = waiting.remove(r.getID());
            if (f == null) {
                return; // an answer that came after its caller gave up
            }
            if (r.getTTL() <= 0) {
                f.completeExceptionally(new LeaseGoneException(r.getID()));
            } else {
                f.complete(r.getTTL());
            }
        }

        void fail(Throwable t) {
            broken = true;
            writer.completeExceptionally(t);
            waiting.values().forEach(f -> f.completeExceptionally(t));
            waiting.clear();
        }

        /** Runs {@code action} on the stream's Vert.x context, where its writes belong. */
        void onContext(Runnable action) {
            Context c = context;
            if (c == null) {
                action.run();
            } else {
                c.runOnContext(v -> action.run());
            }
        }

        void end() {
            broken = true;
            writer.thenAccept(w -> onContext(() -> w.end()));
        }
    }

    /**
     * Sends one keepalive for {@code leaseId} through {@code client}.
     *
     * @return the lease's TTL in seconds as the store now counts it; fails with {@link LeaseGoneException} when the
     *         lease does not exist, or with the stream's failure
     */
    CompletableFuture<Long> keepAlive(Client client, long leaseId) {
        Open o = streamOf(client);
        if (o == null) {
            return client.getLeaseClient().keepAliveOnce(leaseId).thenApply(r -> r.getTTL());
        }
        CompletableFuture<Long> answer = new CompletableFuture<>();
        CompletableFuture<Long> earlier = o.waiting.put(leaseId, answer);
        if (earlier != null) {
            earlier.completeExceptionally(new IllegalStateException("a newer keepalive of the same lease was sent"));
        }
        answer.whenComplete((ttl, failure) -> {
            o.waiting.remove(leaseId, answer);
            if (failure instanceof CancellationException) {
                // no answer in time: this stream may be stuck, the next keepalive opens another
                retire(o);
            }
        });
        LeaseKeepAliveRequest request = LeaseKeepAliveRequest.newBuilder().setID(leaseId).build();
        o.writer.whenComplete((w, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
                return;
            }
            o.onContext(() -> w.write(request).onFailure(answer::completeExceptionally));
        });
        return answer;
    }

    /** The open stream of {@code client}, opened now if needed; {@code null} when jetcd's stub is out of reach. */
    private Open streamOf(Client client) {
        synchronized (lock) {
            if (unsupported) {
                return null;
            }
            if (open != null && open.client == client && !open.broken) {
                return open;
            }
            if (open != null) {
                open.end();
                open = null;
            }
            VertxLeaseGrpc.LeaseVertxStub stub = stubOf(client);
            if (stub == null) {
                unsupported = true;
                return null;
            }
            Open o = new Open(client);
            opened.incrementAndGet();
            stub.leaseKeepAliveWithHandler(o::ready, o::answer,
                    v -> o.fail(new IOException("etcd ended the lease keepalive stream")), o::fail);
            open = o;
            return o;
        }
    }

    private void retire(Open o) {
        synchronized (lock) {
            if (open == o) {
                open = null;
            }
        }
        o.end();
    }

    /** How many streams this has opened (see EtcdIdleCycleIT). */
    long streamsOpened() {
        return opened.get();
    }

    /** Ends the open stream, if any. */
    void close() {
        synchronized (lock) {
            if (open != null) {
                open.end();
                open = null;
            }
        }
    }

    private static VertxLeaseGrpc.LeaseVertxStub stubOf(Client client) {
        Object lease = client.getLeaseClient();
        try {
            Field f = lease.getClass().getDeclaredField(STUB_FIELD);
            f.setAccessible(true);
            return (VertxLeaseGrpc.LeaseVertxStub) f.get(lease);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("this jetcd version's lease client has no reachable {} field ({}); each lease keepalive opens "
                    + "its own stream instead", STUB_FIELD, e.toString());
            return null;
        }
    }
}
