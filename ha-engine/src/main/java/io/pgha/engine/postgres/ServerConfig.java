package io.pgha.engine.postgres;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration pgha writes for PostgreSQL, already merged by the caller from the local and the dynamic
 * configuration.
 *
 * @param parameters GUCs ({@code postgresql.parameters} merged with the dynamic ones); values as PostgreSQL reads
 *        them ({@code 128MB}, {@code on}); the ones pgha controls itself (listen_addresses, port, cluster_name and
 *        the recovery settings) are overridden
 * @param pgHba {@code postgresql.pg_hba} lines; empty keeps the existing pg_hba.conf
 * @param pgIdent {@code postgresql.pg_ident} lines; empty keeps the existing pg_ident.conf
 */
public record ServerConfig(Map<String, String> parameters, List<String> pgHba, List<String> pgIdent) {
    public ServerConfig {
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(parameters, "parameters is null")));
        pgHba = List.copyOf(pgHba);
        pgIdent = List.copyOf(pgIdent);
    }

    public static ServerConfig of(Map<String, String> parameters) {
        return new ServerConfig(parameters, List.of(), List.of());
    }
}
