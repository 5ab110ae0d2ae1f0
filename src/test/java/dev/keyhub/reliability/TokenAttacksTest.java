package dev.keyhub.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

import dev.keyhub.reliability.Probe.Sent;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * Tokens that must not authenticate, on a tenant route and an admin route: each gets 401 with a problem
 * document. Runs with an audience configured ({@code mp.jwt.verify.audiences}), so that a token for another
 * API is among them.
 */
@QuarkusTest
@TestProfile(TokenAttacksTest.WithAudience.class)
class TokenAttacksTest {

    static final String AUDIENCE = "keyhub-api";

    public static class WithAudience implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.audiences", AUDIENCE);
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void forgedExpiredMisdirectedAndGarbageTokensAre401() throws Exception {
        long started = System.nanoTime();
        String admin = claims("platform-admin-1", "platform-admin").sign();
        var a = create(admin, "tok-a");
        var b = create(admin, "tok-b");
        String tenantPath = "/api/tenants/" + a.slug() + "/me";
        String adminPath = "/admin/tenants";

        // The genuine tokens work, so every 401 below is the attack's doing.
        UnaryOperator<JwtClaimsBuilder> owner = c -> c.claim("tenant", a.slug());
        given().auth().oauth2(owner.apply(claims(a.ownerSubject())).sign()).get(tenantPath).then().statusCode(200);
        given().auth().oauth2(admin).get(adminPath).then().statusCode(200);

        Probe probe = new Probe(root.toString());
        List<String> cases = new ArrayList<>();
        attack(probe, cases, "tenant", tenantPath, attacks(a.ownerSubject(), List.of(), Map.of("tenant", a.slug()),
                payload -> payload.replace("\"" + a.slug() + "\"", "\"" + b.slug() + "\"")));
        attack(probe, cases, "admin", adminPath, attacks("platform-admin-1", List.of("platform-admin"), Map.of(),
                payload -> payload.replace("platform-admin-1", b.ownerSubject())));
        // A user token whose roles were edited to make it a platform admin.
        String user = claims(a.ownerSubject()).sign();
        cases.add("admin role added to a user token");
        expect401(probe, probe.send("admin: role added to a user token", "GET", adminPath,
                tamper(user, p -> p.replace("\"roles\":[]", "\"roles\":[\"platform-admin\"]"))));

        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("token attacks: %d cases, %d requests in %d ms; statuses %s%n", cases.size(), probe.sent(),
                millis, probe.summary());
        probe.failures().forEach(f -> System.out.println("  FINDING: " + f));
        Report.write("tokens", probe.failures(), cases);
        assertTrue(probe.failures().isEmpty(), String.join("\n", probe.failures()));
        assertEquals(probe.sent(), probe.statuses().getOrDefault(401, 0), "every attack is a 401");
    }

