package io.pgha.engine.ha;

import java.util.List;
import java.util.Optional;

/** What synchronous replication needs of the local primary: who streams from it, and whom its commits wait for. */
public interface SyncStandbyControl {

    /** The standbys streaming from this server, read now; empty when it is not a running primary. */
    List<StandbyLink> standbys();

    /**
     * Sets {@code synchronous_standby_names} to {@code value} and reloads a running server; empty gives the parameter
     * back to the user's configuration. Also applies to a server started later.
     */
    void setSynchronousStandbyNames(Optional<String> value);
}
