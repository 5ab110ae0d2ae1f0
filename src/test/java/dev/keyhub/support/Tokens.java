package dev.keyhub.support;

import java.util.List;
import java.util.Map;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/** Keycloak-shaped tokens signed with the test key pair (src/test/resources/test-keys). */
public final class Tokens {

    public static final String ISSUER = "https://keyhub.dev/test";

    private Tokens() {
    }

    public static JwtClaimsBuilder claims(String subject, String... roles) {
        return Jwt.issuer(ISSUER).subject(subject).claim("realm_access", Map.of("roles", List.of(roles)))
                .expiresIn(600);
    }

    public static String user(String subject) {
        return claims(subject).sign();
    }

    public static String userOf(String subject, String tenantClaim) {
        return claims(subject).claim("tenant", tenantClaim).sign();
    }

    /** A user with an email claim, as a new member needs when redeeming a join code. */
    public static String withEmail(String subject) {
        return claims(subject).claim("email", subject + "@example.com").sign();
    }

    public static String platformAdmin() {
        return claims("platform-admin-1", "platform-admin").sign();
    }
}
