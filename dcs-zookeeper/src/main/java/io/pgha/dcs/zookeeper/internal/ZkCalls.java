package io.pgha.dcs.zookeeper.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * Synchronous-looking ZooKeeper calls on one handle, each bounded by a deadline.
 *
 * <p>ZooKeeper's own synchronous API waits for an answer for as long as its read timeout (two thirds of the
 * session timeout, i.e. of the ttl), which is longer than Patroni's retry timeout; so every call here is issued
 * asynchronously and awaited only until the deadline. Failures come back as {@link KeeperException}s, as from the
 * synchronous API; the caller decides which ones are retried.
 */
final class ZkCalls {
    private final ZooKeeper zk;
    private final long deadlineNanos;
    private final List<ACL> acl;
    private final Runnable beforeWrite;

    ZkCalls(ZooKeeper zk, long deadlineNanos, List<ACL> acl) {
        this(zk, deadlineNanos, acl, () -> { });
    }

    private ZkCalls(ZooKeeper zk, long deadlineNanos, List<ACL> acl, Runnable beforeWrite) {
        this.zk = zk;
        this.deadlineNanos = deadlineNanos;
        this.acl = acl;
        this.beforeWrite = beforeWrite;
    }

    /** The same calls, running {@code hook} before every write (create, set, delete, a multi that writes). */
    ZkCalls beforeEachWrite(Runnable hook) {
        return new ZkCalls(zk, deadlineNanos, acl, hook);
    }

    /** The session the calls run in: the owner of the ephemeral nodes they create. */
    long sessionId() {
        return zk.getSessionId();
    }

    /** The data of {@code path} and its stat, or {@code null} when it does not exist. */
    Node getData(String path) throws KeeperException, InterruptedException, TimeoutException {
        CompletableFuture<Node> f = new CompletableFuture<>();
        zk.getData(path, false, (rc, p, ctx, data, stat) -> {
            if (rc == Code.OK.intValue()) {
                f.complete(new Node(data == null ? new byte[0] : data, stat));
            } else if (rc == Code.NONODE.intValue()) {
                f.complete(null);
            } else {
                f.completeExceptionally(KeeperException.create(Code.get(rc), p));
            }
        }, null);
        return await(f);
    }

    /** The children of {@code path}; empty when it does not exist. */
    List<String> children(String path) throws KeeperException, InterruptedException, TimeoutException {
        CompletableFuture<List<String>> f = new CompletableFuture<>();
        zk.getChildren(path, false, (rc, p, ctx, children) -> {
            if (rc == Code.OK.intValue()) {
                f.complete(children);
            } else if (rc == Code.NONODE.intValue()) {
                f.complete(List.of());
            } else {
                f.completeExceptionally(KeeperException.create(Code.get(rc), p));
            }
        }, null);
        return await(f);
    }

    /** Creates {@code path}, creating missing parents as persistent nodes. */
    Stat create(String path, byte[] data, CreateMode mode) throws KeeperException, InterruptedException, TimeoutException {
        try {
            return createOnce(path, data, mode);
        } catch (KeeperException.NoNodeException e) {
            createParents(path);
            return createOnce(path, data, mode);
        }
    }

    private Stat createOnce(String path, byte[] data, CreateMode mode)
            throws KeeperException, InterruptedException, TimeoutException {
        beforeWrite.run();
        CompletableFuture<Stat> f = new CompletableFuture<>();
        zk.create(path, data, acl, mode, (rc, p, ctx, name, stat) -> complete(f, rc, p, stat), null);
        return await(f);
    }

    private void createParents(String path) throws KeeperException, InterruptedException, TimeoutException {
        int slash = 0;
        while ((slash = path.indexOf('/', slash + 1)) > 0) {
            try {
                createOnce(path.substring(0, slash), new byte[0], CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // someone else made it
            }
        }
    }

    /** Sets the data if the version matches ({@code -1}: any). */
    Stat setData(String path, byte[] data, int version) throws KeeperException, InterruptedException, TimeoutException {
        beforeWrite.run();
        CompletableFuture<Stat> f = new CompletableFuture<>();
        zk.setData(path, data, version, (rc, p, ctx, stat) -> complete(f, rc, p, stat), null);
        return await(f);
    }

    /** Deletes if the version matches ({@code -1}: any). */
    void delete(String path, int version) throws KeeperException, InterruptedException, TimeoutException {
        beforeWrite.run();
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        zk.delete(path, version, (rc, p, ctx) -> complete(f, rc, p, Boolean.TRUE), null);
        await(f);
    }

    /**
     * Runs a multi-operation. A read-only one answers every operation separately (a missing node is an
     * {@link OpResult.ErrorResult} among the results); a write one is all or nothing, and its results say which
     * operation failed. Only a failure of the request as a whole (connection loss, ...) is thrown.
     */
    List<OpResult> multi(List<Op> ops) throws KeeperException, InterruptedException, TimeoutException {
        if (ops.stream().anyMatch(op -> op.getType() != ZooDefs.OpCode.getData
                && op.getType() != ZooDefs.OpCode.getChildren)) {
            beforeWrite.run();
        }
        CompletableFuture<List<OpResult>> f = new CompletableFuture<>();
        zk.multi(ops, (rc, p, ctx, results) -> {
            if (results != null) {
                f.complete(results);
            } else {
                f.completeExceptionally(KeeperException.create(Code.get(rc)));
            }
        }, null);
        return await(f);
    }

    private static <T> void complete(CompletableFuture<T> f, int rc, String path, T value) {
        if (rc == Code.OK.intValue()) {
            f.complete(value);
        } else {
            f.completeExceptionally(KeeperException.create(Code.get(rc), path));
        }
    }

    private <T> T await(CompletableFuture<T> f) throws KeeperException, InterruptedException, TimeoutException {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            throw new TimeoutException("deadline passed");
        }
        try {
            return f.get(remaining, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof KeeperException ke) {
                throw ke;
            }
            throw new IllegalStateException("unexpected failure of a ZooKeeper call", e.getCause());
        }
    }

    /** A znode's data and stat. */
    record Node(byte[] data, Stat stat) {
        String text() {
            return new String(data, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
