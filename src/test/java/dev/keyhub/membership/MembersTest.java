package dev.keyhub.membership;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static io.restassured.RestAssured.given;

@QuarkusTest
class MembersTest {

    private static String users(Tenants.Created t) {
        return "/api/tenants/" + t.slug() + "/users";
    }

    private static String ownerId(Tenants.Created t) {
        return given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/me").path("id");
    }

    @Test
    void membersAreListedFilteredSearchedAndPaged() {
        var t = Tenants.create("members");
        var member = Members.add(t, "member");
        var viewer = Members.add(t, "viewer");

        given().auth().oauth2(viewer.token()).get(users(t)).then().statusCode(200)
                .body("items", hasSize(3)).body("nextCursor", nullValue());
        given().auth().oauth2(viewer.token()).queryParam("role", "viewer").get(users(t)).then().statusCode(200)
                .body("items.id", equalTo(java.util.List.of(viewer.userId())));
        given().auth().oauth2(viewer.token()).queryParam("q", member.subject()).get(users(t)).then().statusCode(200)
                .body("items.email", equalTo(java.util.List.of(member.subject() + "@example.com")));
        given().auth().oauth2(viewer.token()).queryParam("q", "%").get(users(t)).then().statusCode(200)
                .body("items", hasSize(0));

        String cursor = given().auth().oauth2(member.token()).queryParam("size", 2).get(users(t)).then().statusCode(200)
                .body("items", hasSize(2)).body("nextCursor", notNullValue()).extract().path("nextCursor");
        given().auth().oauth2(member.token()).queryParam("size", 2).queryParam("cursor", cursor).get(users(t))
                .then().statusCode(200).body("items", hasSize(1)).body("nextCursor", nullValue());

        given().auth().oauth2(member.token()).get(users(t) + "/" + member.userId()).then().statusCode(200)
                .body("role", equalTo("member"));
        given().auth().oauth2(member.token()).queryParam("role", "owner").get(users(t)).then().statusCode(400)
                .body("code", equalTo("invalid_role"));
        given().auth().oauth2(member.token()).queryParam("cursor", "garbage").get(users(t)).then().statusCode(400)
                .body("code", equalTo("invalid_cursor"));
        given().auth().oauth2(member.token()).queryParam("size", 1000).get(users(t)).then().statusCode(400);
        given().auth().oauth2(member.token()).get(users(t) + "/" + UUID.randomUUID()).then().statusCode(404)
                .body("code", equalTo("user_not_found"));
        given().auth().oauth2(member.token()).get(users(t) + "/not-a-uuid").then().statusCode(404);
    }

