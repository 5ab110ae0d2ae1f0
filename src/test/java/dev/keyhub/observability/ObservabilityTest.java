package dev.keyhub.observability;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.keyhub.common.RequestIds;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

/**
 * What an operator sees of a request: its log lines as JSON, each carrying the request id and the tenant id, and,
 * with tracing turned on, its trace with a span for each statement on the tenant's database.
 */
@QuarkusTest
@TestProfile(ObservabilityTest.Observed.class)
class ObservabilityTest {

    static final Path LOG = Path.of("target", "observability-test.log");

    public static class Observed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("quarkus.otel.sdk.disabled", "false"),
                    Map.entry("quarkus.otel.exporter.otlp.enabled", "false"),
                    Map.entry("quarkus.otel.bsp.schedule.delay", "50ms"),
                    Map.entry("quarkus.log.file.enabled", "true"),
                    Map.entry("quarkus.log.file.path", LOG.toString()),
                    Map.entry("quarkus.log.file.json.enabled", "true"),
                    Map.entry("quarkus.log.category.\"dev.keyhub.tenancy\".level", "DEBUG"));
        }
    }

    /** The spans, collected here instead of sent to an OTLP endpoint. */
    @Singleton
    static class Exporter {
        @Produces
        @Singleton
        InMemorySpanExporter spans() {
            return InMemorySpanExporter.create();
        }
    }

    @Inject
    InMemorySpanExporter spans;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyLogLineOfARequestCarriesItsRequestIdAndTenant() throws Exception {
        Tenants.Created tenant = Tenants.create("observed");
        String requestId = "client-" + UUID.randomUUID();
        String answered = given().auth().oauth2(Members.ownerToken(tenant)).header(RequestIds.HEADER, requestId)
                .get("/api/tenants/" + tenant.slug() + "/me").then().statusCode(200).extract().header(RequestIds.HEADER);
        assertEquals(requestId, answered, "a caller's request id is kept");

        List<JsonNode> lines = await(() -> linesOf(requestId), found -> !found.isEmpty());
        assertFalse(lines.isEmpty(), "the request logged (TenantAccess at DEBUG)");
        for (JsonNode line : lines) {
            assertEquals(tenant.id(), line.path("mdc").path(RequestIds.MDC_TENANT).asText(), line.toString());
            assertTrue(line.hasNonNull("timestamp") && line.hasNonNull("level") && line.hasNonNull("message"), line.toString());
        }

        // An id that could forge a header or a log line is replaced by one of KeyHub's own.
        String replaced = given().auth().oauth2(Members.ownerToken(tenant)).header(RequestIds.HEADER, "a b\"c")
                .get("/api/tenants/" + tenant.slug() + "/me").then().statusCode(200).extract().header(RequestIds.HEADER);
        assertTrue(replaced.matches("[0-9a-f]{32}"), replaced);
        List<JsonNode> own = await(() -> linesOf(replaced), found -> !found.isEmpty());
        assertTrue(own.stream().allMatch(l -> tenant.id().equals(l.path("mdc").path(RequestIds.MDC_TENANT).asText())));
        assertTrue(linesOf("a b\"c").isEmpty());
    }

    @Test
    void aTenantRequestIsTracedDownToItsDatabase() {
        Tenants.Created tenant = Tenants.create("traced");
        String owner = Members.ownerToken(tenant);
        spans.reset();
        given().auth().oauth2(owner).get("/api/tenants/" + tenant.slug() + "/me").then().statusCode(200);
        List<SpanData> finished = await(spans::getFinishedSpanItems, all -> server(all) != null
                && all.stream().anyMatch(s -> s.getTraceId().equals(server(all).getTraceId()) && onTenantDatabase(s, tenant)));
        SpanData request = server(finished);
        assertTrue(request != null, "a server span for the request: " + finished);
        List<SpanData> database = finished.stream()
                .filter(s -> s.getTraceId().equals(request.getTraceId()) && onTenantDatabase(s, tenant)).toList();
        assertFalse(database.isEmpty(), "a client span on the tenant's database, in the request's trace: " + finished);
        assertTrue(database.stream().allMatch(s -> s.getKind() == SpanKind.CLIENT));
    }

    private static SpanData server(List<SpanData> all) {
        return all.stream().filter(s -> s.getKind() == SpanKind.SERVER && s.getName().contains("/me")).findFirst().orElse(null);
    }

    private static boolean onTenantDatabase(SpanData span, Tenants.Created tenant) {
        return span.getAttributes().asMap().values().stream().anyMatch(v -> tenant.databaseName().equals(String.valueOf(v)));
    }

    private List<JsonNode> linesOf(String requestId) {
        try {
            if (!Files.exists(LOG)) {
                return List.of();
            }
            return Files.readAllLines(LOG).stream().filter(l -> l.startsWith("{")).map(this::parse)
                    .filter(n -> requestId.equals(n.path("mdc").path(RequestIds.MDC_REQUEST).asText())).toList();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode parse(String line) {
        try {
            return json.readTree(line);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not a JSON log line: " + line, e);
        }
    }

    /** Waits for a state (a log line flushed, a span exported), not for a time: the limit only ends a failing test. */
    private static <T> T await(Supplier<T> read, java.util.function.Predicate<T> done) {
        Instant limit = Instant.now().plus(Duration.ofSeconds(30));
        T value = read.get();
        while (!done.test(value) && Instant.now().isBefore(limit)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            value = read.get();
        }
        return value;
    }
}
