package dev.keyhub.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The one way into {@code db_servers}. What platform admins do (list, register) goes through Hibernate Reactive.
 * Looking a server up by id is a named statement on the catalog pool, because it also runs where no Hibernate
 * session can (worker threads, the request path's pool opening), and the blocking jobs (templates, migrations,
 * recovery, moves) read servers on their own JDBC connection. Every one of them maps columns by name, through
 * {@link #COLUMNS} and {@link #server}.
 */
@ApplicationScoped
public class ServerStore implements PanacheRepositoryBase<DbServer, String> {

    /** A server's columns, aliased so that a statement can join them to another table's. */
    public static final String COLUMNS = """
            s.id AS server_id, s.host AS server_host, s.port AS server_port, s.maintenance_db AS server_maintenance_db,
            s.uses_catalog_connection AS server_uses_catalog_connection, s.credentials_ref AS server_credentials_ref,
            s.template_database AS server_template_database, s.template_version AS server_template_version,
            s.template_product_version AS server_template_product_version,
            s.status AS server_status, s.connection_budget AS server_connection_budget,
            s.ssl_mode AS server_ssl_mode, s.ssl_root_cert AS server_ssl_root_cert""";

    private static final String BY_ID = "SELECT " + COLUMNS + " FROM db_servers s WHERE s.id = $1";
    private static final String ACTIVE = "SELECT " + COLUMNS + " FROM db_servers s WHERE s.status <> 'disabled' ORDER BY s.id";
    private static final String REGISTER_CATALOG_SERVER = """
            INSERT INTO db_servers (id, uses_catalog_connection, region, template_database)
            VALUES (?, true, 'default', ?) ON CONFLICT (id) DO NOTHING""";
    private static final String RECORD_TEMPLATE_VERSION = "UPDATE db_servers SET template_version = ? WHERE id = ?";
    private static final String RECORD_TEMPLATE_PRODUCT_VERSION = """
            UPDATE db_servers SET template_product_version = ? WHERE id = ?""";

    /** Reads a column of the current row by name. */
    @FunctionalInterface
    public interface Columns {
        Object get(String name) throws SQLException;
    }

    private final Pool catalog;

    public ServerStore(Pool catalog) {
        this.catalog = catalog;
    }

    /** A server from a row that has {@link #COLUMNS}: the one mapping of a server row. */
    public static DbServer server(Columns row) throws SQLException {
        DbServer s = new DbServer();
        s.id = (String) row.get("server_id");
        s.host = (String) row.get("server_host");
        s.port = (Integer) row.get("server_port");
        s.maintenanceDb = (String) row.get("server_maintenance_db");
        s.usesCatalogConnection = Boolean.TRUE.equals(row.get("server_uses_catalog_connection"));
        s.credentialsRef = (String) row.get("server_credentials_ref");
        s.templateDatabase = (String) row.get("server_template_database");
        s.templateVersion = (String) row.get("server_template_version");
        s.templateProductVersion = (String) row.get("server_template_product_version");
        s.status = (String) row.get("server_status");
        s.connectionBudget = (Integer) row.get("server_connection_budget");
        s.sslMode = (String) row.get("server_ssl_mode");
        s.sslRootCert = (String) row.get("server_ssl_root_cert");
        return s;
    }

    /** A server from a JDBC row that has {@link #COLUMNS}. */
    public static DbServer server(ResultSet rs) throws SQLException {
        return server(rs::getObject);
    }

    private static DbServer server(Row row) {
        try {
            return server(row::getValue);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- On the catalog pool, from any thread ---------------------------------------------------------------

    /** The server with this id, or null. */
    public Uni<DbServer> byId(String id) {
        return catalog.preparedQuery(BY_ID).execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : server(rows.iterator().next()));
    }

    // --- Through Hibernate Reactive, for platform admins ----------------------------------------------------

    /** A registered server and the number of live (not deleted, not failed) tenants it hosts. */
    public record Hosting(DbServer server, long tenants) {
    }

    /** Every registered server by id, with its live tenant count. */
    @WithSession
    public Uni<List<Hosting>> listHosting() {
        return listAll(Sort.by("id")).chain(all -> getSession().chain(session -> session.createQuery("""
                select t.dbServerId, count(t) from Tenant t where t.status not in (:gone) group by t.dbServerId""",
                Object[].class).setParameter("gone", List.of(TenantStatus.DELETED, TenantStatus.FAILED)).getResultList())
                .map(counts -> {
                    Map<Object, Object> byServer = counts.stream().collect(Collectors.toMap(r -> r[0], r -> r[1]));
                    return all.stream().map(s -> new Hosting(s, ((Number) byServer.getOrDefault(s.id, 0L)).longValue()))
                            .toList();
                }));
    }

    @WithSession
    public Uni<Boolean> exists(String id) {
        return count("id", id).map(n -> n > 0);
    }

    /** The template versions of the catalog's own server: the fleet's, which a newly registered server starts at. */
    @WithSession
    public Uni<Optional<SchemaVersions>> fleetTemplateVersions() {
        return find("usesCatalogConnection", Sort.by("id"), true).firstResult()
                .map(s -> Optional.ofNullable(s).map(found -> new SchemaVersions(found.templateVersion,
                        found.templateProductVersion)));
    }

    /** Records a newly registered server (its id must be free). */
    @WithTransaction
    public Uni<Void> register(DbServer server) {
        OffsetDateTime now = OffsetDateTime.now();
        server.createdAt = now;
        server.updatedAt = now;
        return persist(server).replaceWithVoid();
    }

    // --- On a JDBC connection, for the blocking jobs --------------------------------------------------------

    /** Every server not disabled, by id. */
    public static List<DbServer> active(Connection c) throws SQLException {
        List<DbServer> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(ACTIVE); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                result.add(server(rs));
            }
        }
        return result;
    }

    /** The server with this id, or null. */
    public static DbServer byId(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(BY_ID.replace("$1", "?"))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? server(rs) : null;
            }
        }
    }

    /** Registers the catalog's own server ({@link DbServer#CATALOG_SERVER}) once. */
    public static void registerCatalogServer(Connection c, String templateDatabase) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REGISTER_CATALOG_SERVER)) {
            ps.setString(1, DbServer.CATALOG_SERVER);
            ps.setString(2, templateDatabase);
            ps.executeUpdate();
        }
    }

    /** Records the release of one changelog that the server's template is at. */
    public static void recordTemplateVersion(Connection c, String serverId, Changelog changelog, String version)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(changelog == Changelog.KEYHUB ? RECORD_TEMPLATE_VERSION
                : RECORD_TEMPLATE_PRODUCT_VERSION)) {
            ps.setString(1, version);
            ps.setString(2, serverId);
            ps.executeUpdate();
        }
    }
}
