package dev.keyhub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import static dev.keyhub.support.ServerSql.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.PackagedKeyHub;
import dev.keyhub.support.ServerSql;

/**
 * The packaged application killed with SIGKILL between the two writes of a membership change: after the tenant's
 * database committed a join and a leave, before the catalog's member index followed them. The kill is timed by a
 * lock, not by a clock: the test holds the index's lock of the tenant, so both changes stop right before the index
 * is written, and are killed there. "My tenants" never lists the tenant to the person who left, and after a restart
 * the recovery sweep brings the index to what the tenant's database says.
 */
class MemberIndexKillIT {

    private static final Path TARGET = Path.of("target");
    private static final Path LOG = TARGET.resolve("member-index-kill-app.log");
    private final ObjectMapper json = new ObjectMapper();
    private EmbeddedPostgres catalog;
    private PackagedKeyHub app;

    @Test
    void theIndexConvergesAfterAKillBetweenTheTwoWrites() throws Exception {
        catalog = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), "member-index-kill", true);
        catalog.createDatabase("keyhub");
        ServerSql sql = new ServerSql(catalog);
        app = new PackagedKeyHub(LOG, catalog, Map.of("KEYHUB_TENANCY_MEMBER_INDEX_STALE_AFTER", "1s"), List.of("-Xmx384m"));
        try {
            app.start();
            PackagedKeyHub.Tenant created = app.createTenant("index-kill");
            String slug = created.slug();
            String tenant = created.id();
            String database = created.databaseName();
            String owner = created.owner();
            String leaver = PackagedKeyHub.token("leaver-" + slug, Map.of("email", "leaver@example.com"));
            String joiner = PackagedKeyHub.token("joiner-" + slug, Map.of("email", "joiner@example.com"));
            join(owner, leaver, slug);
            assertEquals(List.of(slug), slugs(leaver));
            String code = newCode(owner, slug);

            try (Connection hold = sql.connect("keyhub"); Statement st = hold.createStatement()) {
                st.execute("SELECT pg_advisory_lock(hashtextextended('member_index:" + tenant + "', 0))");
                CompletableFuture<PackagedKeyHub.Answer> joining = app.send("POST", "/api/join", joiner,
                        "{\"code\":\"" + code + "\"}", Duration.ofSeconds(60));
                CompletableFuture<PackagedKeyHub.Answer> leaving = app.send("DELETE",
                        "/api/tenants/" + slug + "/me/membership", leaver, null, Duration.ofSeconds(60));
                // Both changes are committed in the tenant's database and wait to write the index.
                await(() -> "2".equals(sql.single("keyhub", "SELECT count(*) FROM pg_stat_activity "
                        + "WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'")), "both changes wait for the index");
                assertEquals("1", sql.single(database, "SELECT count(*) FROM user_identities i JOIN memberships m "
                        + "ON m.user_id = i.user_id AND m.left_at IS NULL WHERE i.provider_sub = 'joiner-" + slug + "'"));
                assertEquals("1", sql.single(database, "SELECT count(*) FROM user_identities i JOIN memberships m "
                        + "ON m.user_id = i.user_id AND m.left_at IS NOT NULL WHERE i.provider_sub = 'leaver-" + slug + "'"));
                app.kill();
                assertNotEquals(200, joining.join().status(), "the killed join did not answer");
                assertNotEquals(204, leaving.join().status(), "the killed leave did not answer");
            }

            // What the crash left: the index lacks the joiner and still holds the leaver, each with a pending row.
            assertEquals("0", sql.single("keyhub", "SELECT count(*) FROM member_index WHERE subject = 'joiner-" + slug + "'"));
            assertEquals("1", sql.single("keyhub", "SELECT count(*) FROM member_index WHERE subject = 'leaver-" + slug + "'"));
            assertEquals("2", sql.single("keyhub", "SELECT count(*) FROM member_index_pending WHERE tenant_id = '" + tenant + "'"));

            app.start();
            // The leaver is never offered the tenant again, not even before the sweep has run.
            assertEquals(List.of(), slugs(leaver));
            await(() -> "0".equals(sql.single("keyhub", "SELECT count(*) FROM member_index_pending WHERE tenant_id = '"
                    + tenant + "'")), "the sweep brings the index up to date");
            assertEquals(List.of(slug), slugs(joiner));
            assertEquals(List.of(), slugs(leaver));
            assertEquals(List.of(slug), slugs(owner));
            assertEquals("0", sql.single("keyhub", "SELECT count(*) FROM member_index WHERE subject = 'leaver-" + slug + "'"));
        } catch (AssertionError | Exception e) {
            PackagedKeyHub.printTail(LOG);
            throw e;
        }
    }

    private String newCode(String owner, String slug) throws Exception {
        PackagedKeyHub.Answer code = app.call("POST", "/api/tenants/" + slug + "/join-codes", owner,
                "{\"role\":\"member\",\"maxUses\":1}");
        assertEquals(201, code.status(), code.body());
        return json.readTree(code.body()).path("code").asText();
    }

    /** Brings a person in with a fresh one-use code. */
    private void join(String owner, String person, String slug) throws Exception {
        PackagedKeyHub.Answer joined = app.call("POST", "/api/join", person, "{\"code\":\"" + newCode(owner, slug) + "\"}");
        assertEquals(200, joined.status(), joined.body());
    }

    private List<String> slugs(String token) throws Exception {
        PackagedKeyHub.Answer mine = app.call("GET", "/api/me/tenants", token, null);
        assertEquals(200, mine.status(), mine.body());
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode t : json.readTree(mine.body()).path("tenants")) {
            out.add(t.path("slug").asText());
        }
        return out;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (app != null) {
            app.stop();
        }
        if (catalog != null) {
            catalog.stop();
        }
    }
}