    @Test
    void onlyAdminsChangeRolesAndRemoveMembers() {
        var t = Tenants.create("roles");
        var member = Members.add(t, "member");
        var viewer = Members.add(t, "viewer");

        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .patch(users(t) + "/" + member.userId()).then().statusCode(403).body("code", equalTo("insufficient_role"));
        given().auth().oauth2(viewer.token()).delete(users(t) + "/" + member.userId()).then().statusCode(403);

        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("role", "viewer"))
                .patch(users(t) + "/" + member.userId()).then().statusCode(200).body("role", equalTo("viewer"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("role", "owner"))
                .patch(users(t) + "/" + member.userId()).then().statusCode(400).body("code", equalTo("malformed_json"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of())
                .patch(users(t) + "/" + member.userId()).then().statusCode(400).body("code", equalTo("validation_failed"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body("{\"role\":")
                .patch(users(t) + "/" + member.userId()).then().statusCode(400).body("code", equalTo("malformed_json"));
        assertEquals("viewer", Catalog.query(t.databaseName(),
                "SELECT role FROM memberships WHERE user_id = ?::uuid", member.userId()).get(0).get(0));

        // A removed member's sessions are revoked and they are no longer a member.
        Catalog.query(t.databaseName(), "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?::uuid, "
                + "now() + interval '1 day') RETURNING id", "h-" + UUID.randomUUID(), member.userId());
        given().auth().oauth2(Members.ownerToken(t)).delete(users(t) + "/" + member.userId()).then().statusCode(204);
        assertEquals(true, Catalog.query(t.databaseName(), "SELECT bool_and(revoked) FROM sessions WHERE user_id = ?::uuid",
                member.userId()).get(0).get(0));
        given().auth().oauth2(member.token()).get("/api/tenants/" + t.slug() + "/me").then().statusCode(403)
                .body("code", equalTo("not_a_member"));
        given().auth().oauth2(viewer.token()).get(users(t)).then().body("items.id", not(hasItem(member.userId())));
    }

    @Test
    void aTenantNeverEndsWithoutAnAdmin() {
        var t = Tenants.create("lastadmin");
        String owner = ownerId(t);
        String me = "/api/tenants/" + t.slug() + "/me";
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("role", "member"))
                .patch(users(t) + "/" + owner).then().statusCode(409).body("code", equalTo("last_admin"));
        given().auth().oauth2(Members.ownerToken(t)).delete(me + "/membership").then().statusCode(409)
                .body("code", equalTo("last_admin"));
        given().auth().oauth2(Members.ownerToken(t)).delete(users(t) + "/" + owner).then().statusCode(409);

        var second = Members.add(t, "member");
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .patch(users(t) + "/" + second.userId()).then().statusCode(200);
        given().auth().oauth2(Members.ownerToken(t)).delete(me + "/membership").then().statusCode(204);
        given().auth().oauth2(Members.ownerToken(t)).get(me).then().statusCode(403);
        given().auth().oauth2(second.token()).get(users(t)).then().statusCode(200)
                .body("items.role", everyItem(equalTo("admin"))).body("items", hasSize(1));
    }

    @Test
    void membersEditTheirOwnProfile() {
        var t = Tenants.create("profile");
        var viewer = Members.add(t, "viewer");
        String me = "/api/tenants/" + t.slug() + "/me";
        given().auth().oauth2(viewer.token()).contentType(ContentType.JSON)
                .body(Map.of("name", "Vera", "icon", "https://example.com/v.png")).patch(me)
                .then().statusCode(200).body("name", equalTo("Vera")).body("icon", equalTo("https://example.com/v.png"));
        given().auth().oauth2(viewer.token()).contentType(ContentType.JSON).body(Map.of("name", "x".repeat(201)))
                .patch(me).then().statusCode(400).body("errors.field", hasItem("name"));
        given().auth().oauth2(viewer.token()).get(me).then().body("name", equalTo("Vera"));
    }

    @Test
    void auditLogRecordsMembershipChangesForAdminsOnly() {
        var t = Tenants.create("audit");
        var member = Members.add(t, "member");
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("role", "viewer"))
                .patch(users(t) + "/" + member.userId()).then().statusCode(200);
        given().auth().oauth2(Members.ownerToken(t)).delete(users(t) + "/" + member.userId()).then().statusCode(204);
        String log = "/api/tenants/" + t.slug() + "/audit-log";
        given().auth().oauth2(Members.ownerToken(t)).get(log).then().statusCode(200)
                .body("items.action", equalTo(java.util.List.of("member.removed", "member.role_changed", "member.joined",
                        "join_code.created")))
                .body("items[1].details.to", equalTo("viewer"))
                .body("items[0].resourceId", equalTo(member.userId()));
        given().auth().oauth2(Members.ownerToken(t)).queryParam("action", "member.joined").get(log).then()
                .body("items", hasSize(1)).body("items[0].actor", equalTo(member.userId()));
        given().auth().oauth2(Members.ownerToken(t)).queryParam("from", "yesterday").get(log).then().statusCode(400);
        var viewer = Members.add(t, "viewer");
        given().auth().oauth2(viewer.token()).get(log).then().statusCode(403);
    }

    @Test
    void anotherTenantsMembersCannotBeSeenOrTouched() {
        var a = Tenants.create("mem-a");
        var b = Tenants.create("mem-b");
        var bMember = Members.add(b, "member");
        String aAdmin = Members.ownerToken(a);
        // B's user ids do not exist on A's path.
        given().auth().oauth2(aAdmin).get(users(a) + "/" + bMember.userId()).then().statusCode(404);
        given().auth().oauth2(aAdmin).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .patch(users(a) + "/" + bMember.userId()).then().statusCode(404);
        given().auth().oauth2(aAdmin).delete(users(a) + "/" + bMember.userId()).then().statusCode(404);
        given().auth().oauth2(aAdmin).delete(users(a) + "/" + bMember.userId() + "/sessions").then().statusCode(404);
        // A's admin on B's path is not a member there.
        given().auth().oauth2(aAdmin).get(users(b)).then().statusCode(403);
        given().auth().oauth2(aAdmin).delete(users(b) + "/" + bMember.userId()).then().statusCode(403);
        given().auth().oauth2(aAdmin).get("/api/tenants/" + b.slug() + "/audit-log").then().statusCode(403);
        given().auth().oauth2(aAdmin).get(users(a)).then().body("items.id", not(hasItem(bMember.userId())));
        given().auth().oauth2(bMember.token()).get("/api/tenants/" + b.slug() + "/me").then().statusCode(200)
                .body("role", equalTo("member"));
    }
}
