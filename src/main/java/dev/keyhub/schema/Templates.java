package dev.keyhub.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

import dev.keyhub.catalog.Changelog;
import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.SchemaVersions;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.servers.TenantRoles;

/**
 * Keeps one template database per tenant-hosting server at the newest tenant schema (KeyHub's changelog and the
 * product's), so that a tenant is
 * created by copying it ({@code CREATE DATABASE … TEMPLATE}) rather than by replaying changesets. Nothing
 * keeps a connection to a template open: PostgreSQL refuses to copy a database that has one.
 */
@ApplicationScoped
public class Templates {

    private static final Logger LOG = Logger.getLogger(Templates.class);

    private final DataSource catalog;
    private final DbServers servers;
    private final TenantSchema schema;
    private final String templateName;
    private final Optional<String> startVersion;
    private final Optional<String> startProductVersion;

    public Templates(DataSource catalog, DbServers servers, TenantSchema schema, SchemaConfig config) {
        this.catalog = catalog;
        this.servers = servers;
        this.schema = schema;
        this.templateName = config.templateDatabase();
        this.startVersion = config.templateVersion();
        this.startProductVersion = config.productTemplateVersion();
    }

    /**
     * At start-up: registers the catalog's own server and makes sure every server has its template. A server
     * that cannot be reached or has no credentials here is reported and skipped, so that one bad server does
     * not take every other server's tenants down with it; its own tenants answer 503 meanwhile.
     */
    public void onStart(@Observes StartupEvent event) {
        registerCatalogServer();
        for (DbServer server : activeServers()) {
            try {
                SchemaVersions versions = ensureTemplate(servers.addressOf(server), server.templateDatabase, startVersions());
                recordVersions(server.id, versions);
                LOG.infof("Template %s on server %s is at tenant schema %s (newest release: %s), product release %s",
                        server.templateDatabase, server.id, versions.keyhub(), schema.keyhub().latest(),
                        versions.product() == null ? "none" : versions.product());
            } catch (RuntimeException e) {
                if (server.usesCatalogConnection) {
                    throw e;
                }
                LOG.errorf(e, "Database server %s is not usable (%s); its tenants answer 503 and no tenant is placed on "
                        + "it until it is fixed and KeyHub restarted", server.id, e.getMessage());
            }
        }
    }

    /**
     * The releases a new template starts at: {@code keyhub.schema.template-version} and
     * {@code product-template-version}, the newest of each changelog by default; no product release without a
     * product changelog.
     */
    public SchemaVersions startVersions() {
        return new SchemaVersions(startVersion.orElseGet(() -> schema.keyhub().latest()),
                schema.product().map(p -> startProductVersion.orElseGet(p::latest)).orElse(null));
    }

    /**
     * Creates the template if it is missing, at {@code versions} (KeyHub's changelog first, then the product's),
     * and answers the releases it is at. An existing template is left as it is: it moves only through
     * migration jobs, together with the tenants. Blocking.
     */
    public SchemaVersions ensureTemplate(ServerAddress address, String template, SchemaVersions versions) {
        boolean exists;
        try (Connection c = address.connect(address.maintenanceDb())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, template);
                exists = ps.executeQuery().next();
            }
            if (!exists) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE DATABASE " + DatabaseAdmin.quoteIdentifier(template));
                } catch (SQLException e) {
                    if (!"42P04".equals(e.getSQLState())) { // created meanwhile by another replica
                        throw e;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not prepare template " + template + " on " + address, e);
        }
        if (!exists) {
            for (TenantChangelog changelog : schema.all()) {
                String version = versions.of(changelog.kind());
                if (version != null) {
                    changelog.migrate(address, template, TenantSchema.Direction.UPDATE, version);
                }
            }
        }
        prepareRoles(address, template);
        return versions(address, template);
    }

    /**
     * Makes the server ready for tenant roles ({@link TenantRoles}): the group role exists, the template grants it
     * the data of its tables (copied into every tenant database), and the databases that are not a tenant's
     * refuse {@code PUBLIC}, so that no tenant role can open them. A database the admin role may not change is
     * reported, not fatal. Idempotent; blocking.
     */
    private void prepareRoles(ServerAddress address, String template) {
        try (Connection c = address.connect(address.maintenanceDb())) {
            try (Statement st = c.createStatement()) {
                st.execute(TenantRoles.CREATE_GROUP_SQL);
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState()) && !"42710".equals(e.getSQLState())) { // another replica's
                    throw e;
                }
            }
            List<String> shared = new java.util.ArrayList<>(List.of(address.maintenanceDb(), "template1", template));
            servers.catalogDatabaseOn(address).ifPresent(shared::add);
            for (String sql : TenantRoles.revokeFromPublicSql(shared)) {
                try (Statement st = c.createStatement()) {
                    st.execute(sql);
                } catch (SQLException e) {
                    LOG.debugf("%s failed on %s: %s", sql, address, e.getMessage());
                }
            }
            try (PreparedStatement ps = c.prepareStatement(TenantRoles.STILL_PUBLIC_SQL)) {
                ps.setArray(1, c.createArrayOf("text", shared.toArray()));
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        LOG.warnf("Tenant roles can open database %s on %s: KeyHub's role may not revoke it from PUBLIC. "
                                + "As its owner or a superuser, run: REVOKE CONNECT, TEMPORARY ON DATABASE %s FROM PUBLIC",
                                rs.getString("datname"), address, rs.getString("datname"));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not prepare tenant roles on " + address, e);
        }
        try (Connection c = address.connect(template); Statement st = c.createStatement()) {
            st.execute(TenantRoles.GRANTS_SQL);
        } catch (SQLException e) {
            throw new IllegalStateException("could not grant tenant roles the tables of " + template + " on " + address, e);
        }
    }

    private SchemaVersions versions(ServerAddress address, String template) {
        return new SchemaVersions(schema.keyhub().version(address, template),
                schema.product().map(p -> p.version(address, template)).orElse(null));
    }

    private void registerCatalogServer() {
        try (Connection c = catalog.getConnection()) {
            ServerStore.registerCatalogServer(c, templateName);
        } catch (SQLException e) {
            throw new IllegalStateException("could not register the catalog's database server", e);
        }
    }

    private List<DbServer> activeServers() {
        try (Connection c = catalog.getConnection()) {
            return ServerStore.active(c);
        } catch (SQLException e) {
            throw new IllegalStateException("could not list database servers", e);
        }
    }

    private void recordVersions(String serverId, SchemaVersions versions) {
        try (Connection c = catalog.getConnection()) {
            ServerStore.recordTemplateVersion(c, serverId, Changelog.KEYHUB, versions.keyhub());
            ServerStore.recordTemplateVersion(c, serverId, Changelog.PRODUCT, versions.product());
        } catch (SQLException e) {
            throw new IllegalStateException("could not record template version", e);
        }
    }
}
