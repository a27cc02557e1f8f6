package io.pgha.dcs.kubernetes;

import io.pgha.dcs.kubernetes.internal.KubernetesDcs;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import java.util.List;

/**
 * The {@code kubernetes:} section: Patroni's Kubernetes layout through the API server. The leader lock, config,
 * failover and sync live as annotations on the ConfigMaps {@code <scope>-leader}, {@code <scope>-config},
 * {@code <scope>-failover} and {@code <scope>-sync} (or, with {@code use_endpoints}, on the Endpoints
 * {@code <scope>}, ... whose leader object also publishes the primary's address); each member's record is the
 * {@code status} annotation of its own pod.
 *
 * <p>Options, as in Patroni: {@code namespace}, {@code labels}, {@code scope_label}, {@code role_label},
 * {@code leader_label_value}, {@code follower_label_value}, {@code standby_leader_label_value},
 * {@code tmp_role_label}, {@code use_endpoints}, {@code pod_ip}, {@code ports}, {@code bypass_api_service},
 * {@code retriable_http_codes}, {@code context}; and {@code kubeconfig} (a pgha addition). See the README.
 *
 * @since 1.0
 */
public final class KubernetesDcsProvider implements DcsProvider {
    /** The configuration section this provider serves. */
    public static final String NAME = "kubernetes";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        return KubernetesDcs.validate(options);
    }

    @Override
    public DcsClient open(ConfigSection section, DcsContext context) {
        return KubernetesDcs.open(section, context);
    }
}
