/**
 * The {@code consul} DCS backend: Patroni's Consul layout on Consul's KV store and sessions.
 * {@link io.pgha.dcs.consul.ConsulDcsProvider} is the only public class; everything else is in {@code internal} and
 * may change. The HTTP calls go through one small internal interface, so that the client library behind it
 * (Ecwid's consul-api) can be swapped for the JDK's HTTP client without touching the rest.
 */
package io.pgha.dcs.consul;
