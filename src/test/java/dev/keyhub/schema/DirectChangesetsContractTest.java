package dev.keyhub.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.schema.TenantSchema.Direction;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.support.Catalog;

import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.ClassLoaderResourceAccessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * DirectChangesets writes Liquibase's history itself, so it is a second migration engine and must behave as
 * the first: the same release, applied by Liquibase to one database and by DirectChangesets to another, leaves
 * the same history rows (but for timestamps and deployment ids) and the same schema; so does rolling it back.
 */
@QuarkusTest
class DirectChangesetsContractTest {

    private static final String CHANGELOG = "db/tenant/changelog.xml";

    @Inject
    TenantSchema schema;

    @Inject
    DbServers servers;

    @Test
    void aReleaseAppliedAndRolledBackDirectlyMatchesLiquibase() throws Exception {
        List<String> tags = schema.keyhub().tags();
        String previous = tags.get(tags.size() - 2);
        String newest = tags.get(tags.size() - 1);
        ServerAddress server = servers.address("default").await().indefinitely();
        String byLiquibase = "kh_contract_lb_" + UUID.randomUUID().toString().substring(0, 8);
        String direct = "kh_contract_dc_" + UUID.randomUUID().toString().substring(0, 8);
        Catalog.execute("postgres", "CREATE DATABASE " + byLiquibase, "CREATE DATABASE " + direct);
        try {
            // The same starting point: both at the previous release, the same way.
            schema.keyhub().migrate(server, byLiquibase, Direction.UPDATE, previous);
            schema.keyhub().migrate(server, direct, Direction.UPDATE, previous);
            assertEquals(history(byLiquibase), history(direct));

            liquibase(byLiquibase, Direction.UPDATE, newest);
            directly(direct, Direction.UPDATE, newest);
            assertEquals(history(byLiquibase), history(direct), "history after applying " + newest);
            assertEquals(schema.shape(server, byLiquibase), schema.shape(server, direct), "schema after " + newest);
            assertEquals(newest, schema.keyhub().version(server, direct));

            liquibase(byLiquibase, Direction.ROLLBACK, previous);
            directly(direct, Direction.ROLLBACK, previous);
            assertEquals(history(byLiquibase), history(direct), "history after rolling back to " + previous);
            assertEquals(schema.shape(server, byLiquibase), schema.shape(server, direct), "schema after rollback");
            assertEquals(previous, schema.keyhub().version(server, direct));
        } finally {
            Catalog.execute("postgres", "DROP DATABASE IF EXISTS " + byLiquibase + " WITH (FORCE)",
                    "DROP DATABASE IF EXISTS " + direct + " WITH (FORCE)");
        }
    }

    /** Liquibase's own update to a tag, or rollback of the changesets recorded after it. */
    private static void liquibase(String database, Direction direction, String tag) throws Exception {
        try (Connection c = Catalog.connect(database)) {
            Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            Liquibase liquibase = new Liquibase(CHANGELOG, new ClassLoaderResourceAccessor(), db);
            if (direction == Direction.UPDATE) {
                liquibase.update(tag, new Contexts(), new LabelExpression());
            } else {
                liquibase.rollback(afterTag(c, tag), new Contexts(), new LabelExpression());
            }
        }
    }

    private static void directly(String database, Direction direction, String tag) throws Exception {
        var resources = new ClassLoaderResourceAccessor();
        DatabaseChangeLog parsed = ChangeLogParserFactory.getInstance().getParser(CHANGELOG, resources)
                .parse(CHANGELOG, new ChangeLogParameters(), resources);
        try (Connection c = Catalog.connect(database)) {
            assertNotNull(new DirectChangesets(parsed, HistoryTables.KEYHUB).run(c, direction, tag, true),
                    "the release is one DirectChangesets applies itself, not one it hands to Liquibase");
        }
    }

    private static int afterTag(Connection c, String tag) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM databasechangelog "
                + "WHERE orderexecuted > (SELECT orderexecuted FROM databasechangelog WHERE tag = '" + tag + "')")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The history rows, in order, without what differs between any two runs (timestamps, deployment ids). */
    private static List<String> history(String database) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = Catalog.connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT id, author, filename, orderexecuted, exectype, md5sum, description, comments, tag, liquibase,
                       contexts, labels
                FROM databasechangelog ORDER BY orderexecuted""")) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(rs.getMetaData().getColumnName(i)).append('=').append(rs.getString(i)).append(' ');
                }
                rows.add(row.toString().strip());
            }
        }
        return rows;
    }
}
