package io.pgha.engine.demo;

/**
 * The ports of one demo member, all on 127.0.0.1.
 *
 * @param rest the REST API
 * @param postgres PostgreSQL
 * @param zkClient the embedded ZooKeeper peer's client port (0 without ZooKeeper)
 * @param zkPeer its quorum port (0 without ZooKeeper)
 * @param zkElection its leader-election port (0 without ZooKeeper)
 */
public record MemberPorts(int rest, int postgres, int zkClient, int zkPeer, int zkElection) {

    /** {@code host:peer:election;client}, ZooKeeper's own syntax for one ensemble member. */
    public String zkPeerEntry() {
        return DemoPaths.HOST + ":" + zkPeer + ":" + zkElection + ";" + zkClient;
    }
}
