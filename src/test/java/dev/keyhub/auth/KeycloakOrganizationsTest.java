package dev.keyhub.auth;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Keycloak;
import dev.keyhub.support.KeycloakOrganizationsProfile;
import dev.keyhub.support.KeycloakServer;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static io.restassured.RestAssured.given;

import static dev.keyhub.support.KeycloakOrganizationsProfile.ADMIN_CLIENT;
import static dev.keyhub.support.KeycloakOrganizationsProfile.ADMIN_SECRET;

/**
 * Keycloak Organizations mode against the real Keycloak: a tenant's organization is created by KeyHub's service
 * account, follows joins and leaving, names the tenant through the organization claim, is deleted with the tenant,
 * and a failure on Keycloak's side is retried until it succeeds. Waits are for states, never for times.
 */
@QuarkusTest
@TestProfile(KeycloakOrganizationsProfile.class)
class KeycloakOrganizationsTest {

    private static final String ADMIN = "5a1e0000-0000-4000-8000-000000000001";
    private static final String ALICE = "5a1e0000-0000-4000-8000-000000000002";
    private static final String CAROL = "5a1e0000-0000-4000-8000-000000000004";

    @BeforeEach
    void needsKeycloak() {
        assumeTrue(KeycloakServer.unavailable() == null, () -> "Keycloak tests skipped: " + KeycloakServer.unavailable());
    }

    private static JsonObject organization(String alias) {
        HttpResponse<String> r = Keycloak.admin(ADMIN_CLIENT, ADMIN_SECRET, "GET", "/organizations?briefRepresentation=true&q="
                + URLEncoder.encode("alias:" + alias, StandardCharsets.UTF_8), null);
        assertEquals(200, r.statusCode(), r.body());
        JsonArray found = new JsonArray(r.body());
        return found.isEmpty() ? null : found.getJsonObject(0);
    }

    private static boolean isMember(String alias, String user) {
        JsonObject org = organization(alias);
        if (org == null) {
            return false;
        }
        HttpResponse<String> r = Keycloak.admin(ADMIN_CLIENT, ADMIN_SECRET, "GET",
                "/organizations/" + org.getString("id") + "/members?max=100", null);
        return new JsonArray(r.body()).stream().anyMatch(m -> user.equals(((JsonObject) m).getString("id")));
    }

    private static void await(BooleanSupplier state, String what) throws InterruptedException {
        Instant limit = Instant.now().plusSeconds(60);
        while (!state.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(limit), "not reached within 60 s: " + what);
            Thread.sleep(100);
        }
    }

    private static String create(String slug, String ownerSub, String ownerEmail) {
        return given().auth().oauth2(Keycloak.token("admin")).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Org " + slug, "owner", Map.of("subject", ownerSub, "email", ownerEmail)))
                .post("/admin/tenants").then().statusCode(201).extract().path("id");
    }

    @Test
    void theOrganizationFollowsTheTenantAndItsClaimNamesIt() throws Exception {
        String slug = "orgs-" + UUID.randomUUID().toString().substring(0, 6);
        // The owner is the realm's admin (no tenant claim), who then invites Carol.
        String id = create(slug, ADMIN, "admin@keyhub.test");
        await(() -> isMember(slug, ADMIN), "the tenant's organization exists with its owner");

        // Carol joins with a join code: she becomes a member of the organization too.
        String code = given().auth().oauth2(Keycloak.token("admin")).contentType(ContentType.JSON)
                .body(Map.of("role", "member", "maxUses", 1)).post("/api/tenants/" + slug + "/join-codes").then()
                .statusCode(201).extract().path("code");
        given().auth().oauth2(Keycloak.token("carol")).contentType(ContentType.JSON).body(Map.of("code", code))
                .post("/api/join").then().statusCode(200);
        await(() -> isMember(slug, CAROL), "Carol is a member of the organization");

        // Her token asks for the organization; its claim names the tenant (Carol has no tenant claim).
        String carol = Keycloak.token("carol", "organization:" + slug);
        given().auth().oauth2(carol).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(slug)).body("email", equalTo("carol@nowhere.test"));

        // She leaves: out of the organization.
        given().auth().oauth2(Keycloak.token("carol")).delete("/api/tenants/" + slug + "/me/membership").then()
                .statusCode(204);
        await(() -> !isMember(slug, CAROL), "Carol left the organization");
        assertTrue(isMember(slug, ADMIN));

        // Purged for good: the organization goes too.
        given().auth().oauth2(Keycloak.token("admin")).delete("/admin/tenants/" + id + "?purge=true").then().statusCode(204);
        await(() -> organization(slug) == null, "the organization is deleted with the tenant");
    }

    @Test
    void aFailureOnKeycloaksSideIsRetriedUntilItSucceeds() throws Exception {
        // An organization named like the tenant's slug, with another alias, already exists: Keycloak refuses to
        // create the tenant's (409, duplicate name).
        String slug = "orgr-" + UUID.randomUUID().toString().substring(0, 6);
        HttpResponse<String> squatter = Keycloak.admin(ADMIN_CLIENT, ADMIN_SECRET, "POST", "/organizations",
                new JsonObject().put("name", slug).put("alias", slug + "-other").encode());
        assertEquals(201, squatter.statusCode(), squatter.body());
        String squatterId = squatter.headers().firstValue("Location").orElseThrow().replaceAll(".*/", "");

        String id = create(slug, ALICE, "alice@acme.test");
        await(() -> {
            var row = Catalog.query("keyhub", "SELECT attempts, last_error FROM organization_sync WHERE tenant_id = ?::uuid", id);
            return !row.isEmpty() && ((Integer) row.get(0).get(0)) >= 2;
        }, "the sync failed and was retried");
        assertTrue(organization(slug) == null, "no organization while Keycloak refuses");
        String error = (String) Catalog.query("keyhub", "SELECT last_error FROM organization_sync WHERE tenant_id = ?::uuid", id)
                .get(0).get(0);
        assertTrue(error.contains("409"), error);

        // Keycloak's side is mended: the next retry creates the organization, with its owner, and the mark is cleared.
        assertEquals(204, Keycloak.admin(ADMIN_CLIENT, ADMIN_SECRET, "DELETE", "/organizations/" + squatterId, null)
                .statusCode());
        Catalog.query("keyhub", "UPDATE organization_sync SET next_attempt_at = now() WHERE tenant_id = ?::uuid RETURNING 1", id);
        await(() -> isMember(slug, ALICE), "the organization exists with its owner after a retry");
        await(() -> Catalog.query("keyhub", "SELECT 1 FROM organization_sync WHERE tenant_id = ?::uuid AND dirty_since IS NULL "
                + "AND attempts = 0 AND last_error IS NULL", id).size() == 1, "the tenant is marked in sync");
        given().auth().oauth2(Keycloak.token("admin")).delete("/admin/tenants/" + id + "?purge=true").then().statusCode(204);
        await(() -> organization(slug) == null, "the organization is deleted with the tenant");
    }
}
