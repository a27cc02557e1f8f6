package io.pgha.dcs.consul.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.dcs.consul.ConsulDcsProvider;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.testkit.FakeDcsContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConsulSettingsTest {
    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConsulSettings parse(Object... keyValues) {
        return ConsulSettings.parse(new ConfigSection("consul", map(keyValues)), problems);
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private List<String> errors() {
        return problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::toString).toList();
    }

    private List<String> warnings() {
        return problems.stream().filter(p -> !p.isError()).map(ConfigProblem::toString).toList();
    }

    @Test
    @DisplayName("an empty section means the local agent on 8500 over http and no service, as in Patroni, and consistent "
            + "reads (Patroni's default is 'default': pgha decides on consistent reads unless told otherwise)")
    void defaults() {
        ConsulSettings s = parse();
        assertEquals(List.of(), problems);
        assertEquals("http://127.0.0.1:8500", s.agent().toString());
        assertEquals(Optional.empty(), s.token());
        assertTrue(s.verify());
        assertEquals(ConsulSettings.Consistency.CONSISTENT, s.consistency());
        assertEquals(List.of(), s.checks());
        assertFalse(s.registerService());
        assertEquals(Duration.ofSeconds(5), s.serviceCheckInterval());
        assertFalse(s.tls());
    }

    @Test
    @DisplayName("host with and without port, the port key winning, scheme https")
    void hostPortScheme() {
        assertEquals("http://consul.local:8500", parse("host", "consul.local").agent().toString());
        assertEquals("http://10.0.0.5:18500", parse("host", "10.0.0.5:18500").agent().toString());
        assertEquals("https://10.0.0.5:9500", parse("host", "10.0.0.5:18500", "port", 9500, "scheme", "https")
                .agent().toString());
        assertEquals("http://[::1]:8501", parse("host", "[::1]:8501").agent().toString());
        assertEquals(List.of(), problems);
    }

    @Test
    @DisplayName("url carries scheme, host and port and takes precedence over host, with warnings for what it overrides")
    void url() {
        ConsulSettings s = parse("url", "https://consul.example:8501", "host", "ignored:1", "scheme", "http");
        assertEquals("https://consul.example:8501", s.agent().toString());
        assertTrue(s.tls());
        assertEquals(List.of(), errors());
        assertEquals(List.of("consul.scheme: ignored: url says https", "consul.host: ignored: url is set and takes precedence"),
                warnings().stream().sorted((a, b) -> b.compareTo(a)).toList());
    }

    @Test
    @DisplayName("every problem of a bad section is reported at once, each with its key path")
    void everyProblemReported() {
        parse("url", "ftp://x", "scheme", "gopher", "port", 70000, "consistency", "eventual", "key", "/k.pem",
                "dc", " ", "verify", "maybe", "register_service", "sometimes", "service_check_interval", "soon",
                "checks", Map.of("a", 1), "service_tags", List.of("ok", List.of()), "bogus", 1);
        List<String> e = errors();
        for (String path : List.of("consul.url", "consul.scheme", "consul.port", "consul.consistency", "consul.key",
                "consul.dc", "consul.verify", "consul.register_service", "consul.service_check_interval",
                "consul.checks", "consul.service_tags[1]")) {
            assertTrue(e.stream().anyMatch(p -> p.startsWith(path + ":")), path + " not reported in " + e);
        }
        assertTrue(warnings().contains("consul.bogus: unknown key, ignored"), warnings().toString());
    }

    @Test
    @DisplayName("the host forms that cannot work are refused: a URL, IPv6 without brackets, a bad port")
    void badHosts() {
        parse("host", "http://x:1");
        parse("host", "fe80::1:8500");
        parse("host", "x:notaport");
        assertEquals(3, errors().size(), errors().toString());
    }

    @Test
    @DisplayName("register_service with tags, interval and TLS server name; service options without it are warned about")
    void serviceOptions() {
        ConsulSettings s = parse("register_service", true, "service_tags", "a,b", "service_check_interval", "15s",
                "service_check_tls_server_name", "pg.example", "checks", List.of("serfHealth"));
        assertEquals(List.of(), problems);
        assertTrue(s.registerService());
        assertEquals(List.of("a", "b"), s.serviceTags());
        assertEquals(Duration.ofSeconds(15), s.serviceCheckInterval());
        assertEquals(Optional.of("pg.example"), s.serviceCheckTlsServerName());
        assertEquals(List.of("serfHealth"), s.checks());

        problems.clear();
        parse("service_tags", List.of("x"));
        assertEquals(List.of("consul.service_tags: ignored: register_service is not true"), warnings());
        problems.clear();
        parse("register_service", true, "service_check_interval", 0);
        assertEquals(1, errors().size(), errors().toString());
    }

    @Test
    @DisplayName("TLS options over http are warned about as ignored; consistency accepts every mode")
    void tlsOverHttpAndConsistency() {
        parse("cacert", "/ca.pem", "cert", "/c.pem", "verify", false);
        assertEquals(3, warnings().size(), warnings().toString());
        assertEquals(List.of(), errors());
        for (ConsulSettings.Consistency c : ConsulSettings.Consistency.values()) {
            assertEquals(c, parse("consistency", c.optionValue().toUpperCase()).consistency());
        }
    }

    @Test
    @DisplayName("the token is never printed")
    void tokenMasked() {
        ConsulSettings s = parse("token", "d4c1e6f0-secret");
        assertEquals(Optional.of("d4c1e6f0-secret"), s.token());
        assertFalse(s.toString().contains("secret"), s.toString());
    }

    @Test
    @DisplayName("the provider validates through the same rules, and open refuses an invalid section or an unreadable cacert")
    void provider() {
        ConsulDcsProvider p = new ConsulDcsProvider();
        assertEquals("consul", p.name());
        assertTrue(p.validate(new ConfigSection("consul", map("consistency", "x"))).stream().anyMatch(ConfigProblem::isError));
        FakeDcsContext ctx = FakeDcsContext.of("/service/", "batman", "node1", DcsTimings.PATRONI_DEFAULTS);
        InvalidConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(InvalidConfigException.class,
                () -> p.open(new ConfigSection("consul", map("scheme", "ftp")), ctx));
        assertTrue(bad.getMessage().contains("consul.scheme"), bad.getMessage());
        InvalidConfigException missing = org.junit.jupiter.api.Assertions.assertThrows(InvalidConfigException.class,
                () -> p.open(new ConfigSection("consul", map("scheme", "https", "cacert", "/nonexistent/ca.pem")), ctx));
        assertTrue(missing.getMessage().contains("consul.cacert: file '/nonexistent/ca.pem' does not exist"),
                missing.getMessage());
    }
}
