package dev.keyhub.security;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import static io.restassured.RestAssured.given;

@QuarkusTest
class DevTokenAndKeyGuardTest {

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

    @Test
    void prodRefusesTheDevKey() {
        assertThrows(IllegalStateException.class, () -> DevKeyGuard.check(LaunchMode.NORMAL,
                Optional.of("dev-keys/publicKey.pem"), Optional.empty()));
        assertThrows(IllegalStateException.class, () -> DevKeyGuard.check(LaunchMode.NORMAL,
                Optional.of("classpath:dev-keys/publicKey.pem"), Optional.empty()));
        assertDoesNotThrow(() -> DevKeyGuard.check(LaunchMode.NORMAL,
                Optional.of("https://sso.example/realms/keyhub/protocol/openid-connect/certs"), Optional.empty()));
        assertDoesNotThrow(() -> DevKeyGuard.check(LaunchMode.DEVELOPMENT,
                Optional.of("dev-keys/publicKey.pem"), Optional.empty()));
    }
}
