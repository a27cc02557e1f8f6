package io.pgha.engine.agent;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.pgha.engine.json.EngineJson;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * logback's JSON records with the {@code log.static_fields} of the configuration as extra top-level members of every
 * record, first, as Patroni adds them (a data centre or an environment name that a log collector filters on).
 */
final class StaticFieldsJsonEncoder extends JsonEncoder {
    private final byte[] members;

    StaticFieldsJsonEncoder(Map<String, Object> fields) {
        // rendered once: the fields are the same in every record
        this.members = fields.entrySet().stream().map(e -> EngineJson.write(e.getKey()) + ":" + EngineJson.write(e.getValue()) + ",")
                .collect(Collectors.joining()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] record = super.encode(event);
        if (members.length == 0 || record.length == 0 || record[0] != '{') {
            return record;
        }
        byte[] out = new byte[record.length + members.length];
        out[0] = '{';
        System.arraycopy(members, 0, out, 1, members.length);
        System.arraycopy(record, 1, out, 1 + members.length, record.length - 1);
        return out;
    }
}
