package io.pgha.engine.demo;

import java.util.Locale;
import java.util.Optional;

/** The DCS a demo cluster uses. */
public enum DemoDcs {
    /** One ZooKeeper quorum peer inside each agent: nothing to set up. */
    ZOOKEEPER("zookeeper", "zookeeper"),
    /** An etcd cluster the user runs, through the v3 API. */
    ETCD("etcd", "etcd3");

    private final String optionValue;
    private final String section;

    DemoDcs(String optionValue, String section) {
        this.optionValue = optionValue;
        this.section = section;
    }

    /** What {@code --dcs} says. */
    public String optionValue() {
        return optionValue;
    }

    /** The configuration section (and DCS provider name) the members use. */
    public String section() {
        return section;
    }

    /** {@code zookeeper}, {@code etcd} or {@code etcd3}, in any case. */
    public static Optional<DemoDcs> parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "zookeeper", "zk" -> Optional.of(ZOOKEEPER);
            case "etcd", "etcd3" -> Optional.of(ETCD);
            default -> Optional.empty();
        };
    }
}