    /** Tokens for the given identity that must all be refused, by label. */
    private Map<String, String> attacks(String subject, List<String> roles, Map<String, String> extra,
            UnaryOperator<String> retarget) throws GeneralSecurityException, IOException {
        String[] roleArray = roles.toArray(String[]::new);
        UnaryOperator<JwtClaimsBuilder> with = c -> {
            extra.forEach(c::claim);
            return c;
        };
        String valid = with.apply(claims(subject, roleArray)).sign();
        long now = Instant.now().getEpochSecond();
        Map<String, String> out = new LinkedHashMap<>();
        out.put("alg none, no signature", unsigned(valid, "none", ""));
        out.put("alg none, original signature kept", unsigned(valid, "none", valid.split("\\.")[2]));
        out.put("alg NONE", unsigned(valid, "NONE", ""));
        byte[] pem = resource("test-keys/publicKey.pem");
        out.put("HS256 keyed with the public key PEM", with.apply(claims(subject, roleArray)).jws()
                .algorithm(SignatureAlgorithm.HS256).sign(new SecretKeySpec(pem, "HmacSHA256")));
        out.put("HS256 keyed with the public key DER", hmac(valid, derOf(pem)));
        out.put("expired an hour ago", with.apply(Jwt.issuer(Tokens.ISSUER).subject(subject).audience(AUDIENCE)
                .claim("realm_access", Map.of("roles", roles)).issuedAt(now - 7200).expiresAt(now - 3600)).sign());
        out.put("not valid for another hour (nbf)", with.apply(claims(subject, roleArray)).claim("nbf", now + 3600).sign());
        out.put("issued by another issuer", with.apply(claims(subject, roleArray)).issuer("https://evil.example/realms/keyhub")
                .sign());
        out.put("for another audience", with.apply(claims(subject, roleArray)).audience("other-api").sign());
        out.put("with no audience", with.apply(Jwt.issuer(Tokens.ISSUER).subject(subject)
                .claim("realm_access", Map.of("roles", roles)).expiresIn(600)).sign());
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        out.put("valid, but signed by another realm's key", with.apply(claims(subject, roleArray))
                .sign(generator.generateKeyPair().getPrivate()));
        out.put("tampered: payload names another tenant or subject", tamper(valid, retarget));
        out.put("tampered: subject changed", tamper(valid, p -> p.replace("\"sub\":\"" + subject + "\"",
                "\"sub\":\"someone-else\"")));
        out.put("tampered: expiry pushed out", tamper(valid, p -> p.replaceFirst("\"exp\":\\d+", "\"exp\":" + (now + 86_400 * 365))));
        out.put("header only", valid.split("\\.")[0]);
        out.put("signature stripped", valid.substring(0, valid.lastIndexOf('.') + 1));
        out.put("garbage", "garbage");
        out.put("three dots of nothing", "a.b.c");
        out.put("base64 noise", b64("{\"alg\":\"RS256\"}") + "." + b64("not json") + "." + b64("sig"));
        out.put("8K of noise", "x".repeat(8000));
        out.put("session-shaped forgery", "khs_" + UUID.randomUUID().toString().replace("-", "") + "_" + "A".repeat(43));
        return out;
    }

    private void attack(Probe probe, List<String> cases, String route, String path, Map<String, String> tokens) {
        tokens.forEach((label, token) -> {
            cases.add(route + ": " + label);
            expect401(probe, probe.send(route + ": " + label, "GET", path, token));
        });
        // An empty bearer, a bare scheme and another scheme, written exactly as given.
        for (String header : List.of("Authorization: Bearer ", "Authorization: Bearer", "Authorization: ",
                "Authorization: Basic " + b64("admin:admin"), "Authorization: Bearer  \t ")) {
            cases.add(route + ": '" + header + "'");
            expect401(probe, probe.sendRaw(route + ": '" + header + "'", "GET", path, null, List.of(header), null, 0));
        }
    }

    private static void expect401(Probe probe, Sent r) {
        if (r.status() != 401 || !r.body().contains("\"code\":\"unauthenticated\"")) {
            probe.fail(r.label() + " → " + r.status() + ", expected 401 unauthenticated: " + Probe.abbreviate(r.body()));
        }
    }

    private static JwtClaimsBuilder claims(String subject, String... roles) {
        return Tokens.claims(subject, roles).audience(AUDIENCE);
    }

    private static Tenants.Created create(String admin, String prefix) {
        String slug = Tenants.uniqueSlug(prefix);
        String owner = "owner-" + slug;
        var r = given().auth().oauth2(admin).contentType(ContentType.JSON).body(Tenants.body(slug, owner))
                .post("/admin/tenants");
        r.then().statusCode(201);
        return new Tenants.Created(r.path("id"), slug, owner, r.path("databaseName"));
    }

    /** The token with its header replaced by one naming {@code alg}, and the given signature. */
    private static String unsigned(String token, String alg, String signature) {
        return b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + token.split("\\.")[1] + "." + signature;
    }

    /** The token's claims re-signed with HMAC-SHA256 under {@code secret}. */
    private static String hmac(String token, byte[] secret) throws GeneralSecurityException {
        String signingInput = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + token.split("\\.")[1];
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return signingInput + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The token with its payload edited and its original signature kept. */
    static String tamper(String token, UnaryOperator<String> edit) {
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String edited = edit.apply(payload);
        if (edited.equals(payload)) {
            throw new IllegalStateException("the edit changed nothing in " + payload);
        }
        return parts[0] + "." + b64(edited) + "." + parts[2];
    }

    private static byte[] derOf(byte[] pem) throws GeneralSecurityException {
        String base64 = new String(pem, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der)); // it is the real key
        return der;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
