package io.pgha.dcs.etcd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SrvDiscoveryTest {

    @Test
    void namesInPatroniOrder() {
        assertEquals(List.of("_etcd-client-ssl._tcp.example.org", "_etcd-client._tcp.example.org",
                "_etcd-ssl._tcp.example.org", "_etcd._tcp.example.org"), SrvDiscovery.names("example.org", Optional.empty()));
        assertEquals(List.of("_etcd-client-ssl-prod._tcp.example.org", "_etcd-client-prod._tcp.example.org",
                "_etcd-ssl-prod._tcp.example.org", "_etcd-prod._tcp.example.org"),
                SrvDiscovery.names("example.org", Optional.of("prod")));
    }

    @Test
    void firstNameWithRecordsWinsAndDecidesTheScheme() {
        List<String> asked = new ArrayList<>();
        Map<String, List<String>> dns = Map.of(
                "_etcd-client._tcp.example.org", List.of("e1.example.org:2379", "e2.example.org:2379"),
                "_etcd._tcp.example.org", List.of("old:4001"));
        List<URI> found = SrvDiscovery.discover("example.org", Optional.empty(), name -> {
            asked.add(name);
            return dns.getOrDefault(name, List.of());
        });
        assertEquals(List.of(URI.create("http://e1.example.org:2379"), URI.create("http://e2.example.org:2379")), found);
        assertEquals(List.of("_etcd-client-ssl._tcp.example.org", "_etcd-client._tcp.example.org"), asked);

        assertEquals(List.of(URI.create("https://s:2379")), SrvDiscovery.discover("x", Optional.empty(),
                name -> name.equals("_etcd-ssl._tcp.x") ? List.of("s:2379") : List.of()));
        assertEquals(List.of(), SrvDiscovery.discover("x", Optional.empty(), name -> List.of()));
    }
}
