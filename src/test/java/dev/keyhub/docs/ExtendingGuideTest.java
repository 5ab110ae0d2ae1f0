package dev.keyhub.docs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.schema.HistoryTables;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Jobs;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * docs/EXTENDING.md, followed as written: its changelog and Java excerpts are the files they name, line for line;
 * the history table and settings it names are the real ones; and its migration request, sent as it stands,
 * rolls the release out to every tenant (then a rollback leaves the tenants as other test classes expect).
 */
@QuarkusTest
class ExtendingGuideTest {

    private static final Path GUIDE = Path.of("docs/EXTENDING.md");
    private static final Pattern BLOCK = Pattern.compile("```(\\w+)\\n(.*?)```", Pattern.DOTALL);

    private record Block(String language, List<String> lines) {
    }

    private static List<Block> blocks() throws Exception {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(GUIDE));
        while (m.find()) {
            blocks.add(new Block(m.group(1), List.of(m.group(2).split("\n"))));
        }
        return blocks;
    }

    private static Block block(String language) throws Exception {
        List<Block> found = blocks().stream().filter(b -> b.language().equals(language)).toList();
        assertEquals(1, found.size(), "one " + language + " block in the guide");
        return found.get(0);
    }

    /** The file's lines, trimmed. */
    private static Set<String> lines(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(String::strip).collect(Collectors.toSet());
    }

    /**
     * Each line of the excerpt, without its trailing comment, is a line of the file; a line cut short with "..."
     * begins one.
     */
    private static void excerptOf(Block block, Path file, String comment) throws Exception {
        Set<String> real = lines(file);
        for (String raw : block.lines()) {
            String line = (raw.contains(comment) ? raw.substring(0, raw.indexOf(comment)) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.contains("...")) {
                String start = line.substring(0, line.indexOf("...")).strip();
                assertTrue(real.stream().anyMatch(l -> l.startsWith(start)),
                        "docs/EXTENDING.md shows a line that " + file + " does not begin: " + start);
            } else {
                assertTrue(real.contains(line), "docs/EXTENDING.md shows a line that " + file + " does not have: " + line);
            }
        }
    }

    @Test
    void theChangelogExcerptIsTheProductChangelog() throws Exception {
        Block xml = block("xml");
        String first = xml.lines().get(0).strip();
        assertTrue(first.startsWith("<!-- ") && first.endsWith(" -->"), "the excerpt names its file: " + first);
        Path file = Path.of(first.substring(5, first.length() - 4));
        excerptOf(new Block("xml", xml.lines().subList(1, xml.lines().size())), file, "<!--");
    }

    @Test
    void theJavaExcerptIsTheExampleResource() throws Exception {
        excerptOf(block("java"), Path.of("src/main/java/dev/keyhub/example/projects/ProjectsResource.java"), "//");
    }

    @Test
    void theNamesItUsesAreTheRealOnes() throws Exception {
        String guide = Files.readString(GUIDE);
        assertTrue(guide.contains("`" + HistoryTables.PRODUCT.history() + "`"));
        assertTrue(guide.contains("`" + HistoryTables.KEYHUB.history() + "`"));
        String configuration = Files.readString(Path.of("docs/CONFIGURATION.md"));
        Matcher keys = Pattern.compile("`(keyhub\\.[a-z.-]+)`").matcher(guide);
        while (keys.find()) {
            assertTrue(configuration.contains("`" + keys.group(1) + "`"), keys.group(1) + " is a documented setting");
        }
    }

    @Test
    void theMigrationRequestRollsTheReleaseOutAsWritten() throws Exception {
        String curl = String.join("\n", block("bash").lines());
        Matcher body = Pattern.compile("-d '([^']*)'").matcher(curl);
        assertTrue(body.find(), "the guide's request has a body");
        Matcher path = Pattern.compile("localhost:8080(/admin/migrations)").matcher(curl);
        assertTrue(path.find());
        var tenant = Tenants.create("guide");
        assertFalse(Catalog.query(tenant.databaseName(), "SELECT 1 FROM information_schema.columns "
                + "WHERE table_name = 'tasks' AND column_name = 'done'").size() > 0, "a tenant below the release");

        assertEquals("/admin/migrations", path.group(1));
        Jobs.run(body.group(1)).body("state", equalTo("SUCCEEDED"));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + tenant.id()).then()
                .body("productVersion", equalTo("product-1.1"));

        Jobs.run("{\"changelog\": \"product\", \"target\": \"product-1.0\", \"direction\": \"rollback\"}")
                .body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void theServiceRequestGivesACredentialThatOpensTheTenantsDatabase() throws Exception {
        String sh = String.join("\n", block("sh").lines());
        Matcher body = Pattern.compile("-d '([^']*)'").matcher(sh);
        assertTrue(body.find(), "the guide's service request has a body");
        Matcher path = Pattern.compile("localhost:8080(/service/tenants/)\\$TENANT_ID(/database-credentials)").matcher(sh);
        assertTrue(path.find(), "the guide's service request names its route");
        assertTrue(sh.contains("grant_type=client_credentials") && sh.contains("client_id=keyhub-reports"));
        var tenant = Tenants.create("guide-service");
        String service = Tokens.claims("service-account-keyhub-reports", "tenant-database-client").sign();

        var issued = given().auth().oauth2(service).contentType("application/json").body(body.group(1))
                .post(path.group(1) + tenant.id() + path.group(2));
        issued.then().statusCode(201);
        try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + issued.path("host") + ":"
                + issued.path("port") + "/" + issued.path("database"), issued.path("user"), (String) issued.path("password"));
                var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM memberships")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1));
        }
    }
}
