package io.pgha.dcs.etcd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class EtcdSettingsTest {

    private final List<ConfigProblem> problems = new ArrayList<>();

    private EtcdSettings parse(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return EtcdSettings.parse(new ConfigSection("etcd3", m), problems);
    }

    private List<String> errors() {
        return problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::toString).toList();
    }

    private List<String> warnings() {
        return problems.stream().filter(p -> !p.isError()).map(ConfigProblem::toString).toList();
    }

    private static List<String> uris(EtcdSettings s) {
        return s.endpoints().stream().map(URI::toString).collect(Collectors.toList());
    }

    @Nested
    @DisplayName("endpoints")
    class Endpoints {
        @Test
        @DisplayName("hosts as a YAML list: default port 2379, http")
        void hostsList() {
            EtcdSettings s = parse("hosts", List.of("10.0.0.1:2379", "10.0.0.2", "etcd3.example.com:12379"));
            assertEquals(List.of(), problems);
            assertEquals(List.of("http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://etcd3.example.com:12379"), uris(s));
            assertFalse(s.tls());
        }

        @Test
        @DisplayName("hosts as a comma-separated string, port key as the default port, protocol https")
        void hostsString() {
            EtcdSettings s = parse("hosts", "a:1, b ,c:3", "port", 4001, "protocol", "https");
            assertEquals(List.of(), problems);
            assertEquals(List.of("https://a:1", "https://b:4001", "https://c:3"), uris(s));
            assertTrue(s.tls());
        }

        @Test
        @DisplayName("duplicate hosts are listed once")
        void duplicates() {
            assertEquals(List.of("http://a:2379"), uris(parse("hosts", List.of("a", "a:2379"))));
        }

        @Test
        @DisplayName("host: host:port, and an explicit port key wins as in Patroni")
        void host() {
            assertEquals(List.of("http://127.0.0.1:1234"), uris(parse("host", "127.0.0.1:1234")));
            problems.clear();
            assertEquals(List.of("http://127.0.0.1:5555"), uris(parse("host", "127.0.0.1:1234", "port", "5555")));
            assertEquals(List.of(), problems);
        }

        @Test
        @DisplayName("IPv6 addresses in brackets")
        void ipv6() {
            assertEquals(List.of("http://[::1]:2379", "http://[fe80::1]:3000"), uris(parse("hosts", List.of("[::1]", "[fe80::1]:3000"))));
            assertEquals(List.of(), problems);
        }

        @Test
        @DisplayName("url carries scheme, port and credentials")
        void url() {
            EtcdSettings s = parse("url", "https://alice:s3cret@etcd.example.com:2381");
            assertEquals(List.of(), errors());
            assertEquals(List.of("https://etcd.example.com:2381"), uris(s));
            assertTrue(s.tls());
            assertEquals(Optional.of("alice"), s.username());
            assertEquals(Optional.of("s3cret"), s.password());
            assertEquals(List.of("http://e:2379"), uris(parse("url", "http://e")));
        }

        @Test
        @DisplayName("proxy is an endpoint and implies use_proxies")
        void proxy() {
            EtcdSettings s = parse("proxy", "http://proxy:8080");
            assertEquals(List.of("http://proxy:8080"), uris(s));
            assertTrue(s.useProxies());
        }

        @Test
        @DisplayName("Patroni's precedence: proxy, srv, hosts, url, host; the ignored ones are warned about")
        void precedence() {
            EtcdSettings s = parse("host", "h:1", "hosts", List.of("a:2"), "url", "http://u:3");
            assertEquals(List.of("http://a:2"), uris(s));
            assertEquals(List.of("etcd3.url: ignored: hosts is set and takes precedence",
                    "etcd3.host: ignored: hosts is set and takes precedence"), warnings());
            problems.clear();
            EtcdSettings srv = parse("srv_domain", "example.org", "host", "h:1");
            assertEquals(List.of(), srv.endpoints());
            assertEquals(Optional.of("example.org"), srv.srv());
            assertEquals(List.of("etcd3.host: ignored: srv is set and takes precedence"), warnings());
        }

        @Test
        @DisplayName("srv with a suffix; discovery_srv is an alias")
        void srv() {
            EtcdSettings s = parse("discovery_srv", "example.org", "srv_suffix", "prod");
            assertEquals(List.of(), problems);
            assertEquals(Optional.of("example.org"), s.srv());
            assertEquals(Optional.of("prod"), s.srvSuffix());
        }
    }

    @Nested
    @DisplayName("problems")
    class Problems {
        @Test
        @DisplayName("no endpoint at all is an error on the section")
        void noEndpoint() {
            parse("protocol", "http");
            assertEquals(List.of("etcd3: no etcd endpoint: set one of host, hosts, url, proxy or srv "
                    + "(e.g. hosts: 10.0.0.1:2379,10.0.0.2:2379)"), errors());
        }

        @Test
        @DisplayName("every problem is reported at once, each with its key path")
        void allAtOnce() {
            parse("hosts", List.of("good:2379", "bad:port", "x:70000", Map.of("a", 1)), "protocol", "ftp",
                    "username", "alice", "key", "/k.pem", "ttl", 30, "port", 0);
            List<String> errs = errors();
            assertTrue(errs.contains("etcd3.protocol: got the text 'ftp': expected http or https"), errs::toString);
            assertTrue(errs.contains("etcd3.port: got 0: expected a port number 1-65535"), errs::toString);
            assertTrue(errs.contains("etcd3.hosts[1]: got 'bad:port': the port must be a number 1-65535"), errs::toString);
            assertTrue(errs.contains("etcd3.hosts[2]: got 'x:70000': the port must be a number 1-65535"), errs::toString);
            assertTrue(errs.contains("etcd3.hosts[3]: got a mapping: expected a string"), errs::toString);
            assertTrue(errs.contains("etcd3.password: is missing: etcd authentication needs both username and password"), errs::toString);
            assertTrue(errs.contains("etcd3.key: is set without cert: a client key needs its certificate"), errs::toString);
            assertEquals(7, errs.size(), errs::toString);
            assertEquals(List.of("etcd3.ttl: unknown key, ignored"), warnings());
        }

        @Test
        @DisplayName("malformed host and url values")
        void malformed() {
            parse("host", "http://h:1/x");
            assertEquals(List.of("etcd3.host: got 'http://h:1/x': expected host:port (e.g. 10.0.0.1:2379)"), errors());
            problems.clear();
            parse("url", "ftp://h:1");
            assertEquals(List.of("etcd3.url: got 'ftp://h:1': expected an http:// or https:// URL"), errors());
            problems.clear();
            parse("hosts", "");
            assertEquals(List.of("etcd3.hosts: is empty: expected at least one host:port"), errors());
        }

        @Test
        @DisplayName("hosts given as URLs must agree on one scheme, and with protocol")
        void mixedSchemes() {
            parse("hosts", List.of("http://a:1", "https://b:2"));
            assertEquals(List.of("etcd3.hosts: mixes http:// and https:// endpoints: use one protocol for all"), errors());
            problems.clear();
            EtcdSettings s = parse("hosts", List.of("https://a:1", "b:2"));
            assertEquals(List.of(), problems);
            assertEquals(List.of("https://a:1", "https://b:2"), uris(s));
            problems.clear();
            parse("hosts", List.of("https://a:1"), "protocol", "http");
            assertEquals(List.of("etcd3.hosts: has https:// endpoints but protocol is http: use one protocol for all"), errors());
        }

        @Test
        @DisplayName("TLS files with http endpoints are warned about, not silently used")
        void tlsWithoutHttps() {
            parse("hosts", "a:1", "cacert", "/ca.pem");
            assertEquals(List.of("etcd3.cacert: ignored: the endpoints use http; set protocol: https to use TLS"), warnings());
            assertEquals(List.of(), errors());
        }

        @Test
        @DisplayName("cert alone is fine (the key may be inside it), as in Patroni")
        void certWithKeyInside() {
            EtcdSettings s = parse("hosts", "a:1", "protocol", "https", "cert", "/both.pem");
            assertEquals(List.of(), problems);
            assertEquals(Optional.of("/both.pem"), s.cert());
            assertEquals(Optional.empty(), s.key());
        }

        @Test
        @DisplayName("toString never shows passwords")
        void masked() {
            String text = parse("hosts", "a:1", "username", "u", "password", "hunter2", "key_password", "k3y",
                    "protocol", "https", "cert", "/c", "key", "/k").toString();
            assertFalse(text.contains("hunter2"), text);
            assertFalse(text.contains("k3y"), text);
            assertTrue(text.contains("password=******"), text);
        }

        @Test
        @DisplayName("loose Patroni spellings: port as text, use_proxies as on")
        void loose() {
            EtcdSettings s = parse("hosts", "a", "port", "2380", "use_proxies", "on");
            assertEquals(List.of(), problems);
            assertEquals(List.of("http://a:2380"), uris(s));
            assertTrue(s.useProxies());
        }
    }
}
