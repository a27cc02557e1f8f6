package io.pgha.engine.ha;

/** How to stop PostgreSQL. There is deliberately no "smart" mode: it lets open sessions keep committing. */
public enum StopMode {
    /** Roll back open transactions, checkpoint, exit (SIGINT). Clean: the directory can follow another timeline. */
    FAST,
    /** Exit at once without a checkpoint (SIGQUIT); crash recovery on the next start. For fencing. */
    IMMEDIATE
}
