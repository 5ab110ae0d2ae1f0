package dev.keyhub.joincode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

@QuarkusTest
class JoinCodesTest {

    private static String codes(Tenants.Created t) {
        return "/api/tenants/" + t.slug() + "/join-codes";
    }

    private static io.restassured.response.Response redeem(String token, String code) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("code", code)).post("/api/join");
    }

    @Test
    void adminCreatesAndListsCodesWhoseSecretIsShownOnce() {
        var t = Tenants.create("codes");
        var response = given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON)
                .body(Map.of("role", "viewer", "maxUses", 3)).post(codes(t));
        response.then().statusCode(201)
                .body("code", matchesPattern("[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}"))
                .body("role", equalTo("viewer")).body("maxUses", equalTo(3)).body("state", equalTo("active"));
        String code = response.path("code");
        String id = response.path("id");
        // Only a hash is stored, in the tenant database and in the catalog index.
        assertEquals(0, Catalog.query(t.databaseName(), "SELECT 1 FROM join_codes WHERE code_hash = ?", code).size());
        assertEquals(1, Catalog.query("keyhub", "SELECT 1 FROM join_code_index WHERE tenant_id = ?::uuid", t.id()).size());

        given().auth().oauth2(Members.ownerToken(t)).get(codes(t)).then().statusCode(200)
                .body("items.id", hasItem(id)).body("items[0].code", nullValue());

        // Typed loosely: lower case, no hyphens, O for 0 — still the same code.
        String typed = code.replace("-", "").toLowerCase().replace('0', 'o');
        var joined = Members.join(typed, "loose");
        given().auth().oauth2(joined.token()).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200)
                .body("role", equalTo("viewer"));
    }

    @Test
    void badCodeRequestsAreRefused() {
        var t = Tenants.create("badcodes");
        var member = Members.add(t, "member");
        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of()).post(codes(t))
                .then().statusCode(403).body("code", equalTo("insufficient_role"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .post(codes(t)).then().statusCode(400).body("code", equalTo("invalid_role"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("role", "wizard"))
                .post(codes(t)).then().statusCode(400).body("code", equalTo("malformed_json"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("maxUses", -1))
                .post(codes(t)).then().statusCode(400).body("errors.field", hasItem("maxUses"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON)
                .body(Map.of("expiresAt", "2001-01-01T00:00:00Z")).post(codes(t)).then().statusCode(400)
                .body("code", equalTo("invalid_expiry"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON)
                .body(Map.of("expiresAt", "next tuesday")).post(codes(t)).then().statusCode(400);
        assertEquals(1L, Catalog.query(t.databaseName(), "SELECT count(*) FROM join_codes").get(0).get(0),
                "only the code that brought the member in; refused requests created none");
    }

    @Test
    void revokedExpiredAndUsedUpCodesGetClearAnswers() {
        var t = Tenants.create("states");
        String revoked = Members.code(t, "member", 0);
        String revokedId = given().auth().oauth2(Members.ownerToken(t)).get(codes(t)).path("items[0].id");
        given().auth().oauth2(Members.ownerToken(t)).delete(codes(t) + "/" + revokedId).then().statusCode(204);
        redeem(Tokens.withEmail("r-" + UUID.randomUUID()), revoked).then().statusCode(410)
                .contentType("application/problem+json").body("code", equalTo("join_code_revoked"));
        given().auth().oauth2(Members.ownerToken(t)).delete(codes(t) + "/" + UUID.randomUUID()).then().statusCode(404);

        String expired = Members.code(t, "member", 0);
        Catalog.query(t.databaseName(), "UPDATE join_codes SET expires_at = now() - interval '1 minute' "
                + "WHERE revoked_at IS NULL RETURNING id");
        redeem(Tokens.withEmail("e-" + UUID.randomUUID()), expired).then().statusCode(410)
                .body("code", equalTo("join_code_expired"));

        String once = Members.code(t, "member", 1);
        var first = Members.join(once, "first");
        redeem(Tokens.withEmail("s-" + UUID.randomUUID()), once).then().statusCode(410)
                .body("code", equalTo("join_code_used_up"));
        // Redeeming again as a member: a clear answer, no second membership, no use counted.
        String reusable = Members.code(t, "viewer", 0);
        redeem(first.token(), reusable).then().statusCode(409).body("code", equalTo("already_member"));
        assertEquals(0, Catalog.query(t.databaseName(),
                "SELECT used_count FROM join_codes WHERE role = 'viewer'").get(0).get(0));
        assertEquals(1L, Catalog.query(t.databaseName(),
                "SELECT count(*) FROM memberships WHERE user_id = ?::uuid", first.userId()).get(0).get(0));

        redeem(Tokens.withEmail("n-" + UUID.randomUUID()), "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ").then().statusCode(404)
                .body("code", equalTo("join_code_invalid"));
        given().auth().oauth2(Tokens.user("no-email-" + UUID.randomUUID())).contentType(ContentType.JSON)
                .body(Map.of("code", reusable)).post("/api/join").then().statusCode(400)
                .body("code", equalTo("email_required"));
        given().contentType(ContentType.JSON).body(Map.of("code", reusable)).post("/api/join").then().statusCode(401);
    }

    @Test
    void exactlyMaxUsesOfManySimultaneousRedemptionsSucceed() throws Exception {
        var t = Tenants.create("race");
        String code = Members.code(t, "member", 10);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            tokens.add(Tokens.withEmail("racer-" + i + "-" + UUID.randomUUID().toString().substring(0, 6)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (String token : tokens) {
            results.add(pool.submit(() -> {
                start.await();
                return redeem(token, code).statusCode();
            }));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> f : results) {
            statuses.add(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertEquals(10, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
        assertEquals(90, statuses.stream().filter(s -> s == 410).count(), statuses.toString());
        assertEquals(10, Catalog.query(t.databaseName(), "SELECT used_count FROM join_codes").get(0).get(0));
        assertEquals(11L, Catalog.query(t.databaseName(),
                "SELECT count(*) FROM memberships WHERE left_at IS NULL").get(0).get(0));
    }

    @Test
    void guessingCodesIsRateLimited() {
        String guesser = Tokens.withEmail("guesser-" + UUID.randomUUID());
        for (int i = 0; i < 5; i++) {
            redeem(guesser, "AAAAA-AAAAA-AAAAA-AAAA" + i).then().statusCode(404);
        }
        var limited = redeem(guesser, "AAAAA-AAAAA-AAAAA-AAAA9");
        limited.then().statusCode(429).contentType("application/problem+json")
                .body("code", equalTo("too_many_attempts")).header("Retry-After", notNullValue());
        assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1);
        // Even a valid code is refused while the caller is limited; another caller is not affected.
        var t = Tenants.create("limited");
        String valid = Members.code(t, "member", 0);
        redeem(guesser, valid).then().statusCode(429);
        redeem(Tokens.withEmail("honest-" + UUID.randomUUID()), valid).then().statusCode(200);
    }

    @Test
    void codesBelongToOneTenant() {
        var a = Tenants.create("code-a");
        var b = Tenants.create("code-b");
        String bCode = Members.code(b, "member", 0);
        String bCodeId = given().auth().oauth2(Members.ownerToken(b)).get(codes(b)).path("items[0].id");
        // A's admin cannot see, revoke or list B's codes, on either path.
        given().auth().oauth2(Members.ownerToken(a)).delete(codes(a) + "/" + bCodeId).then().statusCode(404);
        given().auth().oauth2(Members.ownerToken(a)).delete(codes(b) + "/" + bCodeId).then().statusCode(403);
        given().auth().oauth2(Members.ownerToken(a)).get(codes(b)).then().statusCode(403);
        given().auth().oauth2(Members.ownerToken(a)).get(codes(a)).then().body("items.id", not(hasItem(bCodeId)));
        // Redeeming B's code makes a member of B only.
        var joined = Members.join(bCode, "joiner");
        given().auth().oauth2(joined.token()).get("/api/tenants/" + b.slug() + "/me").then().statusCode(200);
        given().auth().oauth2(joined.token()).get("/api/tenants/" + a.slug() + "/me").then().statusCode(403);
        assertEquals(0, Catalog.query(a.databaseName(), "SELECT 1 FROM user_identities WHERE provider_sub = ?",
                joined.subject()).size());
        given().auth().oauth2(Members.ownerToken(b)).get(codes(b)).then().body("items[0].usedCount", equalTo(1));
    }
}
