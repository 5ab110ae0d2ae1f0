package dev.keyhub.tenancy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.equalTo;

import static io.restassured.RestAssured.given;

/**
 * Memberships are cached per replica: a role changed behind KeyHub's back is not seen while the entry
 * lives, a write through KeyHub in the tenant drops the tenant's entries at once, a refusal is never cached,
 * and an entry of one tenant never answers for another. The entries live ten minutes here, so that only an
 * invalidation can explain a change.
 */
@QuarkusTest
@TestProfile(MembershipCacheTest.LongLived.class)
class MembershipCacheTest {

    public static class LongLived implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.cache.caffeine.\"members\".expire-after-write", "10M");
        }
    }

    private static void auditLog(Tenants.Created t, String token, int status) {
        given().auth().oauth2(token).get("/api/tenants/" + t.slug() + "/audit-log").then().statusCode(status);
    }

    @Test
    void aCachedMembershipLastsUntilATenantWriteAndAnswersForItsOwnTenantOnly() {
        var acme = Tenants.create("cache-a");
        var globex = Tenants.create("cache-b");
        var bob = Members.add(acme, "member");
        auditLog(acme, bob.token(), 403);
        given().auth().oauth2(Members.ownerToken(acme)).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .patch("/api/tenants/" + acme.slug() + "/users/" + bob.userId()).then().statusCode(200);
        auditLog(acme, bob.token(), 200);

        // Demoted directly in the database: this replica still trusts its cached admin membership.
        Catalog.execute(acme.databaseName(), "UPDATE memberships SET role = 'viewer' WHERE user_id = '" + bob.userId() + "'");
        auditLog(acme, bob.token(), 200);

        // Any committed write in the tenant through KeyHub drops the tenant's cached memberships.
        given().auth().oauth2(Members.ownerToken(acme)).contentType(ContentType.JSON).body(Map.of("name", "Owner A"))
                .patch("/api/tenants/" + acme.slug() + "/me").then().statusCode(200);
        given().auth().oauth2(bob.token()).get("/api/tenants/" + acme.slug() + "/audit-log").then().statusCode(403)
                .body("code", equalTo("insufficient_role"));

        // Bob's entry for acme says nothing about globex; the refusal there is not cached, so joining lets him in.
        given().auth().oauth2(bob.token()).get("/api/tenants/" + globex.slug() + "/users").then().statusCode(403)
                .body("code", equalTo("not_a_member"));
        String code = Members.code(globex, "member", 1);
        given().auth().oauth2(bob.token()).contentType(ContentType.JSON).body(Map.of("code", code)).post("/api/join")
                .then().statusCode(200);
        given().auth().oauth2(bob.token()).get("/api/tenants/" + globex.slug() + "/users").then().statusCode(200);
        String bobInGlobex = given().auth().oauth2(bob.token()).get("/api/tenants/" + globex.slug() + "/me").then()
                .statusCode(200).body("role", equalTo("member")).extract().path("id");

        // A change made through KeyHub is seen by the next request: the owner removes bob from globex.
        given().auth().oauth2(Members.ownerToken(globex)).delete("/api/tenants/" + globex.slug() + "/users/" + bobInGlobex)
                .then().statusCode(204);
        given().auth().oauth2(bob.token()).get("/api/tenants/" + globex.slug() + "/users").then().statusCode(403)
                .body("code", equalTo("not_a_member"));

        // GET /me reads the membership itself: it shows what the database holds, cache or not.
        Catalog.execute(acme.databaseName(), "UPDATE users SET name = 'Renamed behind KeyHub' WHERE id = '" + bob.userId() + "'");
        auditLog(acme, bob.token(), 403);
        given().auth().oauth2(bob.token()).get("/api/tenants/" + acme.slug() + "/me").then().statusCode(200)
                .body("name", equalTo("Renamed behind KeyHub"));
    }
}
