package dev.keyhub.tenancy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.provisioning.ProvisioningRecovery;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static io.restassured.RestAssured.given;

/**
 * "My tenants": the catalog's member index follows every way a membership begins, changes and ends, lists nothing of
 * a tenant the caller is not in, and converges again after a change whose last step was lost.
 */
@QuarkusTest
class MemberIndexTest {

    @Inject
    MemberIndex index;

    @Inject
    ProvisioningRecovery recovery;

    private static List<String> slugsOf(String token) {
        return given().auth().oauth2(token).get("/api/me/tenants").then().statusCode(200)
                .contentType(ContentType.JSON).extract().path("tenants.slug");
    }

    private static String admin(Tenants.Created t) {
        return "/admin/tenants/" + t.id();
    }

    @Test
    void anOwnerSeesTheNewTenantAsAdminWithoutATenantClaim() {
        var t = Tenants.create("mine");
        given().auth().oauth2(Members.ownerToken(t)).get("/api/me/tenants").then().statusCode(200)
                .body("tenants.slug", contains(t.slug()))
                .body("tenants[0].id", equalTo(t.id()))
                .body("tenants[0].name", equalTo("Tenant " + t.slug()))
                .body("tenants[0].role", equalTo("admin"))
                .body("tenants[0].status", equalTo("ACTIVE"));
    }

    @Test
    void withoutCredentialsThereIsNoList() {
        given().get("/api/me/tenants").then().statusCode(401);
    }

    @Test
    void aPersonInSeveralTenantsSeesEachWithItsRoleAndNothingElse() {
        var a = Tenants.create("many-a");
        var b = Tenants.create("many-b");
        var c = Tenants.create("many-c");
        var joined = Members.join(Members.code(a, "member", 1), "many");
        String token = joined.token();
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("code", Members.code(b, "viewer", 1)))
                .post("/api/join").then().statusCode(200);

