package dev.keyhub.tenancy;

import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;

import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;

import static io.restassured.RestAssured.given;

/** Every request is served from exactly one tenant, and only to its members. */
@QuarkusTest
class TenantResolutionTest {

    @Test
    void ownerSeesThemselfAsAdmin() {
        var tenant = Tenants.create("me");
        given().auth().oauth2(Tokens.user(tenant.ownerSubject())).get("/api/tenants/" + tenant.slug() + "/me")
                .then().statusCode(200)
                .body("email", equalTo(tenant.ownerSubject() + "@example.com"))
                .body("role", equalTo("admin"))
                .body("tenant.slug", equalTo(tenant.slug()))
                .body("tenant.id", equalTo(tenant.id()));
    }

    @Test
    void currentMeansTheTenantOfTheTokenClaim() {
        var tenant = Tenants.create("cur");
        given().auth().oauth2(Tokens.userOf(tenant.ownerSubject(), tenant.slug())).get("/api/tenants/current/me")
                .then().statusCode(200).body("tenant.slug", equalTo(tenant.slug()));
        // The claim may name the tenant by id as well.
        given().auth().oauth2(Tokens.userOf(tenant.ownerSubject(), tenant.id())).get("/api/tenants/current/me")
                .then().statusCode(200).body("tenant.id", equalTo(tenant.id()));
        given().auth().oauth2(Tokens.user(tenant.ownerSubject())).get("/api/tenants/current/me")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("no_tenant_claim"));
    }

    @Test
    void tokenOfTenantACannotBeUsedOnTenantB() {
        var a = Tenants.create("iso-a");
        var b = Tenants.create("iso-b");
        // A's owner, with A's claim, on B's path: refused before B's database is touched.
        given().auth().oauth2(Tokens.userOf(a.ownerSubject(), a.slug())).get("/api/tenants/" + b.slug() + "/me")
                .then().statusCode(403).contentType("application/problem+json").body("code", equalTo("tenant_mismatch"));
        given().auth().oauth2(Tokens.userOf(a.ownerSubject(), a.id())).get("/api/tenants/" + b.slug() + "/me")
                .then().statusCode(403).body("code", equalTo("tenant_mismatch"));
        // B's owner's subject exists only in B's database: B's owner is not a member of A.
        given().auth().oauth2(Tokens.user(b.ownerSubject())).get("/api/tenants/" + a.slug() + "/me")
                .then().statusCode(403).body("code", equalTo("not_a_member"));
        given().auth().oauth2(Tokens.user(a.ownerSubject())).get("/api/tenants/" + b.slug() + "/me")
                .then().statusCode(403).body("code", equalTo("not_a_member"));
        // Same subject from another issuer is another person.
        given().auth().oauth2(Tokens.user(a.ownerSubject())).get("/api/tenants/" + a.slug() + "/me")
                .then().statusCode(200);
    }

    @Test
    void unknownSuspendedOrDeletedTenants() {
        given().auth().oauth2(Tokens.user("someone")).get("/api/tenants/no-such-tenant-here/me")
                .then().statusCode(404).contentType("application/problem+json").body("code", equalTo("tenant_not_found"));
        given().auth().oauth2(Tokens.user("someone")).get("/api/tenants/NOT_A_SLUG/me")
                .then().statusCode(404).body("code", equalTo("tenant_not_found"));
        var gone = Tenants.create("gone");
        given().auth().oauth2(Tokens.platformAdmin()).delete("/admin/tenants/" + gone.id()).then().statusCode(204);
        given().auth().oauth2(Tokens.user(gone.ownerSubject())).get("/api/tenants/" + gone.slug() + "/me")
                .then().statusCode(410).body("code", equalTo("tenant_deleted"));
    }

    @Test
    void badTokensAre401() throws Exception {
        var tenant = Tenants.create("tok");
        String path = "/api/tenants/" + tenant.slug() + "/me";
        given().get(path).then().statusCode(401).contentType("application/problem+json")
                .body("code", equalTo("unauthenticated"));
        given().auth().oauth2("not.a.token").get(path).then().statusCode(401);

        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String otherKey = Jwt.issuer(Tokens.ISSUER).subject(tenant.ownerSubject())
                .claim("realm_access", Map.of("roles", List.of())).sign(generator.generateKeyPair().getPrivate());
        given().auth().oauth2(otherKey).get(path).then().statusCode(401);

        String expired = Tokens.claims(tenant.ownerSubject()).issuedAt(1_000_000L).expiresAt(1_000_060L).sign();
        given().auth().oauth2(expired).get(path).then().statusCode(401);

        String wrongIssuer = Jwt.issuer("https://evil.example/realms/keyhub").subject(tenant.ownerSubject()).sign();
        given().auth().oauth2(wrongIssuer).get(path).then().statusCode(401);

        given().auth().oauth2(Tokens.user(tenant.ownerSubject())).get(path).then().statusCode(200);
    }

    @Test
    void healthMetricsAndOpenApiArePublic() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }
}
