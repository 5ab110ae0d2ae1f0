package dev.keyhub.domains;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Domains;
import dev.keyhub.support.Members;
import dev.keyhub.support.PublishedTxtRecords;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import static io.restassured.RestAssured.given;

/**
 * Tenants reached by host (<slug>.tenants.test, the test profile's base domain, and verified custom domains), domain
 * verification through DNS TXT records (the tests' own resolver), and joining by the domain of a verified email.
 */
@QuarkusTest
class DomainsTest {

    private static String domains(Tenants.Created t) {
        return "/api/tenants/" + t.slug() + "/domains";
    }

    private static String uniqueDomain() {
        return Domains.unique();
    }

    private static RequestSpecification owner(Tenants.Created t) {
        return given().auth().oauth2(Members.ownerToken(t));
    }

    private static String verified(Tenants.Created t, String autoJoinRole) {
        return Domains.verified(t, autoJoinRole);
    }

    @Test
    void aDomainIsVerifiedByItsTxtRecordAndThenReachesTheTenant() {
        var t = Tenants.create("dom");
        String domain = uniqueDomain();
        var added = owner(t).contentType(ContentType.JSON).body(Map.of("domain", domain.toUpperCase() + "."))
                .post(domains(t)).then().statusCode(201).header("Location", org.hamcrest.Matchers.endsWith("/api/tenants/" + t.slug() + "/domains/" + domain))
                .body("domain", equalTo(domain)).body("verified", equalTo(false))
                .body("txtName", equalTo("_keyhub-challenge." + domain))
                .body("txtValue", startsWith("keyhub-verification=")).extract();
        // Not verified yet: the host names no tenant, so 'current' needs a claim.
        owner(t).header("Host", domain).get("/api/tenants/current/me").then().statusCode(400)
                .body("code", equalTo("no_tenant_claim"));
        // No record, a wrong record: 422, nothing changes. DNS down: 503.
        owner(t).post(domains(t) + "/" + domain + "/verify").then().statusCode(422)
                .contentType("application/problem+json").body("code", equalTo("domain_not_verified"));
        PublishedTxtRecords.publish(added.path("txtName"), "keyhub-verification=someone-elses");
        owner(t).post(domains(t) + "/" + domain + "/verify").then().statusCode(422);
        PublishedTxtRecords.failing(added.path("txtName"));
        owner(t).post(domains(t) + "/" + domain + "/verify").then().statusCode(503).body("code", equalTo("dns_unavailable"));
        owner(t).get(domains(t)).then().statusCode(200).body("verified", contains(false));

        PublishedTxtRecords.publish(added.path("txtName"), (String) added.path("txtValue"));
        owner(t).post(domains(t) + "/" + domain + "/verify").then().statusCode(200).body("verified", equalTo(true));
        owner(t).header("Host", domain + ":443").get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(t.slug()));

