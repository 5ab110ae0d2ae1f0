package dev.keyhub.group;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import static io.restassured.RestAssured.given;

@QuarkusTest
class GroupsTest {

    private static String groups(Tenants.Created t) {
        return "/api/tenants/" + t.slug() + "/groups";
    }

    private static String create(Tenants.Created t, String name, String parent) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        if (parent != null) {
            body.put("parentGroupId", parent);
        }
        return given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(body).post(groups(t))
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void adminsBuildNestedGroupsMembersReadThem() {
        var t = Tenants.create("groups");
        var member = Members.add(t, "member");
        String eng = create(t, "Engineering", null);
        String backend = create(t, "Backend", eng);
        given().auth().oauth2(member.token()).get(groups(t)).then().statusCode(200).body("", hasSize(2));
        given().auth().oauth2(member.token()).queryParam("parent", eng).get(groups(t)).then()
                .body("id", equalTo(java.util.List.of(backend)));
        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("name", "Mine"))
                .post(groups(t)).then().statusCode(403).body("code", equalTo("insufficient_role"));

        // Membership of groups.
        given().auth().oauth2(Members.ownerToken(t)).put(groups(t) + "/" + backend + "/members/" + member.userId())
                .then().statusCode(204);
        given().auth().oauth2(Members.ownerToken(t)).put(groups(t) + "/" + backend + "/members/" + member.userId())
                .then().statusCode(204);
        given().auth().oauth2(member.token()).get(groups(t) + "/" + backend + "/members").then().statusCode(200)
                .body("id", equalTo(java.util.List.of(member.userId())));
        given().auth().oauth2(member.token()).get(groups(t) + "/" + backend).then().body("memberCount", equalTo(1));
        given().auth().oauth2(Members.ownerToken(t)).put(groups(t) + "/" + backend + "/members/" + UUID.randomUUID())
                .then().statusCode(404).body("code", equalTo("user_not_found"));
        given().auth().oauth2(Members.ownerToken(t)).delete(groups(t) + "/" + backend + "/members/" + member.userId())
                .then().statusCode(204);
        given().auth().oauth2(Members.ownerToken(t)).delete(groups(t) + "/" + backend + "/members/" + member.userId())
                .then().statusCode(404);

        // Moves: no cycles; null moves to the top.
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("parentGroupId", backend))
                .patch(groups(t) + "/" + eng).then().statusCode(409).body("code", equalTo("group_cycle"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("parentGroupId", eng))
                .patch(groups(t) + "/" + eng).then().statusCode(409);
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body("{\"parentGroupId\": null, \"name\": \"Platform\"}")
                .patch(groups(t) + "/" + backend).then().statusCode(200)
                .body("parentGroupId", nullValue()).body("name", equalTo("Platform"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", ""))
                .patch(groups(t) + "/" + backend).then().statusCode(400);
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "parentGroupId", UUID.randomUUID().toString())).post(groups(t))
                .then().statusCode(400).body("code", equalTo("parent_not_found"));
        // Only the canonical form is an id: a short form that UUID.fromString alone would take is refused.
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "parentGroupId", "1-2-3-4-5")).post(groups(t))
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "y".repeat(201)))
                .post(groups(t)).then().statusCode(400).body("errors.field", hasItem("name"));

        // Delete: not while it has subgroups.
        String child = create(t, "Child", eng);
        given().auth().oauth2(Members.ownerToken(t)).delete(groups(t) + "/" + eng).then().statusCode(409)
                .body("code", equalTo("group_has_children"));
        given().auth().oauth2(Members.ownerToken(t)).delete(groups(t) + "/" + child).then().statusCode(204);
        given().auth().oauth2(Members.ownerToken(t)).delete(groups(t) + "/" + eng).then().statusCode(204);
        given().auth().oauth2(member.token()).get(groups(t) + "/" + eng).then().statusCode(404);

        given().auth().oauth2(Members.ownerToken(t)).queryParam("action", "group.created")
                .get("/api/tenants/" + t.slug() + "/audit-log").then().body("items", hasSize(3));
    }

    @Test
    void anotherTenantsGroupsCannotBeSeenOrTouched() {
        var a = Tenants.create("grp-a");
        var b = Tenants.create("grp-b");
        String bGroup = create(b, "Secret", null);
        String aAdmin = Members.ownerToken(a);
        given().auth().oauth2(aAdmin).get(groups(a) + "/" + bGroup).then().statusCode(404);
        given().auth().oauth2(aAdmin).delete(groups(a) + "/" + bGroup).then().statusCode(404);
        given().auth().oauth2(aAdmin).contentType(ContentType.JSON).body(Map.of("name", "x", "parentGroupId", bGroup))
                .post(groups(a)).then().statusCode(400).body("code", equalTo("parent_not_found"));
        given().auth().oauth2(aAdmin).get(groups(b)).then().statusCode(403);
        given().auth().oauth2(aAdmin).delete(groups(b) + "/" + bGroup).then().statusCode(403);
        given().auth().oauth2(aAdmin).get(groups(a)).then().body("id", not(hasItem(bGroup)));
        given().auth().oauth2(Members.ownerToken(b)).get(groups(b) + "/" + bGroup).then().statusCode(200);
    }
}
