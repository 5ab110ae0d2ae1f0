package dev.keyhub.provisioning;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.support.Catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a crash leaves half-done is finished: no database without a row, no row without a database. */
@QuarkusTest
class ProvisioningRecoveryTest {

    @Inject
    ProvisioningRecovery recovery;

    /** A tenant row in the given state, last changed an hour ago, with its database. */
    private static UUID abandoned(String status, String slug) throws Exception {
        UUID id = UUID.randomUUID();
        String database = ProvisioningService.databaseName(id);
        try (Connection c = Catalog.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database + " TEMPLATE keyhub_template");
        }
        try (Connection c = Catalog.catalog(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO tenants (id, slug, name, status, db_server_id, database_name, updated_at) VALUES ('"
                    + id + "', '" + slug + "', 'Abandoned', '" + status + "', 'default', '" + database
                    + "', now() - interval '1 hour')");
        }
        assertTrue(Catalog.databaseExists(database));
        return id;
    }

    @Test
    void abandonedProvisioningIsRolledBack() throws Exception {
        String slug = "crashed-" + UUID.randomUUID().toString().substring(0, 8);
        UUID id = abandoned("PROVISIONING", slug);

        assertTrue(recovery.sweep() >= 1);

        assertFalse(Catalog.databaseExists(ProvisioningService.databaseName(id)));
        assertEquals(0, Catalog.tenantRows(slug));
        // The platform audit log says what the sweep did, since the interrupted request recorded nothing.
        assertEquals(List.of(List.of("keyhub-recovery", "tenant.provisioning_undone", "success")), Catalog.query("keyhub",
                "SELECT actor, action, outcome FROM platform_audit_log WHERE tenant_id = ?", id));
    }

    @Test
    void abandonedDeletionIsFinished() throws Exception {
        UUID id = abandoned("DELETING", "deleting-" + UUID.randomUUID().toString().substring(0, 8));
        recovery.sweep();
        assertFalse(Catalog.databaseExists(ProvisioningService.databaseName(id)));
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
