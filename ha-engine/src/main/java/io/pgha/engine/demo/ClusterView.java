package io.pgha.engine.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A member's {@code GET /cluster} answer, reduced to what the demo shows: one row per member.
 *
 * @param scope the cluster's name as the member reports it
 * @param rows the members, sorted by name (as the REST API sorts them)
 */
public record ClusterView(String scope, List<Row> rows) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ClusterView {
        Objects.requireNonNull(scope, "scope is null");
        rows = List.copyOf(rows);
    }

    /**
     * One member.
     *
     * @param name member name
     * @param role {@code leader}, {@code replica}, {@code sync_standby}, ... as the REST API says
     * @param state {@code running} for the leader, {@code streaming} for a replica that receives WAL, ...
     * @param timeline the timeline, or empty
     * @param lag replication lag in bytes, {@code unknown}, or empty for the leader
     * @param rest the REST API's {@code host:port}, or empty
     * @param postgres PostgreSQL's {@code host:port}, or empty
     */
    public record Row(String name, String role, String state, String timeline, String lag, String rest,
            String postgres) {

        boolean isLeader() {
            return role.equals("leader") || role.equals("standby_leader");
        }
    }

    /**
     * Parses a {@code GET /cluster} body.
     *
     * @throws IllegalArgumentException when it is not such a document
     */
    public static ClusterView parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("members").isArray()) {
            throw new IllegalArgumentException("no members list in " + json);
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode m : root.path("members")) {
            String host = m.path("host").asText("");
            String pg = host.isEmpty() ? "" : host + (m.has("port") ? ":" + m.path("port").asText() : "");
            rows.add(new Row(m.path("name").asText(""), m.path("role").asText(""), m.path("state").asText(""),
                    m.has("timeline") ? m.path("timeline").asText() : "", m.has("lag") ? m.path("lag").asText() : "",
                    restAddress(m.path("api_url").asText("")), pg));
        }
        return new ClusterView(root.path("scope").asText(""), rows);
    }

    private static String restAddress(String apiUrl) {
        if (apiUrl.isEmpty()) {
            return "";
        }
        try {
            URI u = URI.create(apiUrl);
            return u.getHost() == null ? apiUrl : u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
        } catch (IllegalArgumentException e) {
            return apiUrl;
        }
    }

    public Optional<Row> member(String name) {
        return rows.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /**
     * What keeps this view from showing the expected cluster up: one leader that runs and every other expected
     * member streaming from it. Empty when the cluster is up.
     */
    public List<String> missing(List<String> expected) {
        List<String> out = new ArrayList<>();
        List<Row> leaders = rows.stream().filter(Row::isLeader).toList();
        if (leaders.isEmpty()) {
            out.add("no leader yet");
        }
        for (String name : expected) {
            Optional<Row> r = member(name);
            if (r.isEmpty()) {
                out.add(name + ": not registered in the DCS yet");
            } else if (r.get().isLeader()) {
                if (!r.get().state().equals("running")) {
                    out.add(name + ": leader, PostgreSQL " + quoted(r.get().state()) + " (waiting for 'running')");
                }
            } else if (!r.get().state().equals("streaming")) {
                out.add(name + ": " + r.get().role() + ", PostgreSQL " + quoted(r.get().state())
                        + " (waiting for 'streaming')");
            }
        }
        return out;
    }

    private static String quoted(String state) {
        return state.isEmpty() ? "state unknown" : "'" + state + "'";
    }

    /** The members as a boxed text table (Member, Role, State, TL, Lag, REST, PostgreSQL). */
    public String table() {
        String[] header = {"Member", "Role", "State", "TL", "Lag", "REST", "PostgreSQL"};
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            cells.add(new String[] {r.name(), roleTitle(r.role()), r.state(), r.timeline(), r.lag(), r.rest(),
                    r.postgres()});
        }
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
            for (String[] c : cells) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        boolean[] right = {false, false, false, true, true, false, false};
        StringBuilder sep = new StringBuilder("+");
        for (int w : width) {
            sep.append("-".repeat(w + 2)).append('+');
        }
        StringBuilder b = new StringBuilder();
        b.append(sep).append('\n');
        line(b, header, width, new boolean[header.length]);
        b.append(sep).append('\n');
        for (String[] c : cells) {
            line(b, c, width, right);
        }
        b.append(sep).append('\n');
        return b.toString();
    }

    private static void line(StringBuilder b, String[] cells, int[] width, boolean[] right) {
        b.append('|');
        for (int i = 0; i < cells.length; i++) {
            String pad = " ".repeat(width[i] - cells[i].length());
            b.append(' ').append(right[i] ? pad + cells[i] : cells[i] + pad).append(" |");
        }
        b.append('\n');
    }

    /** {@code sync_standby} becomes {@code Sync Standby}, as patronictl shows roles. */
    static String roleTitle(String role) {
        StringBuilder b = new StringBuilder();
        for (String word : role.split("_")) {
            if (word.isEmpty()) {
                continue;
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(word.substring(0, 1).toUpperCase(Locale.ROOT)).append(word.substring(1));
        }
        return b.toString();
    }
}
