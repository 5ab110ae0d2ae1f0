package dev.keyhub.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import static io.restassured.RestAssured.given;

/**
 * The OpenAPI document describes every route, with its error responses; and {@code docs/openapi.yaml}, from which the
 * TypeScript client is generated and which CI lints with Spectral, is the document the application serves.
 */
@QuarkusTest
class OpenApiTest {

    @Test
    void everyRouteIsDescribedWithItsErrors() {
        Map<String, Map<String, Map<String, Object>>> paths = given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().path("paths");
        List<String> expected = List.of("/admin/tenants", "/admin/tenants/{id}", "/admin/tenants/{id}/suspend",
                "/admin/tenants/{id}/resume", "/admin/tenants/{id}/clone", "/admin/tenants/{id}/stats", "/admin/tenants/{id}/schema", "/admin/tenants/{id}/move", "/admin/db-servers",
                "/admin/health/tenants", "/admin/audit-log", "/admin/migrations/{id}", "/admin/migrations/{id}/pause",
                "/admin/migrations/{id}/resume", "/admin/migrations/{id}/cancel", "/admin/migrations/{id}/retry",
                "/api/join", "/api/me/tenants",
                "/api/tenants/{tenant}/me", "/api/tenants/{tenant}/me/membership", "/api/tenants/{tenant}/users",
                "/api/tenants/{tenant}/users/{id}", "/api/tenants/{tenant}/users/{id}/sessions",
                "/api/tenants/{tenant}/join-codes", "/api/tenants/{tenant}/join-codes/{id}",
                "/api/tenants/{tenant}/sessions", "/api/tenants/{tenant}/sessions/{id}",
                "/api/tenants/{tenant}/groups", "/api/tenants/{tenant}/groups/{id}",
                "/api/tenants/{tenant}/groups/{id}/members", "/api/tenants/{tenant}/groups/{id}/members/{userId}",
                "/api/tenants/{tenant}/settings", "/api/tenants/{tenant}/settings/{key}",
                "/api/tenants/{tenant}/audit-log", "/api/tenants/{tenant}/domains", "/api/tenants/{tenant}/domains/{domain}",
                "/api/tenants/{tenant}/domains/{domain}/verify", "/auth/switch",
                "/admin/tenants/{id}/support-sessions", "/admin/support-sessions", "/admin/support-sessions/{id}");
        for (String path : expected) {
            assertTrue(paths.containsKey(path), "OpenAPI describes " + path);
            paths.get(path).forEach((method, operation) -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> responses = (Map<String, Object>) operation.get("responses");
                assertTrue(responses.keySet().stream().anyMatch(code -> code.startsWith("4")),
                        method + " " + path + " lists its error responses: " + responses.keySet());
            });
        }
    }

    /** The committed contract. Run with {@code -Dkeyhub.openapi.export=true} to write it after changing the API. */
    static final Path EXPORTED = Path.of("docs/openapi.yaml");

    @Test
    void theExportedDocumentIsTheOneServed() throws IOException {
        String served = given().queryParam("format", "yaml").get("/q/openapi").then().statusCode(200).extract().asString();
        if (Boolean.getBoolean("keyhub.openapi.export")) {
            Files.writeString(EXPORTED, served);
        }
        String exported = Files.exists(EXPORTED) ? Files.readString(EXPORTED) : "";
        if (!served.equals(exported)) {
            Path actual = Path.of("target/openapi.yaml");
            Files.writeString(actual, served);
            fail(EXPORTED + " differs from the document the application serves (written to " + actual + "). After an "
                    + "API change, run ./mvnw test -Dtest=OpenApiTest -Dkeyhub.openapi.export=true, then "
                    + "clients/typescript/generate, and commit both.");
        }
    }
}
