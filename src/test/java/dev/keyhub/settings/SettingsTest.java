package dev.keyhub.settings;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import static io.restassured.RestAssured.given;

@QuarkusTest
class SettingsTest {

    private static String settings(Tenants.Created t) {
        return "/api/tenants/" + t.slug() + "/settings";
    }

    @Test
    void adminsKeepJsonSettings() {
        var t = Tenants.create("settings");
        String admin = Members.ownerToken(t);
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("value", Map.of("theme", "dark", "seats", 12))).put(settings(t) + "/ui.theme")
                .then().statusCode(200).body("key", equalTo("ui.theme")).body("value.seats", equalTo(12));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("value", List.of(1, 2)))
                .put(settings(t) + "/ui.theme").then().statusCode(200).body("value", equalTo(List.of(1, 2)));
        given().auth().oauth2(admin).get(settings(t) + "/ui.theme").then().statusCode(200).body("value", hasSize(2));
        given().auth().oauth2(admin).get(settings(t)).then().statusCode(200).body("", hasSize(1));

        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("value", 1))
                .put(settings(t) + "/Bad Key").then().statusCode(400).body("code", equalTo("invalid_key"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("other", 1))
                .put(settings(t) + "/k").then().statusCode(400);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of())
                .put(settings(t) + "/k").then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("validation_failed")).body("errors[0].field", equalTo("value"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("value", "x".repeat(70_000)))
                .put(settings(t) + "/k").then().statusCode(400).body("code", equalTo("value_too_large"));
        given().auth().oauth2(admin).get(settings(t) + "/k").then().statusCode(404).body("code", equalTo("setting_not_found"));

        var member = Members.add(t, "member");
        given().auth().oauth2(member.token()).get(settings(t)).then().statusCode(403);
        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("value", 1))
                .put(settings(t) + "/ui.theme").then().statusCode(403);

        given().auth().oauth2(admin).delete(settings(t) + "/ui.theme").then().statusCode(204);
        given().auth().oauth2(admin).delete(settings(t) + "/ui.theme").then().statusCode(404);
    }

    @Test
    void settingsBelongToOneTenant() {
        var a = Tenants.create("set-a");
        var b = Tenants.create("set-b");
        given().auth().oauth2(Members.ownerToken(b)).contentType(ContentType.JSON).body(Map.of("value", "b-only"))
                .put(settings(b) + "/secret").then().statusCode(200);
        given().auth().oauth2(Members.ownerToken(a)).get(settings(a) + "/secret").then().statusCode(404);
        given().auth().oauth2(Members.ownerToken(a)).get(settings(b) + "/secret").then().statusCode(403);
        given().auth().oauth2(Members.ownerToken(a)).delete(settings(b) + "/secret").then().statusCode(403);
        given().auth().oauth2(Members.ownerToken(b)).get(settings(b) + "/secret").then().body("value", equalTo("b-only"));
    }
}
