package io.pgha.testkit.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The method kits catch broken methods: each broken rule fails exactly the test named after it. */
class MethodKitSelfIT {

    /** Rule number (the display name's first word) to outcome. */
    private static Map<String, String> run(Class<?> probe) {
        Map<String, String> outcomes = new TreeMap<>();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(probe))
                .build(), new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest()) {
                            outcomes.put(id.getDisplayName().replaceFirst(" .*", ""), result.getStatus().name());
                        } else if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                            outcomes.put("container " + id.getDisplayName(), result.getStatus() + ": "
                                    + result.getThrowable().orElse(null));
                        }
                    }
                });
        return outcomes;
    }

    private static List<String> failed(Map<String, String> outcomes) {
        List<String> out = new ArrayList<>();
        outcomes.forEach((rule, outcome) -> {
            if (!outcome.equals("SUCCESSFUL")) {
                out.add(rule);
            }
        });
        return out;
    }

    @Test
    @DisplayName("a replica method that is unregistered, accepts anything, copies nothing and throws fails those rules")
    void brokenReplicaMethod() {
        Map<String, String> outcomes = run(BrokenReplicaProbe.class);
        assertEquals(List.of("REPLICA-1.2", "REPLICA-2.2", "REPLICA-2.3", "REPLICA-3.1", "REPLICA-4.1", "REPLICA-5.1"),
                failed(outcomes), outcomes.toString());
    }

    @Test
    @DisplayName("a bootstrap method that is unregistered, accepts anything, creates nothing and throws fails those rules")
    void brokenBootstrapMethod() {
        Map<String, String> outcomes = run(BrokenBootstrapProbe.class);
        assertEquals(List.of("BOOT-1.2", "BOOT-2.2", "BOOT-2.3", "BOOT-3.1", "BOOT-4.1"), failed(outcomes),
                outcomes.toString());
    }
}
