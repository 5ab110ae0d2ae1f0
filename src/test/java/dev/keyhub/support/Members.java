package dev.keyhub.support;

import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;

/** Brings people into tenants the way users do: an admin creates a join code, the person redeems it. */
public final class Members {

    private Members() {
    }

    public record Joined(String subject, String userId, String token) {
    }

    public static String code(Tenants.Created tenant, String role, int maxUses) {
        return given().auth().oauth2(Tokens.user(tenant.ownerSubject())).contentType(ContentType.JSON)
                .body(Map.of("role", role, "maxUses", maxUses))
                .post("/api/tenants/" + tenant.slug() + "/join-codes")
                .then().statusCode(201).extract().path("code");
    }

    public static Joined join(String code, String prefix) {
        String subject = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String token = Tokens.withEmail(subject);
        String userId = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("code", code))
                .post("/api/join").then().statusCode(200).extract().path("userId");
        return new Joined(subject, userId, token);
    }

    public static Joined add(Tenants.Created tenant, String role) {
        return join(code(tenant, role, 1), role);
    }

    public static String ownerToken(Tenants.Created tenant) {
        return Tokens.user(tenant.ownerSubject());
    }
}
