package dev.keyhub.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.keyhub.support.Catalog;
import io.quarkus.test.junit.QuarkusTest;

/** What a crash leaves half-done is finished: no database without a row, no row without a database. */
@QuarkusTest
class ProvisioningRecoveryTest {

    @Inject
    ProvisioningRecovery recovery;

    @Test
    void abandonedProvisioningIsRolledBack() throws Exception {
        UUID id = UUID.randomUUID();
        String database = ProvisioningService.databaseName(id);
        String slug = "crashed-" + id.toString().substring(0, 8);
        try (Connection c = Catalog.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database + " TEMPLATE keyhub_template");
        }
        try (Connection c = Catalog.catalog(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO tenants (id, slug, name, status, db_server_id, database_name, updated_at) VALUES ('"
                    + id + "', '" + slug + "', 'Crashed', 'PROVISIONING', 'default', '" + database
                    + "', now() - interval '1 hour')");
        }
        assertTrue(Catalog.databaseExists(database));

        assertTrue(recovery.sweep() >= 1);

        assertFalse(Catalog.databaseExists(database));
        assertEquals(0, Catalog.tenantRows(slug));
    }

    @Test
    void abandonedDeletionIsFinished() throws Exception {
        UUID id = UUID.randomUUID();
        String database = ProvisioningService.databaseName(id);
        String slug = "deleting-" + id.toString().substring(0, 8);
        try (Connection c = Catalog.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database + " TEMPLATE keyhub_template");
        }
        try (Connection c = Catalog.catalog(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO tenants (id, slug, name, status, db_server_id, database_name, updated_at) VALUES ('"
                    + id + "', '" + slug + "', 'Deleting', 'DELETING', 'default', '" + database
                    + "', now() - interval '1 hour')");
        }
        recovery.sweep();
        assertFalse(Catalog.databaseExists(database));
        assertEquals("DELETED", Catalog.query("keyhub", "SELECT status FROM tenants WHERE id = ?", id).get(0).get(0));
    }

    @Test
    void recentProvisioningIsLeftAlone() throws Exception {
        UUID id = UUID.randomUUID();
        String slug = "fresh-" + id.toString().substring(0, 8);
        try (Connection c = Catalog.catalog(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO tenants (id, slug, name, status, db_server_id, database_name) VALUES ('"
                    + id + "', '" + slug + "', 'Fresh', 'PROVISIONING', 'default', '"
                    + ProvisioningService.databaseName(id) + "')");
        }
        recovery.sweep();
        assertEquals(1, Catalog.tenantRows(slug));
        try (Connection c = Catalog.catalog(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM tenants WHERE id = '" + id + "'");
        }
    }
}
