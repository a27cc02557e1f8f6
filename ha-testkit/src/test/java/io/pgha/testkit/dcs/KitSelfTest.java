package io.pgha.testkit.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectNestedClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** Checks the kit's own machinery: capability gating fails loudly when undeclared, skips with a reason otherwise. */
class KitSelfTest {

    /** Outcome per test display name: PASSED, FAILED, SKIPPED:reason or ABORTED:reason. */
    private static Map<String, String> run(Class<? extends DcsContractKit> probe) {
        List<Class<?>> groups = List.of(DcsContractKit.Capabilities.class, DcsContractKit.Failure.class,
                DcsContractKit.Robustness.class, DcsContractKit.Layout.class);
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request();
        for (Class<?> g : groups) {
            b.selectors(selectNestedClass(List.of(probe), g));
        }
        LauncherDiscoveryRequest request = b.build();
        Map<String, String> outcomes = new TreeMap<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    String detail = result.getThrowable().map(Throwable::getMessage).orElse("");
                    outcomes.put(id.getDisplayName(), result.getStatus() + (detail.isEmpty() ? "" : ":" + detail));
                } else if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    outcomes.put("container " + id.getDisplayName(), "FAILED:" + result.getThrowable().orElse(null));
                }
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                outcomes.put(id.getDisplayName(), "SKIPPED:" + reason);
            }
        });
        return outcomes;
    }

    private static List<String> withStatus(Map<String, String> outcomes, String status) {
        List<String> out = new ArrayList<>();
        outcomes.forEach((name, outcome) -> {
            if (outcome.startsWith(status)) {
                out.add(name.replaceFirst(" .*", ""));
            }
        });
        return out;
    }

    @Test
    void undeclaredCapabilitiesFailLoudly() {
        Map<String, String> outcomes = run(UndeclaredCapabilitiesProbe.class);
        assertEquals(List.of("DCS-0.1", "DCS-10.0", "DCS-6.0", "DCS-9.0"), withStatus(outcomes, "FAILED"),
                outcomes.toString());
        assertTrue(outcomes.get(outcomes.keySet().stream().filter(k -> k.startsWith("DCS-0.1")).findFirst().orElseThrow())
                .contains("SERVER_RESTART is declared neither"), outcomes.toString());
        // the other tests of those groups are aborted, pointing at the failing DCS-x.0
        assertTrue(withStatus(outcomes, "ABORTED").size() >= 5, outcomes.toString());
        assertTrue(withStatus(outcomes, "SUCCESSFUL").containsAll(List.of("DCS-0.2", "DCS-0.3")), outcomes.toString());
    }

    @Test
    void unsupportedCapabilitiesSkipWithTheirReason() {
        Map<String, String> outcomes = run(UnsupportedCapabilitiesProbe.class);
        assertEquals(List.of(), withStatus(outcomes, "FAILED"), outcomes.toString());
        List<String> aborted = withStatus(outcomes, "ABORTED");
        assertTrue(aborted.containsAll(List.of("DCS-6.0", "DCS-9.0", "DCS-10.0", "DCS-6.1", "DCS-6.2", "DCS-9.2", "DCS-10.1")),
                outcomes.toString());
        assertTrue(outcomes.values().stream().anyMatch(o -> o.contains("probe reason for SERVER_RESTART")),
                outcomes.toString());
    }
}
