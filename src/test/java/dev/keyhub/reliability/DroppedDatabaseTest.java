package dev.keyhub.reliability;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * A tenant's database is dropped behind KeyHub's back while its pool holds open connections: every route of
 * that tenant, the tenant API and the admin views alike, answers a problem document rather than a 500, the
 * health view names it, and other tenants are served as before.
 */
@QuarkusTest
class DroppedDatabaseTest {

    @Test
    void aTenantWhoseDatabaseVanishedGetsClearProblemsAndOthersAreServed() {
        Tenants.Created victim = Tenants.create("vanishing");
        Tenants.Created other = Tenants.create("unaffected");
        String code = Members.code(victim, "member", 5);
        String owner = Members.ownerToken(victim);
        String path = "/api/tenants/" + victim.slug();
        // Its pool is open and holds connections when the database goes.
        given().auth().oauth2(owner).get(path + "/me").then().statusCode(200);
        given().auth().oauth2(owner).get(path + "/users").then().statusCode(200);

        Catalog.execute("postgres",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + victim.databaseName() + "'",
                "DROP DATABASE \"" + victim.databaseName() + "\" WITH (FORCE)");
        assertTrue(!Catalog.databaseExists(victim.databaseName()));

        // Twice each: the first may meet a connection the pool still holds, the second opens a new one.
        for (int round = 0; round < 2; round++) {
            missing(given().auth().oauth2(owner).get(path + "/me"));
            missing(given().auth().oauth2(owner).get(path + "/users"));
            missing(given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "x"))
                    .patch(path + "/me"));
            missing(given().auth().oauth2(owner).contentType(ContentType.JSON)
                    .body(Map.of("role", "member", "maxUses", 1)).post(path + "/join-codes"));
            missing(given().auth().oauth2(owner).post(path + "/sessions"));
            missing(given().auth().oauth2(Tokens.withEmail("joiner-" + round + "-" + victim.slug()))
                    .contentType(ContentType.JSON).body(Map.of("code", code)).post("/api/join"));
            missing(given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + victim.id() + "/stats"));
            missing(given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + victim.id() + "/schema"));
        }

        var health = given().auth().oauth2(Tokens.platformAdmin()).get("/admin/health/tenants").then().statusCode(200)
                .extract();
        assertEquals(false, health.path("tenants.find { it.slug == '" + victim.slug() + "' }.reachable"));
        assertEquals("database_missing", health.path("tenants.find { it.slug == '" + victim.slug() + "' }.error"));
        assertEquals(true, health.path("tenants.find { it.slug == '" + other.slug() + "' }.reachable"));

        String otherOwner = Members.ownerToken(other);
        given().auth().oauth2(otherOwner).get("/api/tenants/" + other.slug() + "/me").then().statusCode(200);
        given().auth().oauth2(otherOwner).contentType(ContentType.JSON).body(Map.of("name", "Still here"))
                .patch("/api/tenants/" + other.slug() + "/me").then().statusCode(200);
        Members.add(other, "member");

        // An operator can still remove the broken tenant.
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", true).delete("/admin/tenants/" + victim.id())
                .then().statusCode(204);
        given().auth().oauth2(owner).get(path + "/me").then().statusCode(410);
    }

    private static void missing(Response response) {
        response.then().statusCode(503).contentType("application/problem+json")
                .body("code", equalTo("tenant_database_missing"));
    }
}
