package dev.keyhub.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;

/**
 * Keeps one template database per tenant-hosting server at the newest tenant schema, so that a tenant is
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
    private final java.util.Optional<String> startVersion;

    public Templates(DataSource catalog, DbServers servers, TenantSchema schema, SchemaConfig config) {
        this.catalog = catalog;
        this.servers = servers;
        this.schema = schema;
        this.templateName = config.templateDatabase();
        this.startVersion = config.templateVersion();
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
                String version = ensureTemplate(servers.addressOf(server), server.templateDatabase);
                recordVersion(server.id, version);
                LOG.infof("Template %s on server %s is at tenant schema %s (newest release: %s)", server.templateDatabase,
                        server.id, version, schema.latest());
            } catch (RuntimeException e) {
                if (server.usesCatalogConnection) {
                    throw e;
                }
                LOG.errorf("Database server %s is not usable (%s); its tenants answer 503 and no tenant is placed on it "
                        + "until it is fixed and KeyHub restarted", server.id, e.getMessage());
            }
        }
    }

    /**
     * Creates the template at {@code keyhub.schema.template-version} (the newest release by default) if it
     * is missing; returns its schema version. Blocking.
     */
    public String ensureTemplate(ServerAddress address, String template) {
        return ensureTemplate(address, template, startVersion.orElseGet(schema::latest));
    }

    /** Creates the template if missing, at {@code version}; returns its schema version. Blocking. */
    public String ensureTemplate(ServerAddress address, String template, String version) {
        try (Connection c = address.connect(address.maintenanceDb())) {
            boolean exists;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, template);
                exists = ps.executeQuery().next();
            }
            if (exists) {
                // An existing template moves only through migration jobs, together with the tenants.
                return schema.version(address, template);
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + DatabaseAdmin.quoteIdentifier(template));
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // created meanwhile by another replica
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not prepare template " + template + " on " + address, e);
        }
        return schema.migrate(address, template, TenantSchema.Direction.UPDATE, version);
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

    private void recordVersion(String serverId, String version) {
        try (Connection c = catalog.getConnection()) {
            ServerStore.recordTemplateVersion(c, serverId, version);
        } catch (SQLException e) {
            throw new IllegalStateException("could not record template version", e);
        }
    }
}
