package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Sorts the failures jetcd and gRPC report into what the client does about them. */
final class Failures {

    enum Kind {
        /** The lease we named is gone (expired or revoked): grant a new one. */
        LEASE_NOT_FOUND,
        /** The connection or the server's raft state: try again until the deadline. */
        RETRYABLE,
        /** The connection itself failed: a fresh channel may get through sooner than gRPC's reconnect backoff. */
        CONNECTION,
        /** Anything else (permissions, bad credentials, invalid request): retrying will not help. */
        FATAL
    }

    private Failures() {
    }

    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof ExecutionException || c instanceof CompletionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    static Kind classify(Throwable failure) {
        Throwable t = unwrap(failure);
        String text = describe(t).toLowerCase(Locale.ROOT);
        if (text.contains("requested lease not found") || text.contains("lease not found")) {
            return Kind.LEASE_NOT_FOUND;
        }
        if (t instanceof ClosedClientException || t instanceof CancellationException) {
            // a channel replaced under a running call
            return Kind.RETRYABLE;
        }
        if (text.contains("invalid auth token") || text.contains("revision of auth store is old")) {
            return Kind.RETRYABLE; // jetcd re-authenticates on the next call
        }
        Status.Code code = statusCode(t);
        if (code == null) {
            return hasCause(t, IOException.class) ? Kind.CONNECTION : Kind.FATAL;
        }
        switch (code) {
            case UNAVAILABLE:
                // "etcdserver: ..." is the server talking (no leader, leader changed, timed out): the link is fine
                return text.contains("etcdserver:") ? Kind.RETRYABLE : Kind.CONNECTION;
            case DEADLINE_EXCEEDED:
            case CANCELLED:
            case ABORTED:
            case RESOURCE_EXHAUSTED:
            case INTERNAL:
                return Kind.RETRYABLE;
            case UNKNOWN:
                return text.contains("timed out") || text.contains("leader") || hasCause(t, IOException.class)
                        ? Kind.RETRYABLE : Kind.FATAL;
            default:
                return Kind.FATAL;
        }
    }

    private static Status.Code statusCode(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusRuntimeException s) {
                return s.getStatus().getCode();
            }
            if (c instanceof StatusException s) {
                return s.getStatus().getCode();
            }
            if (c instanceof EtcdException e) {
                return switch (e.getErrorCode()) {
                    case UNAVAILABLE -> Status.Code.UNAVAILABLE;
                    case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
                    case CANCELLED -> Status.Code.CANCELLED;
                    case ABORTED -> Status.Code.ABORTED;
                    case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
                    case INTERNAL -> Status.Code.INTERNAL;
                    case UNKNOWN -> Status.Code.UNKNOWN;
                    case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
                    case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
                    case NOT_FOUND -> Status.Code.NOT_FOUND;
                    case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
                    case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
                    case OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
                    default -> Status.Code.UNKNOWN;
                };
            }
        }
        return null;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** The whole cause chain's messages, for matching and for error messages. */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = unwrap(t); c != null && sb.length() < 500; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            String m = c.getMessage();
            sb.append(m == null || m.isBlank() ? c.getClass().getSimpleName() : m);
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }
}
