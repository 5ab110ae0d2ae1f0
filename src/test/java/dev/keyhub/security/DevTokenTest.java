package dev.keyhub.security;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.equalTo;

import static io.restassured.RestAssured.given;

@QuarkusTest
class DevTokenTest {

    @Test
    void mintedTokensWorkAgainstTheApi() {
        String admin = given().queryParam("sub", "ops").queryParam("roles", "platform-admin").get("/dev/token")
                .then().statusCode(200).extract().asString();
        given().auth().oauth2(admin).get("/admin/tenants").then().statusCode(200);

        var tenant = Tenants.create("devtok");
        String owner = given().queryParam("sub", tenant.ownerSubject()).queryParam("tenant", tenant.slug())
                .get("/dev/token").then().statusCode(200).extract().asString();
        given().auth().oauth2(owner).get("/api/tenants/current/me").then().statusCode(200)
                .body("role", equalTo("admin"));

        given().get("/dev/token").then().statusCode(400).body("code", equalTo("invalid_subject"));
    }
}
