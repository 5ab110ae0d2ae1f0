package dev.keyhub.provisioning;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Jobs;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

/**
 * Archives of one tenant and restores from them, against the real test PostgreSQL: a round trip gives back every
 * table with the same rows (counts and checksums compared, table by table, with what the database held when it was
 * archived); a damaged archive or another tenant's is refused with a problem and changes nothing; an archive of an
 * older product release is brought up to the current one; a restore whose replica died is finished by the sweep.
 */
@QuarkusTest
class TenantBackupsTest {

    static final Path LOCATION = Path.of("target", "test-backups");

    @Inject
    ProvisioningRecovery recovery;

    private static String admin(Tenants.Created t) {
        return "/admin/tenants/" + t.id();
    }

    /** Every table's row count and order-independent checksum, as the archive's manifest computes them. */
    static Map<String, String> contents(String database) {
        Map<String, String> result = new TreeMap<>();
        for (List<Object> table : Catalog.query(database, """
                SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
                AND NOT relispartition AND relname NOT LIKE 'databasechangelog%'""")) {
            String name = (String) table.get(0);
            List<Object> row = Catalog.query(database, "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY "
                    + "md5(t::text)), '')) FROM \"" + name + "\" t").get(0);
            result.put(name, row.get(0) + " " + row.get(1));
        }
        return result;
    }

    private static String export(Tenants.Created t) {
        return given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/backups").then().statusCode(201)
                .body("tenantId", equalTo(t.id())).body("format", equalTo(1)).extract().path("name");
    }