        given().auth().oauth2(token).get("/api/me/tenants").then().statusCode(200)
                .body("tenants.size()", equalTo(2))
                .body("tenants.find { it.slug == '" + a.slug() + "' }.role", equalTo("member"))
                .body("tenants.find { it.slug == '" + b.slug() + "' }.role", equalTo("viewer"))
                .body("tenants.slug", not(hasItem(c.slug())));
        // A token that claims one tenant still lists the person's tenants: the list is about the person.
        given().auth().oauth2(Tokens.claims(joined.subject()).claim("tenant", a.slug()).sign())
                .get("/api/me/tenants").then().statusCode(200).body("tenants.size()", equalTo(2));
        // The owners see only their own tenant; a stranger sees none.
        assertEquals(List.of(c.slug()), slugsOf(Members.ownerToken(c)));
        assertEquals(List.of(), slugsOf(Tokens.user("stranger-" + a.slug())));
        // The same subject from another issuer is another person.
        String forged = io.smallrye.jwt.build.Jwt.issuer("https://elsewhere.example").subject(joined.subject())
                .expiresIn(600).sign();
        given().auth().oauth2(forged).get("/api/me/tenants").then().statusCode(401);
    }

    @Test
    void roleChangesLeavingAndRemovalAreFollowed() {
        var t = Tenants.create("follow");
        var m = Members.add(t, "member");
        var gone = Members.add(t, "viewer");
        String owner = Members.ownerToken(t);

        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .patch("/api/tenants/" + t.slug() + "/users/" + m.userId()).then().statusCode(200);
        given().auth().oauth2(m.token()).get("/api/me/tenants").then().body("tenants[0].role", equalTo("admin"));

        given().auth().oauth2(m.token()).delete("/api/tenants/" + t.slug() + "/me/membership").then().statusCode(204);
        assertEquals(List.of(), slugsOf(m.token()));

        given().auth().oauth2(owner).delete("/api/tenants/" + t.slug() + "/users/" + gone.userId()).then().statusCode(204);
        assertEquals(List.of(), slugsOf(gone.token()));

        // A removal that is refused (the last admin) changes nothing, in the tenant or in the list.
        String ownerId = given().auth().oauth2(owner).get("/api/tenants/" + t.slug() + "/me").then().extract().path("id");
        given().auth().oauth2(owner).delete("/api/tenants/" + t.slug() + "/users/" + ownerId).then().statusCode(409);
        given().auth().oauth2(owner).get("/api/me/tenants").then().body("tenants.slug", contains(t.slug()))
                .body("tenants[0].role", equalTo("admin"));
        assertEquals(0L, pending(t));

        // Rejoining with a new code brings the tenant back.
        given().auth().oauth2(m.token()).contentType(ContentType.JSON).body(Map.of("code", Members.code(t, "viewer", 1)))
                .post("/api/join").then().statusCode(200);
        given().auth().oauth2(m.token()).get("/api/me/tenants").then().body("tenants.slug", contains(t.slug()))
                .body("tenants[0].role", equalTo("viewer"));
    }

    @Test
    void suspensionShowsDeletionHidesAndUndeleteBringsBack() {
        var t = Tenants.create("status");
        String owner = Members.ownerToken(t);
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/suspend").then().statusCode(200);
        given().auth().oauth2(owner).get("/api/me/tenants").then().body("tenants[0].status", equalTo("SUSPENDED"));
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/resume").then().statusCode(200);

        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t)).then().statusCode(204);
        assertEquals(List.of(), slugsOf(owner));
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/undelete").then().statusCode(200);
        assertEquals(List.of(t.slug()), slugsOf(owner));

        // Purged for good: its rows leave the index at the next sweep.
        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t) + "?purge=true").then().statusCode(204);
        recovery.sweep();
        assertEquals(0L, (Long) Catalog.query("keyhub", "SELECT count(*) FROM member_index WHERE tenant_id = ?::uuid",
                t.id()).get(0).get(0));
    }

    @Test
    void aCloneListsTheMembersItWasCopiedWith() {
        var source = Tenants.create("clone-src");
        var m = Members.add(source, "member");
        String slug = Tenants.uniqueSlug("clone-dst");
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Copy")).post(admin(source) + "/clone").then().statusCode(201);
        given().auth().oauth2(m.token()).get("/api/me/tenants").then()
                .body("tenants.slug", org.hamcrest.Matchers.containsInAnyOrder(source.slug(), slug));
    }

    @Test
    void aLostLastStepIsMadeGoodByTheSweepAndHidesALeaverMeanwhile() {
        var t = Tenants.create("lost");
        var m = Members.add(t, "member");
        var leaving = Members.add(t, "member");

        // A crash after the tenant committed a join and before the index followed: the row is missing and the pending
        // row stays behind. A crash during a removal: the pending row names the leaver, who is hidden at once.
        Catalog.query("keyhub", "DELETE FROM member_index WHERE tenant_id = ?::uuid AND subject = ? RETURNING 1", t.id(),
                m.subject());
        Catalog.query("keyhub", "INSERT INTO member_index_pending (id, tenant_id, created_at) "
                + "VALUES (gen_random_uuid(), ?::uuid, now() - interval '1 hour') RETURNING 1", t.id());
        Catalog.query("keyhub", "INSERT INTO member_index_pending (id, tenant_id, user_id, created_at) "
                + "VALUES (gen_random_uuid(), ?::uuid, ?::uuid, now() - interval '1 hour') RETURNING 1", t.id(),
                leaving.userId());
        given().auth().oauth2(leaving.token()).delete("/api/tenants/" + t.slug() + "/me/membership").then().statusCode(204);
        Catalog.query("keyhub", "INSERT INTO member_index (issuer, subject, tenant_id, user_id, role) "
                + "VALUES (?, ?, ?::uuid, ?::uuid, 'member') ON CONFLICT DO NOTHING RETURNING 1", Tokens.ISSUER,
                leaving.subject(), t.id(), leaving.userId());
        assertEquals(List.of(), slugsOf(m.token()));
        assertEquals(List.of(), slugsOf(leaving.token()), "a pending removal hides the leaver");

        // The scheduled sweep may get there first; either way the tenant is copied again.
        index.reconcile(Duration.ofMinutes(1)).await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of(t.slug()), slugsOf(m.token()));
        assertEquals(List.of(), slugsOf(leaving.token()));
        assertEquals(0L, pending(t));
    }

    @Test
    void aChangeInFlightIsNotTakenForALostOne() {
        var t = Tenants.create("inflight");
        Catalog.query("keyhub", "INSERT INTO member_index_pending (id, tenant_id) VALUES (gen_random_uuid(), ?::uuid) "
                + "RETURNING 1", t.id());
        index.reconcile(Duration.ofMinutes(1)).await().atMost(Duration.ofSeconds(30));
        assertEquals(1L, pending(t), "a fresh pending row belongs to a change still running");
        Catalog.query("keyhub", "DELETE FROM member_index_pending WHERE tenant_id = ?::uuid RETURNING 1", t.id());
        assertEquals(List.of(t.slug()), slugsOf(Members.ownerToken(t)));
    }

    private static long pending(Tenants.Created t) {
        return (Long) Catalog.query("keyhub", "SELECT count(*) FROM member_index_pending WHERE tenant_id = ?::uuid", t.id())
                .get(0).get(0);
    }
}
