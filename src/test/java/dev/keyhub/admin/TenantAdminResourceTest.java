package dev.keyhub.admin;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

@QuarkusTest
class TenantAdminResourceTest {

    @Test
    void createsTenantWithItsOwnDatabaseAndOwnerAsAdmin() {
        String slug = Tenants.uniqueSlug("acme");
        var response = Tenants.post(Tenants.body(slug, "owner-" + slug));
        response.then().statusCode(201)
                .header("Location", endsWith("/admin/tenants/" + response.path("id")))
                .body("slug", equalTo(slug))
                .body("status", equalTo("ACTIVE"))
                .body("type", equalTo("team"))
                .body("schemaVersion", equalTo("1.1.0"))
                .body("server", equalTo("default"));
        String database = response.path("databaseName");
        assertEquals("kh_t_" + response.<String>path("id").replace("-", ""), database);
        assertTrue(Catalog.databaseExists(database));
        List<List<Object>> owner = Catalog.query(database, """
                SELECT u.email, m.role, i.provider, i.provider_sub FROM users u
                JOIN memberships m ON m.user_id = u.id JOIN user_identities i ON i.user_id = u.id""");
        assertEquals(List.of(List.of("owner-" + slug + "@example.com", "admin", Tokens.ISSUER, "owner-" + slug)), owner);

        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + response.path("id"))
                .then().statusCode(200).body("slug", equalTo(slug)).body("status", equalTo("ACTIVE"));
    }

    @Test
    void takenSlugIsRefusedWithConflict() {
        var tenant = Tenants.create("dup");
        long databases = Catalog.tenantDatabases();
        Tenants.post(Tenants.body(tenant.slug(), "someone-else")).then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("slug_taken"));
        assertEquals(1, Catalog.tenantRows(tenant.slug()));
        assertEquals(databases, Catalog.tenantDatabases());
    }

    @ParameterizedTest
    @ValueSource(strings = { "ab", "Upper-Case", "-leading", "trailing-", "has_underscore", "has space", "ünï",
            "a234567890123456789012345678901234567890123456789012345678901234" })
    void invalidSlugsAreRefusedAndChangeNothing(String slug) {
        long databases = Catalog.tenantDatabases();
        Tenants.post(Tenants.body(slug, "owner-x")).then().statusCode(400)
                .contentType("application/problem+json")
                .body("code", equalTo("validation_failed"))
                .body("errors.field", hasItem("slug"));
        assertEquals(0, Catalog.tenantRows(slug));
        assertEquals(databases, Catalog.tenantDatabases());
    }

    @ParameterizedTest
    @ValueSource(strings = { "current", "admin", "api" })
    void reservedSlugsAreRefused(String slug) {
        Tenants.post(Tenants.body(slug, "owner-x")).then().statusCode(400).body("code", equalTo("slug_reserved"));
        assertEquals(0, Catalog.tenantRows(slug));
    }

    @Test
    void badBodiesGetProblemResponses() {
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body("{\"slug\": ")
                .post("/admin/tenants").then().statusCode(400)
                .contentType("application/problem+json").body("code", equalTo("malformed_json"));

        Map<String, Object> wrongType = new HashMap<>(Tenants.body(Tenants.uniqueSlug("t"), "o"));
        wrongType.put("type", "galaxy");
        Tenants.post(wrongType).then().statusCode(400).body("code", equalTo("malformed_json"))
                .body("detail", containsString("type"));

        Map<String, Object> noOwner = new HashMap<>(Tenants.body(Tenants.uniqueSlug("t"), "o"));
        noOwner.remove("owner");
        Tenants.post(noOwner).then().statusCode(400).body("code", equalTo("validation_failed"))
                .body("errors.field", hasItem("owner"));

        Map<String, Object> badEmail = new HashMap<>(Tenants.body(Tenants.uniqueSlug("t"), "o"));
        badEmail.put("owner", Map.of("subject", "s", "email", "not-an-email"));
        Tenants.post(badEmail).then().statusCode(400).body("errors.field", hasItem("owner.email"));

        Map<String, Object> longName = new HashMap<>(Tenants.body(Tenants.uniqueSlug("t"), "o"));
        longName.put("name", "x".repeat(201));
        Tenants.post(longName).then().statusCode(400).body("errors.field", hasItem("name"));

        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.TEXT).body("hello")
                .post("/admin/tenants").then().statusCode(415).contentType("application/problem+json");
    }

    @Test
    void listsTenantsPagedAndFilteredByStatus() {
        Tenants.create("list");
        Tenants.create("list");
        var deleted = Tenants.create("list");
        given().auth().oauth2(Tokens.platformAdmin()).delete("/admin/tenants/" + deleted.id()).then().statusCode(204);

        given().auth().oauth2(Tokens.platformAdmin()).queryParam("status", "active").queryParam("size", 2)
                .get("/admin/tenants").then().statusCode(200)
                .body("items.size()", lessThanOrEqualTo(2))
                .body("items.status", everyItem(equalTo("ACTIVE")))
                .body("size", is(2)).body("page", is(0));
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("status", "DELETED").queryParam("size", 200)
                .get("/admin/tenants").then().statusCode(200)
                .body("items.id", hasItem(deleted.id()));
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("status", "sleepy").get("/admin/tenants")
                .then().statusCode(400).body("code", equalTo("invalid_status"));
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("size", 0).get("/admin/tenants")
                .then().statusCode(400).body("code", equalTo("invalid_size"));
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("page", "x").get("/admin/tenants")
                .then().statusCode(400).body("code", equalTo("invalid_page"));
    }

    @Test
    void purgeDropsTheDatabaseAndKeepsTheTenantAsDeleted() {
        var tenant = Tenants.create("del");
        assertTrue(Catalog.databaseExists(tenant.databaseName()));
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", true).delete("/admin/tenants/" + tenant.id())
                .then().statusCode(204);
        assertFalse(Catalog.databaseExists(tenant.databaseName()));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + tenant.id()).then().statusCode(200)
                .body("status", equalTo("DELETED")).body("deletedAt", notNullValue());
        // Deleting again is harmless; the slug is free again.
        given().auth().oauth2(Tokens.platformAdmin()).delete("/admin/tenants/" + tenant.id()).then().statusCode(204);
        Tenants.post(Tenants.body(tenant.slug(), "new-owner")).then().statusCode(201);
    }

    @Test
    void unknownTenantIdsAre404() {
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + java.util.UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json").body("code", equalTo("tenant_not_found"));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/not-a-uuid")
                .then().statusCode(404).body("code", equalTo("tenant_not_found"));
        given().auth().oauth2(Tokens.platformAdmin()).delete("/admin/tenants/" + java.util.UUID.randomUUID())
                .then().statusCode(404);
    }

    @Test
    void sameIdempotencyKeyReturnsTheFirstResult() {
        String slug = Tenants.uniqueSlug("idem");
        String key = "key-" + slug;
        var body = Tenants.body(slug, "owner-" + slug);
        String first = given().auth().oauth2(Tokens.platformAdmin()).header("Idempotency-Key", key)
                .contentType(ContentType.JSON).body(body).post("/admin/tenants")
                .then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.platformAdmin()).header("Idempotency-Key", key)
                .contentType(ContentType.JSON).body(body).post("/admin/tenants")
                .then().statusCode(201).header("Idempotent-Replayed", "true")
                .header("Location", endsWith(first)).body("id", equalTo(first));
        assertEquals(1, Catalog.tenantRows(slug));

        given().auth().oauth2(Tokens.platformAdmin()).header("Idempotency-Key", key)
                .contentType(ContentType.JSON).body(Tenants.body(Tenants.uniqueSlug("other"), "x"))
                .post("/admin/tenants").then().statusCode(422).body("code", equalTo("idempotency_key_reused"));
    }

    @Test
    void adminRoutesNeedThePlatformAdminRole() {
        given().get("/admin/tenants").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"));
        given().auth().oauth2(Tokens.user("just-a-user")).get("/admin/tenants").then().statusCode(403)
                .contentType("application/problem+json");
        String slug = Tenants.uniqueSlug("nope");
        given().auth().oauth2(Tokens.user("just-a-user")).contentType(ContentType.JSON)
                .body(Tenants.body(slug, "x")).post("/admin/tenants").then().statusCode(403);
        assertEquals(0, Catalog.tenantRows(slug));
    }

    @Test
    void bothAuditLogsRefuseTheSameBadFiltersTheSameWay() {
        var t = Tenants.create("audit-filters");
        String longAction = "a".repeat(101);
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("action", longAction).get("/admin/audit-log")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_action"));
        given().auth().oauth2(Members.ownerToken(t)).queryParam("action", longAction)
                .get("/api/tenants/" + t.slug() + "/audit-log")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_action"));
        for (String path : new String[] { "/admin/audit-log", "/api/tenants/" + t.slug() + "/audit-log" }) {
            String token = path.startsWith("/admin") ? Tokens.platformAdmin() : Members.ownerToken(t);
            given().auth().oauth2(token).queryParam("size", "0").get(path).then().statusCode(400)
                    .body("code", equalTo("invalid_size"));
            given().auth().oauth2(token).queryParam("cursor", "nonsense").get(path).then().statusCode(400)
                    .body("code", equalTo("invalid_cursor"));
        }
    }
}
