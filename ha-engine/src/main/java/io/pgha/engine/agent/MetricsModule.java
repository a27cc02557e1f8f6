package io.pgha.engine.agent;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.ha.HaClock;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.journal.DecisionJournal;
import io.pgha.engine.metrics.AgentMetrics;

/** The metrics registry, the agent's meters and the decision journal (GET /events). */
final class MetricsModule extends AbstractModule {

    @Provides
    @Singleton
    PrometheusMeterRegistry registry(PghaConfig config) {
        return AgentMetrics.newRegistry(config.scope(), config.name());
    }

    @Provides
    @Singleton
    DecisionJournal journal(PghaConfig config, HaClock clock, PostgresDatabase database) {
        return new DecisionJournal(config.name(), clock, database.fenceWorstCase(), DecisionJournal.DEFAULT_CAPACITY);
    }

    /** Every decision the journal records is also counted. */
    @Provides
    @Singleton
    AgentMetrics metrics(PrometheusMeterRegistry registry, LeaseGuard guard, HaClock clock, PostgresDatabase database,
            DecisionJournal journal) {
        AgentMetrics metrics = new AgentMetrics(registry, guard, clock, database.fenceWorstCase());
        journal.subscribe(metrics::decided);
        return metrics;
    }
}