        // Removed: the host reaches nothing again.
        owner(t).delete(domains(t) + "/" + domain).then().statusCode(204);
        owner(t).header("Host", domain).get("/api/tenants/current/me").then().statusCode(400);
        owner(t).get(domains(t)).then().body("", empty());
        owner(t).queryParam("action", "domain.verified").get("/api/tenants/" + t.slug() + "/audit-log").then()
                .statusCode(200).body("items.resourceId", contains(domain));
    }

    @Test
    void aHostUnderTheBaseDomainNamesTheTenantAndRefusesAnyOther() {
        var a = Tenants.create("host-a");
        var b = Tenants.create("host-b");
        String aHost = a.slug() + ".tenants.test";
        owner(a).header("Host", aHost).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(a.slug()));
        owner(a).header("Host", aHost).get("/api/tenants/" + a.slug() + "/me").then().statusCode(200);
        // B's path, B's owner, or a token claiming B, on A's host: refused.
        owner(b).header("Host", aHost).get("/api/tenants/" + b.slug() + "/me").then().statusCode(403)
                .body("code", equalTo("tenant_mismatch"));
        owner(b).header("Host", aHost).get("/api/tenants/current/me").then().statusCode(403);
        given().auth().oauth2(Tokens.userOf(b.ownerSubject(), b.slug())).header("Host", aHost)
                .get("/api/tenants/current/me").then().statusCode(403).body("code", equalTo("tenant_mismatch"));
        // A join code of B redeemed on A's host: refused, nothing used.
        String code = Members.code(b, "member", 1);
        given().auth().oauth2(Tokens.withEmail("hostjoin-" + b.slug())).header("Host", aHost).contentType(ContentType.JSON)
                .body(Map.of("code", code)).post("/api/join").then().statusCode(403).body("code", equalTo("tenant_mismatch"));
        Members.join(code, "hostjoin");
        // A host under the base domain that is no tenant's.
        owner(a).header("Host", "no-such-tenant-x.tenants.test").get("/api/tenants/current/me").then().statusCode(404);
        owner(a).header("Host", "tenants.test").get("/api/tenants/" + a.slug() + "/me").then().statusCode(200);
    }

    @Test
    void aVerifiedDomainCannotBeTakenOver() {
        var a = Tenants.create("own-a");
        var b = Tenants.create("own-b");
        String domain = verified(a, null);
        owner(b).contentType(ContentType.JSON).body(Map.of("domain", domain)).post(domains(b)).then().statusCode(409)
                .body("code", equalTo("domain_taken"));
        // Two claims, one verification: the second is refused even with its own record published.
        String contested = uniqueDomain();
        var ca = owner(a).contentType(ContentType.JSON).body(Map.of("domain", contested)).post(domains(a)).then()
                .statusCode(201).extract();
        var cb = owner(b).contentType(ContentType.JSON).body(Map.of("domain", contested)).post(domains(b)).then()
                .statusCode(201).extract();
        PublishedTxtRecords.publish(ca.path("txtName"), (String) ca.path("txtValue"), (String) cb.path("txtValue"));
        owner(a).post(domains(a) + "/" + contested + "/verify").then().statusCode(200);
        owner(b).post(domains(b) + "/" + contested + "/verify").then().statusCode(409).body("code", equalTo("domain_taken"));
        owner(b).header("Host", contested).get("/api/tenants/current/me").then().statusCode(403);
        assertOne(contested);
    }

    private static void assertOne(String domain) {
        org.junit.jupiter.api.Assertions.assertEquals(1L, (Long) Catalog.query("keyhub",
                "SELECT count(*) FROM tenant_domains WHERE domain = ? AND verified_at IS NOT NULL", domain).get(0).get(0));
    }

    @Test
    void badInputIsAProblemAndOnlyAdminsManageDomains() {
        var t = Tenants.create("dom-bad");
        for (String bad : new String[] { "", "localhost", "-x.example.com", "a..b.com", "x.tenants.test", "tenants.test",
                "exa mple.com", "1.2.3.4" }) {
            owner(t).contentType(ContentType.JSON).body(Map.of("domain", bad)).post(domains(t)).then().statusCode(400)
                    .contentType("application/problem+json");
        }
        owner(t).contentType(ContentType.JSON).body(Map.of("domain", uniqueDomain(), "autoJoinRole", "admin"))
                .post(domains(t)).then().statusCode(400).body("code", equalTo("invalid_role"));
        String domain = uniqueDomain();
        owner(t).contentType(ContentType.JSON).body(Map.of("domain", domain)).post(domains(t)).then().statusCode(201);
        owner(t).contentType(ContentType.JSON).body(Map.of("domain", domain)).post(domains(t)).then().statusCode(409)
                .body("code", equalTo("domain_exists"));
        var member = Members.add(t, "member");
        given().auth().oauth2(member.token()).get(domains(t)).then().statusCode(403);
        given().auth().oauth2(member.token()).delete(domains(t) + "/" + domain).then().statusCode(403);
        owner(t).post(domains(t) + "/other.example.org/verify").then().statusCode(404).body("code", equalTo("domain_not_found"));
        owner(t).get(domains(t)).then().body("domain", contains(domain));
    }

    @Test
    void peopleWithAVerifiedEmailAtAnOpenDomainAreOfferedTheTenantAndJoinIt() {
        var t = Tenants.create("autojoin");
        var closed = Tenants.create("autojoin-closed");
        String domain = verified(t, "viewer");
        verified(closed, null);
        String subject = "alice-" + UUID.randomUUID().toString().substring(0, 6);
        String alice = Tokens.claims(subject).claim("email", subject + "@" + domain).claim("email_verified", true).sign();

        given().auth().oauth2(alice).get("/api/me/tenants").then().statusCode(200)
                .body("tenants", empty())
                .body("offered.slug", contains(t.slug())).body("offered[0].role", equalTo("viewer"));
        // The same email, not verified by the identity provider: nothing offered, no joining.
        String unverified = Tokens.claims(subject + "-u").claim("email", subject + "-u@" + domain).sign();
        given().auth().oauth2(unverified).get("/api/me/tenants").then().body("offered", empty());
        given().auth().oauth2(unverified).contentType(ContentType.JSON).body(Map.of("tenant", t.slug())).post("/api/join")
                .then().statusCode(400).body("code", equalTo("verified_email_required"));
        // A tenant not open to the domain.
        given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("tenant", closed.slug())).post("/api/join")
                .then().statusCode(403).body("code", equalTo("not_offered"));

        given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("tenant", t.slug())).post("/api/join")
                .then().statusCode(200).body("tenantSlug", equalTo(t.slug())).body("role", equalTo("viewer"));
        given().auth().oauth2(alice).get("/api/me/tenants").then().body("tenants.slug", contains(t.slug()))
                .body("offered", empty());
        given().auth().oauth2(alice).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200).body("role", equalTo("viewer"));
        given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("tenant", t.slug())).post("/api/join")
                .then().statusCode(409).body("code", equalTo("already_member"));

        // Auto-join turned off: no longer offered to others.
        owner(t).contentType(ContentType.JSON).body("{\"autoJoinRole\":null}").patch(domains(t) + "/" + domain).then()
                .statusCode(200).body("autoJoinRole", equalTo(null));
        String bob = Tokens.claims("bob-" + subject).claim("email", "bob@" + domain).claim("email_verified", true).sign();
        given().auth().oauth2(bob).get("/api/me/tenants").then().body("offered", empty());
        given().auth().oauth2(bob).contentType(ContentType.JSON).body(Map.of("tenant", t.slug())).post("/api/join")
                .then().statusCode(403);
        given().auth().oauth2(bob).contentType(ContentType.JSON).body("{}").post("/api/join").then().statusCode(400)
                .body("code", equalTo("join_target_required"));
    }
}
