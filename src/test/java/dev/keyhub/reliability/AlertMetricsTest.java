package dev.keyhub.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.pools.TenantPools;
import dev.keyhub.provisioning.ProvisioningStep;
import dev.keyhub.provisioning.StepFaults;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Jobs;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * The meters the alert rules of deploy/monitoring watch: provisioning and migration tasks by outcome, and tenant
 * databases that could not be opened. Each counts what happened, and every meter and label the rules name exists.
 */
@QuarkusTest
class AlertMetricsTest {

    private static final Path RULES = Path.of("deploy/monitoring/keyhub-alerts.yaml");
    private static final Path DASHBOARD = Path.of("deploy/monitoring/keyhub-dashboard.json");

    @Inject
    StepFaults faults;

    @Inject
    TenantPools pools;

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of the sample whose name and labels are given (labels in any order), 0 when there is none. */
    private static double sample(String metrics, String name, Map<String, String> labels) {
        for (String line : metrics.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = labels.entrySet().stream().allMatch(l -> line.contains(l.getKey() + "=\"" + l.getValue() + "\""));
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /**
     * Rolls the next product release out to the tenant with a job (a dry-run task and an apply task), then every
     * tenant back to product-1.0, where other test classes expect them.
     */
    private static void releaseAndRollBack(Tenants.Created t) {
        Jobs.run(Map.of("changelog", "product", "target", "product-1.1", "tenants", Map.of("ids", List.of(t.id()))))
                .body("state", equalTo("SUCCEEDED"));
        Jobs.run(Map.of("changelog", "product", "target", "product-1.0", "direction", "rollback"))
                .body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void provisioningIsCountedByOutcome() {
        String before = metrics();
        var t = Tenants.create("alerts");
        Tenants.post(Tenants.body(t.slug(), "someone")).then().statusCode(409);
        faults.failAt(ProvisioningStep.INITIALISE);
        try {
            Tenants.post(Tenants.body(Tenants.uniqueSlug("alerts-failed"), "someone")).then().statusCode(500);
        } finally {
            faults.clear();
        }
        String after = metrics();
        String count = "keyhub_provisioning_seconds_count";
        for (var outcome : List.of(Map.of("outcome", "created", "code", "none"),
                Map.of("outcome", "refused", "code", "slug_taken"),
                Map.of("outcome", "failed", "code", "provisioning_failed"))) {
            assertEquals(1.0, sample(after, count, outcome) - sample(before, count, outcome), outcome.toString());
        }
    }

    @Test
    void migrationTasksAreCountedByPhaseAndOutcome() {
        String before = metrics();
        var t = Tenants.create("alerts-job");
        releaseAndRollBack(t);
        String after = metrics();
        for (String phase : List.of("dry_run", "apply")) {
            Map<String, String> labels = Map.of("phase", phase, "changelog", "product", "outcome", "succeeded");
            assertTrue(sample(after, "keyhub_migration_tasks_seconds_count", labels)
                    - sample(before, "keyhub_migration_tasks_seconds_count", labels) >= 1, phase);
        }
    }

    @Test
    void aTenantDatabaseThatCannotBeOpenedIsCountedForItsServer() {
        var t = Tenants.create("alerts-gone");
        String token = Members.ownerToken(t);
        given().auth().oauth2(token).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        double before = sample(metrics(), "keyhub_tenant_database_unavailable_total", Map.of("server", "default"));
        pools.evict(UUID.fromString(t.id())).await().indefinitely();
        Catalog.execute("postgres", "DROP DATABASE " + t.databaseName() + " WITH (FORCE)");
        try {
            given().auth().oauth2(token).get("/api/tenants/" + t.slug() + "/me").then().statusCode(503)
                    .body("code", equalTo("tenant_database_missing"));
            assertEquals(1.0, sample(metrics(), "keyhub_tenant_database_unavailable_total", Map.of("server", "default"))
                    - before);
        } finally {
            given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", true).delete("/admin/tenants/" + t.id())
                    .then().statusCode(204);
        }
    }

    @Test
    void everyMeterAndLabelTheAlertRulesAndTheDashboardNameExists() throws Exception {
        // Exercise each meter once, so that it is exported: provisioning, a request on the tenant's server, a job.
        var t = Tenants.create("alerts-rules");
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        releaseAndRollBack(t);
        String metrics = metrics();

        List<String> rules = new ArrayList<>();
        Matcher expr = Pattern.compile("expr: (.+)").matcher(Files.readString(RULES));
        while (expr.find()) {
            rules.add(expr.group(1));
        }
        assertEquals(Set.of("keyhub_tenant_pool_rejections_total", "keyhub_tenant_database_unavailable_total",
                "keyhub_migration_tasks_seconds_count", "keyhub_provisioning_seconds_count"), exported(metrics, rules));

        List<String> panels = new ArrayList<>();
        for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                panels.add(target.path("expr").asText());
            }
        }
        Set<String> shown = exported(metrics, panels);
        assertTrue(shown.containsAll(Set.of("keyhub_tenant_connections_open", "keyhub_tenant_connections_budget",
                "keyhub_tenant_pools", "keyhub_tenant_pool_waiters", "keyhub_tenant_pool_rejections_total",
                "keyhub_tenant_database_unavailable_total", "keyhub_provisioning_seconds_count",
                "keyhub_migration_tasks_seconds_count")), "the dashboard shows the pools, provisioning and migrations: " + shown);
    }

    /**
     * Checks that every meter an expression names is exported, with every label it selects on or groups by; returns
     * the meters named.
     */
    private static Set<String> exported(String metrics, List<String> expressions) {
        Set<String> checked = new LinkedHashSet<>();
        for (String expression : expressions) {
            Matcher meter = Pattern.compile("\\b((?:keyhub|http_server_requests|jvm|process)_[a-z_]+)(\\{[^}]*})?")
                    .matcher(expression);
            while (meter.find()) {
                String name = meter.group(1);
                List<String> lines = metrics.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " ")).toList();
                assertFalse(lines.isEmpty(), name + " is not exported");
                Matcher labels = Pattern.compile("([a-z_]+)(=~|!=|=)").matcher(meter.group(2) == null ? "" : meter.group(2));
                while (labels.find()) {
                    String label = labels.group(1);
                    // job and instance are Prometheus's, added when it scrapes.
                    if (!Set.of("job", "instance").contains(label)) {
                        assertTrue(lines.stream().anyMatch(l -> l.contains(label + "=\"")), name + " has no label " + label);
                    }
                }
                Matcher by = Pattern.compile("by \\(([a-z_, ]+)\\)").matcher(expression);
                while (by.find()) {
                    for (String label : by.group(1).split(",\\s*")) {
                        if (!Set.of("job", "instance").contains(label)) {
                            assertTrue(lines.stream().anyMatch(l -> l.contains(label + "=\"")), name + " has no label " + label);
                        }
                    }
                }
                checked.add(name);
            }
        }
        return checked;
    }
}
