package io.pgha.engine.demo;

import io.pgha.spi.PghaException;

/** {@code pgha demo} cannot start or run; the message says why and what to do. */
public final class DemoException extends PghaException {
    private static final long serialVersionUID = 1L;

    /** Another demo holds the base directory. */
    public static final String LOCKED = "DEMO_LOCKED";
    /** A port the demo needs is taken. */
    public static final String PORT_IN_USE = "DEMO_PORT_IN_USE";
    /** The options or the base directory cannot be used. */
    public static final String INVALID = "DEMO_INVALID";
    /** The cluster did not come up. */
    public static final String START_FAILED = "DEMO_START_FAILED";

    public DemoException(String code, String message) {
        super(code, message);
    }

    public DemoException(String code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
