package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("restapi settings")
class RestApiSettingsTest {
    static RestApiSettings parse(Map<String, Object> values, List<ConfigProblem> problems) {
        return RestApiSettings.fromConfig(new ConfigSection("restapi", values), 5, problems);
    }

    @Test
    @DisplayName("a full restapi section is read, secrets stay out of toString")
    void full() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("listen", "[::]:8008");
        v.put("connect_address", "10.0.0.1:8008");
        v.put("authentication", Map.of("username", "admin", "password", "s3cret"));
        v.put("certfile", "/etc/ssl/server.pem");
        v.put("keyfile", "/etc/ssl/server.key");
        v.put("keyfile_password", "kp");
        v.put("cafile", "/etc/ssl/ca.pem");
        v.put("verify_client", "optional");
        v.put("ciphers", "TLS_AES_128_GCM_SHA256:ECDHE+AESGCM");
        v.put("allowlist", List.of("10.0.0.0/8", "127.0.0.1", "db.example.com"));
        v.put("allowlist_include_members", "yes");
        v.put("http_extra_headers", Map.of("X-Frame-Options", "SAMEORIGIN"));
        v.put("request_queue_size", 10);
        v.put("server_tokens", "ProductOnly");
        v.put("thread_pool_size", "8");
        List<ConfigProblem> problems = new ArrayList<>();
        RestApiSettings s = parse(v, problems);
        assertEquals(List.of("restapi.ciphers"), problems.stream().map(ConfigProblem::path).toList(),
                "only the OpenSSL-syntax cipher is warned about: " + problems);
        assertFalse(problems.get(0).isError());
        assertEquals("::", s.listenHost());
        assertEquals(8008, s.listenPort());
        assertEquals("admin", s.authentication().orElseThrow().username());
        RestApiSettings.Tls tls = s.tls().orElseThrow();
        assertEquals(Path.of("/etc/ssl/server.key"), tls.keyFile().orElseThrow());
        assertEquals(RestApiSettings.VerifyClient.OPTIONAL, tls.verifyClient());
        assertEquals(List.of("TLS_AES_128_GCM_SHA256"), tls.ciphers());
        assertTrue(s.allowlistIncludeMembers());
        assertEquals(10, s.requestQueueSize());
        assertEquals(RestApiSettings.ServerTokens.PRODUCTONLY, s.serverTokens());
        assertEquals(8, s.threadPoolSize());
        assertFalse(s.toString().contains("s3cret"), s.toString());
        assertFalse(s.toString().contains("kp"), s.toString());
    }

    @Test
    @DisplayName("every problem is reported with its key path")
    void problems() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("listen", "localhost");
        v.put("authentication", Map.of("username", "admin"));
        v.put("verify_client", "sometimes");
        v.put("allowlist", List.of("10.0.0.0/33", "not a host"));
        v.put("thread_pool_size", 0);
        v.put("bogus", 1);
        List<ConfigProblem> problems = new ArrayList<>();
        parse(v, problems);
        List<String> errors = problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::path).toList();
        assertEquals(List.of("restapi.listen", "restapi.authentication.password", "restapi.verify_client",
                "restapi.allowlist", "restapi.allowlist", "restapi.thread_pool_size"), errors, problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.path().equals("restapi.bogus") && !p.isError()));
        assertTrue(problems.stream().anyMatch(p -> p.path().equals("restapi.verify_client") && !p.isError()),
                "verify_client without certfile is ignored with a warning");
    }

    @Test
    @DisplayName("missing listen is an error; defaults otherwise")
    void defaults() {
        List<ConfigProblem> problems = new ArrayList<>();
        RestApiSettings s = parse(Map.of("listen", "127.0.0.1:8008"), problems);
        assertEquals(List.of(), problems);
        assertEquals(Optional.empty(), s.tls());
        assertEquals(5, s.threadPoolSize());
        assertEquals(5, s.requestQueueSize());
        parse(Map.of(), problems);
        assertEquals("restapi.listen", problems.get(0).path());
    }

    @Test
    @DisplayName("allowlist networks match IPv4 and IPv6 addresses by prefix")
    void networks() throws Exception {
        AccessControl.Network v4 = AccessControl.Network.parseLiteral("10.1.0.0/16");
        assertTrue(v4.contains(InetAddress.getByName("10.1.200.3")));
        assertFalse(v4.contains(InetAddress.getByName("10.2.0.1")));
        assertFalse(v4.contains(InetAddress.getByName("::1")));
        AccessControl.Network v6 = AccessControl.Network.parseLiteral("fd00:ab::/33");
        assertTrue(v6.contains(InetAddress.getByName("fd00:ab:7fff::1")));
        assertFalse(v6.contains(InetAddress.getByName("fd00:ab:8000::1")));
        assertTrue(AccessControl.Network.parseLiteral("192.168.1.7").contains(InetAddress.getByName("192.168.1.7")));
    }
}
