package io.pgha.dcs.etcd.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * Finds etcd client endpoints from DNS SRV records, as Patroni's {@code srv} option does: the first of
 * {@code _etcd-client-ssl}, {@code _etcd-client}, {@code _etcd-ssl}, {@code _etcd} (each with {@code -<srv_suffix>}
 * when set) under {@code _tcp.<domain>} that has records wins, and its name decides the scheme.
 *
 * <p>Patroni also falls back to the peer records ({@code _etcd-server[-ssl]}) and asks each peer for the member
 * list; pgha does not, because that is etcd's v2 peer API.
 */
public final class SrvDiscovery {

    /** Looks up the SRV records of one name as {@code host:port} strings; empty when there are none. */
    @FunctionalInterface
    public interface Resolver {
        List<String> lookup(String name);
    }

    private static final List<String> CLIENT_RECORDS = List.of("-client-ssl", "-client", "-ssl", "");

    private SrvDiscovery() {
    }

    /** The names queried, in order, for {@code domain} and {@code suffix}. */
    public static List<String> names(String domain, Optional<String> suffix) {
        List<String> out = new ArrayList<>();
        for (String r : CLIENT_RECORDS) {
            String kind = suffix.map(x -> r + "-" + x).orElse(r);
            out.add("_etcd" + kind + "._tcp." + domain);
        }
        return out;
    }

    /** Endpoints from the first name with records; empty if none has any. */
    public static List<URI> discover(String domain, Optional<String> suffix, Resolver resolver) {
        for (String name : names(domain, suffix)) {
            List<String> records = resolver.lookup(name);
            if (!records.isEmpty()) {
                String scheme = name.startsWith("_etcd-client-ssl") || name.startsWith("_etcd-ssl") ? "https" : "http";
                LinkedHashSet<URI> out = new LinkedHashSet<>();
                for (String hp : records) {
                    out.add(URI.create(scheme + "://" + hp));
                }
                return List.copyOf(out);
            }
        }
        return List.of();
    }

    /** Resolves through the JDK's DNS provider, with a short timeout (one retry of one second). */
    public static Resolver jndi() {
        return name -> {
            Hashtable<String, String> env = new Hashtable<>();
            env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
            env.put("com.sun.jndi.dns.timeout.initial", "1000");
            env.put("com.sun.jndi.dns.timeout.retries", "1");
            try {
                DirContext ctx = new InitialDirContext(env);
                try {
                    Attributes attrs = ctx.getAttributes(name, new String[] {"SRV"});
                    Attribute srv = attrs.get("SRV");
                    List<String> out = new ArrayList<>();
                    if (srv != null) {
                        NamingEnumeration<?> values = srv.getAll();
                        while (values.hasMore()) {
                            // "priority weight port target."
                            String[] f = String.valueOf(values.next()).trim().split("\\s+");
                            if (f.length == 4) {
                                String host = f[3].endsWith(".") ? f[3].substring(0, f[3].length() - 1) : f[3];
                                out.add(host + ":" + f[2]);
                            }
                        }
                    }
                    return out;
                } finally {
                    ctx.close();
                }
            } catch (NamingException e) {
                return List.of();
            }
        };
    }
}
