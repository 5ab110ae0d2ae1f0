package dev.keyhub.support;

import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;

/** Creates uniquely named tenants through the admin API. */
public final class Tenants {

    private Tenants() {
    }

    public record Created(String id, String slug, String ownerSubject, String databaseName) {
    }

    public static String uniqueSlug(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static Map<String, Object> body(String slug, String ownerSubject) {
        return Map.of("slug", slug, "name", "Tenant " + slug, "type", "team",
                "owner", Map.of("subject", ownerSubject, "email", ownerSubject + "@example.com", "name", "Owner"));
    }

    public static Response post(Object body) {
        return given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(body)
                .post("/admin/tenants");
    }

    public static Created create(String prefix) {
        String slug = uniqueSlug(prefix);
        String owner = "owner-" + slug;
        Response r = post(body(slug, owner));
        r.then().statusCode(201);
        return new Created(r.path("id"), slug, owner, r.path("databaseName"));
    }
}
