package dev.keyhub.tenancy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;

import static io.restassured.RestAssured.given;

/** Keycloak Organizations' claim, read as the tenant claim when that is absent. */
@QuarkusTest
@TestProfile(OrganizationClaimTest.WithOrganizations.class)
class OrganizationClaimTest {

    public static class WithOrganizations implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.tenancy.organization-claim", "organization");
        }
    }

    @Test
    void aSingleOrganizationNamesTheTenantAndSeveralNameNone() {
        var acme = Tenants.create("orgclaim");
        var other = Tenants.create("orgclaim");
        String asList = Tokens.claims(acme.ownerSubject()).claim("organization", List.of(acme.slug())).sign();
        given().auth().oauth2(asList).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(acme.slug()));
        // Keycloak's shape with organization attributes: an object keyed by alias.
        String asObject = Tokens.claims(acme.ownerSubject())
                .claim("organization", Map.of(acme.slug(), Map.of("id", "x"))).sign();
        given().auth().oauth2(asObject).get("/api/tenants/current/me").then().statusCode(200);
        // It binds the token like the tenant claim does: not on another tenant's path.
        given().auth().oauth2(asList).get("/api/tenants/" + other.slug() + "/me").then().statusCode(403)
                .body("code", equalTo("tenant_mismatch"));

        String several = Tokens.claims(acme.ownerSubject()).claim("organization", List.of(acme.slug(), other.slug())).sign();
        given().auth().oauth2(several).get("/api/tenants/current/me").then().statusCode(400)
                .body("code", equalTo("no_tenant_claim"));
        given().auth().oauth2(several).get("/api/tenants/" + acme.slug() + "/me").then().statusCode(200);

        // The tenant claim, when present, wins.
        String both = Tokens.claims(acme.ownerSubject()).claim("tenant", acme.slug())
                .claim("organization", List.of(other.slug())).sign();
        given().auth().oauth2(both).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(acme.slug()));
    }
}