    private static io.restassured.response.ValidatableResponse restore(Tenants.Created t, String archive) {
        return given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("archive", archive))
                .post(admin(t) + "/restore").then();
    }

    @Test
    void aRoundTripGivesBackEveryRowAndNothingElse() {
        var t = Tenants.create("backup");
        var member = Members.add(t, "member");
        String groups = "/api/tenants/" + t.slug() + "/groups";
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "Before"))
                .post(groups).then().statusCode(201);
        Map<String, String> archived = contents(t.databaseName());

        String name = export(t);
        var manifest = given().auth().oauth2(Tokens.platformAdmin()).get(admin(t) + "/backups").then().statusCode(200)
                .body("name", hasItem(name)).extract().jsonPath();
        assertEquals("1.1.0", manifest.getString("find { it.name == '" + name + "' }.keyhubVersion"));
        assertTrue(Files.isRegularFile(LOCATION.resolve(t.id()).resolve(name)));

        // Changes after the archive: a group added, the member removed.
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "After"))
                .post(groups).then().statusCode(201);
        given().auth().oauth2(Members.ownerToken(t)).delete("/api/tenants/" + t.slug() + "/users/" + member.userId())
                .then().statusCode(204);
        assertNotEquals(archived, contents(t.databaseName()));

        restore(t, name).statusCode(200).body("tenant.id", equalTo(t.id())).body("archive.name", equalTo(name));
        assertEquals(archived, contents(t.databaseName()), "every table as it was archived");
        given().auth().oauth2(Members.ownerToken(t)).get(groups).then().statusCode(200).body("name", equalTo(List.of("Before")));
        given().auth().oauth2(member.token()).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        // Writable again, and nothing left beside it on the server.
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "Later"))
                .post(groups).then().statusCode(201);
        assertEquals(List.of(), Catalog.query("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'kh\\_r\\_%' "
                + "OR datname LIKE 'kh\\_o\\_%'"));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/audit-log?tenant=" + t.id()).then()
                .body("items.action", hasItem("tenant.restored")).body("items.action", hasItem("tenant.exported"));
    }

    @Test
    void aDamagedArchiveOrAnotherTenantsIsRefusedAndChangesNothing() throws Exception {
        var a = Tenants.create("backup-a");
        var b = Tenants.create("backup-b");
        String archiveOfA = export(a);
        String archiveOfB = export(b);
        Path dirA = LOCATION.resolve(a.id());
        Path dirB = LOCATION.resolve(b.id());
        given().auth().oauth2(Members.ownerToken(b)).contentType(ContentType.JSON).body(Map.of("name", "B only"))
                .post("/api/tenants/" + b.slug() + "/groups").then().statusCode(201);
        Map<String, String> before = contents(b.databaseName());

        // A's archive put among B's: refused, B unchanged.
        Files.copy(dirA.resolve(archiveOfA), dirB.resolve("20990101T000000Z-0000000a.zip"));
        restore(b, "20990101T000000Z-0000000a.zip").statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("archive_other_tenant"));

        // B's own archive, with one byte of a table's data changed (a valid ZIP whose data no longer matches): refused.
        byte[] bytes = Files.readAllBytes(dirB.resolve(archiveOfB));
        Files.write(dirB.resolve("20990101T000000Z-0000000b.zip"), withOneByteChanged(bytes));
        restore(b, "20990101T000000Z-0000000b.zip").statusCode(400).body("code", equalTo("archive_corrupt"))
                .body("detail", containsString("does not match its checksum"));
        // Bytes flipped in the middle of the file: refused.
        byte[] flipped = bytes.clone();
        for (int i = bytes.length / 3; i < bytes.length / 3 + 16; i++) {
            flipped[i] ^= 0x5a;
        }
        Files.write(dirB.resolve("20990101T000000Z-0000000f.zip"), flipped);
        restore(b, "20990101T000000Z-0000000f.zip").statusCode(400).body("code", equalTo("archive_corrupt"));
        // Cut short: refused.
        Files.write(dirB.resolve("20990101T000000Z-0000000c.zip"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        restore(b, "20990101T000000Z-0000000c.zip").statusCode(400).body("code", equalTo("archive_corrupt"));
        // Not a ZIP at all, a name outside the pattern, no such archive.
        Files.writeString(dirB.resolve("20990101T000000Z-0000000d.zip"), "not an archive");
        restore(b, "20990101T000000Z-0000000d.zip").statusCode(400).body("code", equalTo("archive_corrupt"));
        restore(b, "../" + a.id() + "/" + archiveOfA).statusCode(400).body("code", equalTo("invalid_archive_name"));
        restore(b, "20990101T000000Z-0000000e.zip").statusCode(404).body("code", equalTo("archive_not_found"));

        assertEquals(before, contents(b.databaseName()), "B unchanged");
        given().auth().oauth2(Members.ownerToken(b)).contentType(ContentType.JSON).body(Map.of("name", "still writable"))
                .post("/api/tenants/" + b.slug() + "/groups").then().statusCode(201);
        // Another tenant's token reaches neither route.
        given().auth().oauth2(Members.ownerToken(a)).post(admin(b) + "/backups").then().statusCode(403);
        given().auth().oauth2(Members.ownerToken(a)).get(admin(b) + "/backups").then().statusCode(403);
    }

    @Test
    void anArchiveOfAnOlderProductReleaseIsBroughtUpToTheCurrentOne() {
        var t = Tenants.create("backup-old");
        var member = Members.add(t, "member");
        String projects = "/api/tenants/" + t.slug() + "/projects";
        String project = given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("name", "Old"))
                .post(projects).then().statusCode(201).extract().path("id");
        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("title", "Kept"))
                .post(projects + "/" + project + "/tasks").then().statusCode(201);
        Map<String, String> archived = contents(t.databaseName());
        String name = export(t);
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t) + "/backups").then()
                .body("find { it.name == '" + name + "' }.productVersion", equalTo("product-1.0"));
        try {
            Jobs.run(Map.of("changelog", "product", "target", "product-1.1", "tenants", Map.of("ids", List.of(t.id()))))
                    .body("state", equalTo("SUCCEEDED"));
            given().auth().oauth2(member.token()).delete(projects + "/" + project).then().statusCode(403);
            given().auth().oauth2(Members.ownerToken(t)).delete(projects + "/" + project).then().statusCode(204);

            restore(t, name).statusCode(200).body("tenant.productVersion", equalTo("product-1.1"));
            given().auth().oauth2(member.token()).get(projects + "/" + project + "/tasks").then().statusCode(200)
                    .body("items.title", equalTo(List.of("Kept"))).body("items[0].done", equalTo(false));
            Map<String, String> now = contents(t.databaseName());
            for (var e : archived.entrySet()) {
                if (!e.getKey().equals("tasks")) {
                    assertEquals(e.getValue(), now.get(e.getKey()), e.getKey());
                }
            }
            assertEquals(archived.get("tasks").split(" ")[0], now.get("tasks").split(" ")[0], "tasks: the same rows, with the new column");
        } finally {
            Jobs.run(Map.of("changelog", "product", "target", "product-1.0", "direction", "rollback"))
                    .body("state", equalTo("SUCCEEDED"));
        }
    }

    @Test
    void anArchiveBecomesANewTenantAndTheOriginalIsUntouched() throws Exception {
        var t = Tenants.create("backup-src");
        String owner = Members.ownerToken(t);
        String groups = "/api/tenants/" + t.slug() + "/groups";
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "Original")).post(groups).then().statusCode(201);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", "member", "maxUses", 5))
                .post("/api/tenants/" + t.slug() + "/join-codes").then().statusCode(201);
        String archive = export(t);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "Later")).post(groups).then().statusCode(201);
        Map<String, String> original = contents(t.databaseName());

        // A damaged archive: refused before anything is created.
        Path dir = LOCATION.resolve(t.id());
        Files.writeString(dir.resolve("20990101T000000Z-000000aa.zip"), "damaged");
        String slug = Tenants.uniqueSlug("backup-copy");
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("archive", "20990101T000000Z-000000aa.zip", "slug", slug, "name", "Copy"))
                .post(admin(t) + "/restore-as-new").then().statusCode(400).body("code", equalTo("archive_corrupt"));
        assertEquals(List.of(List.of(0L)), Catalog.query("keyhub", "SELECT count(*) FROM tenants WHERE slug = ?", slug));

        var created = given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("archive", archive, "slug", slug, "name", "Copy"))
                .post(admin(t) + "/restore-as-new").then().statusCode(201).body("tenant.slug", equalTo(slug))
                .body("archive.name", equalTo(archive)).extract();
        String copyDatabase = created.path("tenant.databaseName");
        assertNotEquals(t.databaseName(), copyDatabase);
        // The copy has the archive's data, under its own slug; its members are the archive's.
        given().auth().oauth2(owner).get("/api/tenants/" + slug + "/groups").then().statusCode(200)
                .body("name", equalTo(List.of("Original")));
        // No sessions, and no join code that works, come with it: they were the original's.
        assertEquals(List.of(List.of(0L)), Catalog.query(copyDatabase, "SELECT count(*) FROM sessions"));
        assertEquals(List.of(List.of(0L)), Catalog.query(copyDatabase, "SELECT count(*) FROM join_codes WHERE revoked_at IS NULL"));
        // The original is untouched, and another tenant's owner reaches neither.
        assertEquals(original, contents(t.databaseName()));
        var other = Tenants.create("backup-other");
        given().auth().oauth2(Members.ownerToken(other)).get("/api/tenants/" + slug + "/groups").then().statusCode(403);
        // A slug that is taken: refused.
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("archive", archive, "slug", slug, "name", "Again"))
                .post(admin(t) + "/restore-as-new").then().statusCode(409).body("code", equalTo("slug_taken"));
    }

    @Test
    void aMigrationJobArchivesEachTenantFirstAndARolledBackReleaseIsRestoredFromIt() {
        var t = Tenants.create("backup-job");
        var member = Members.add(t, "member");
        String projects = "/api/tenants/" + t.slug() + "/projects";
        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("name", "Before the job"))
                .post(projects).then().statusCode(201);
        Map<String, String> before = contents(t.databaseName());
        String archive;
        try {
            String job = Jobs.start(Map.of("changelog", "product", "target", "product-1.1", "backup", true,
                    "tenants", Map.of("ids", List.of(t.id()))));
            Jobs.await(job, Jobs.DONE).body("state", equalTo("SUCCEEDED")).body("backup", equalTo(true));
            archive = given().auth().oauth2(Tokens.platformAdmin()).get("/admin/migrations/" + job)
                    .then().statusCode(200).extract()
                    .path("tasks.find { it.phase == 'apply' && it.tenantId == '" + t.id() + "' }.backupArchive");
            assertTrue(archive != null && archive.endsWith(".zip"), "the task names its archive: " + archive);
            given().auth().oauth2(Tokens.platformAdmin()).get(admin(t) + "/backups").then()
                    .body("find { it.name == '" + archive + "' }.productVersion", equalTo("product-1.0"));
            // The release in use: the tenant's data changes.
            given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("name", "After the job"))
                    .post(projects).then().statusCode(201);
        } finally {
            Jobs.run(Map.of("changelog", "product", "target", "product-1.0", "direction", "rollback"))
                    .body("state", equalTo("SUCCEEDED"));
        }
        // The release was rolled back; the tenant goes back to what it was before the job, from the job's archive.
        restore(t, archive).statusCode(200).body("tenant.productVersion", equalTo("product-1.0"));
        assertEquals(before, contents(t.databaseName()));
        given().auth().oauth2(member.token()).get(projects).then().statusCode(200)
                .body("items.name", equalTo(List.of("Before the job")));
    }

    @Test
    void aRestoreWhoseReplicaDiedIsFinishedByTheSweep() {
        var t = Tenants.create("backup-died");
        Map<String, String> before = contents(t.databaseName());
        String hex = t.databaseName().substring(5);
        String into = "kh_r_" + hex + "_dead01";
        // What a replica killed mid-restore leaves: the tenant frozen, the new database half-built, no heartbeat.
        Catalog.execute("postgres", "CREATE DATABASE \"" + into + "\" TEMPLATE keyhub_template");
        Catalog.query("keyhub", "UPDATE tenants SET frozen_for = 'RESTORE', restoring_into = ?, "
                + "restore_heartbeat = now() - interval '1 hour' WHERE id = ?::uuid RETURNING id", into, t.id());
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "x"))
                .post("/api/tenants/" + t.slug() + "/groups").then().statusCode(503).body("code", equalTo("tenant_restoring"));

        recovery.sweep();
        assertFalse(Catalog.databaseExists(into), "the half-built database is dropped");
        assertEquals(before, contents(t.databaseName()));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "x"))
                .post("/api/tenants/" + t.slug() + "/groups").then().statusCode(201);
    }

    /** The same archive, rewritten with one byte of the first non-empty table stream changed. */
    private static byte[] withOneByteChanged(byte[] archive) throws java.io.IOException {
        var out = new java.io.ByteArrayOutputStream();
        boolean changed = false;
        try (var in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(archive));
                var zip = new java.util.zip.ZipOutputStream(out)) {
            java.util.zip.ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                byte[] data = in.readAllBytes();
                if (!changed && entry.getName().startsWith("data/") && data.length > 40) {
                    data[data.length / 2] ^= 0x01;
                    changed = true;
                }
                zip.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
                zip.write(data);
                zip.closeEntry();
            }
        }
        assertTrue(changed, "a table stream to change");
        return out.toByteArray();
    }
}
