/**
 * The {@code kubernetes} DCS backend: Patroni's Kubernetes layout (annotations on ConfigMaps or Endpoints, members
 * as pod annotations) through the fabric8 client on the JDK HTTP client.
 * {@link io.pgha.dcs.kubernetes.KubernetesDcsProvider} is the only public class; everything else is in
 * {@code internal} and may change.
 */
package io.pgha.dcs.kubernetes;
