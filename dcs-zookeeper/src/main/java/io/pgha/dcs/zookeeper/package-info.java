/**
 * The {@code zookeeper} DCS backend: Patroni's ZooKeeper layout through Apache Curator, with an optional ZooKeeper
 * server embedded in the agent. {@link io.pgha.dcs.zookeeper.ZooKeeperDcsProvider} is the only public class;
 * everything else is in {@code internal} and may change.
 *
 * <h2>Configuration ({@code zookeeper:} section)</h2>
 * <ul>
 *   <li>{@code hosts}: list or comma-separated string of {@code host[:port]} (port 2181 by default). Required unless
 *       {@code embedded} is set, in which case it defaults to the embedded server (all peers in quorum mode).
 *       A chroot suffix ({@code host:2181/app}) is refused: use {@code namespace}.</li>
 *   <li>{@code connect_timeout}: Curator's connection timeout (default the smaller of retry_timeout and 10 s).
 *       The session timeout is always the ttl, as in Patroni; a ttl change moves the client to a new session,
 *       carrying the leader lock and member key over atomically.</li>
 *   <li>{@code use_ssl}, {@code cacert}, {@code cert}, {@code key}, {@code key_password}, {@code verify}: TLS through
 *       ZooKeeper's Netty client socket. {@code cacert} is a PEM trust store (absent: the JDK's default trust);
 *       {@code cert} and {@code key} are PEM files (they may be one file); the key must be PKCS#8
 *       ({@code BEGIN PRIVATE KEY}, or {@code BEGIN ENCRYPTED PRIVATE KEY} with {@code key_password});
 *       {@code verify: false} turns off host-name verification only — the server certificate is still checked
 *       against {@code cacert}.</li>
 *   <li>{@code set_acls}: {@code {principal: [READ, WRITE, CREATE, DELETE, ADMIN, ALL]}} put on every znode this
 *       client creates; a principal is {@code scheme:id}, or an x509 subject when it has no colon (as in Patroni).</li>
 *   <li>{@code auth_data}: {@code {scheme: credential}} sent after connecting (e.g. {@code digest: "user:password"}).</li>
 *   <li>{@code embedded}: {@code data_dir} (default: the plugin state directory + {@code /zookeeper}),
 *       {@code client_address} (127.0.0.1), {@code client_port} (2181), {@code tick_time} (500 ms),
 *       {@code init_limit} (10), {@code sync_limit} (5), and for a quorum (one peer per agent) {@code server_id} and
 *       {@code peers}: {@code ["host:peerPort:electionPort[;[clientHost:]clientPort]", ...]}, server id = position
 *       (1-based). Closing the client stops the server; its data stays.</li>
 * </ul>
 * Not supported: Patroni's {@code exhibitor} section, SASL/Kerberos, TLS for the embedded server.
 *
 * <h2>TTL on ZooKeeper</h2>
 * The leader lock and member keys are ephemeral znodes: they vanish when the session expires, ttl after the agent
 * stops heart-beating. Since ZooKeeper's client heart-beats on its own, the client also deletes its own lock and
 * member key once ttl has passed without {@code refreshLeader}/{@code publishMember} (an agent whose HA loop hangs
 * must not keep the lock).
 */
package io.pgha.dcs.zookeeper;
