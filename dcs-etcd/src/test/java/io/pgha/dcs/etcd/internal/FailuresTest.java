package io.pgha.dcs.etcd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void sortsFailuresByWhatToDoAboutThem() {
        assertEquals(Failures.Kind.CONNECTION, Failures.classify(new ExecutionException(
                Status.UNAVAILABLE.withDescription("io exception").withCause(new ConnectException("refused")).asRuntimeException())));
        assertEquals(Failures.Kind.RETRYABLE, Failures.classify(
                Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException()));
        assertEquals(Failures.Kind.RETRYABLE, Failures.classify(new CompletionException(
                Status.UNAVAILABLE.withDescription("etcdserver: leader changed").asRuntimeException())));
        assertEquals(Failures.Kind.RETRYABLE, Failures.classify(
                Status.UNAUTHENTICATED.withDescription("etcdserver: invalid auth token").asRuntimeException()));
        assertEquals(Failures.Kind.LEASE_NOT_FOUND, Failures.classify(
                Status.NOT_FOUND.withDescription("etcdserver: requested lease not found").asRuntimeException()));
        assertEquals(Failures.Kind.LEASE_NOT_FOUND, Failures.classify(
                EtcdExceptionFactory.newEtcdException(ErrorCode.NOT_FOUND, "etcdserver: requested lease not found")));
        assertEquals(Failures.Kind.FATAL, Failures.classify(
                Status.INVALID_ARGUMENT.withDescription("etcdserver: authentication failed, invalid user ID or password")
                        .asRuntimeException()));
        assertEquals(Failures.Kind.FATAL, Failures.classify(
                Status.PERMISSION_DENIED.withDescription("etcdserver: permission denied").asRuntimeException()));
        assertEquals(Failures.Kind.RETRYABLE, Failures.classify(
                EtcdExceptionFactory.newEtcdException(ErrorCode.DEADLINE_EXCEEDED, "deadline")));
    }

    @Test
    void describesTheWholeCauseChain() {
        assertEquals("UNAVAILABLE: io exception: refused", Failures.describe(new ExecutionException(
                Status.UNAVAILABLE.withDescription("io exception").withCause(new ConnectException("refused")).asRuntimeException())));
    }
}
