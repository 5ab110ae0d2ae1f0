package dev.keyhub.catalog;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A PostgreSQL server that hosts tenant databases. The server named {@value #CATALOG_SERVER} is the catalog's
 * own; it has no host of its own and is reached with the catalog datasource's address and credentials.
 */
@Entity
@Table(name = "db_servers")
public class DbServer {

    public static final String CATALOG_SERVER = "default";

    /** The columns {@link #fromRow} reads, for a {@code SELECT … FROM db_servers}. */
    public static final String COLUMNS = "id, host, port, maintenance_db, uses_catalog_connection, credentials_ref, "
            + "template_database, template_version, status";

    /**
     * A server's address from six columns of a JDBC row, starting at column {@code first}: id, host, port,
     * maintenance_db, uses_catalog_connection, credentials_ref (what {@code DbServers.addressOf} needs).
     */
    public static DbServer addressFromRow(java.sql.ResultSet rs, int first) throws java.sql.SQLException {
        DbServer s = new DbServer();
        s.id = rs.getString(first);
        s.host = rs.getString(first + 1);
        s.port = (Integer) rs.getObject(first + 2);
        s.maintenanceDb = rs.getString(first + 3);
        s.usesCatalogConnection = rs.getBoolean(first + 4);
        s.credentialsRef = rs.getString(first + 5);
        return s;
    }

    /** A server from a JDBC row that has {@link #COLUMNS}. */
    public static DbServer fromRow(java.sql.ResultSet rs) throws java.sql.SQLException {
        DbServer s = new DbServer();
        s.id = rs.getString("id");
        s.host = rs.getString("host");
        s.port = (Integer) rs.getObject("port");
        s.maintenanceDb = rs.getString("maintenance_db");
        s.usesCatalogConnection = rs.getBoolean("uses_catalog_connection");
        s.credentialsRef = rs.getString("credentials_ref");
        s.templateDatabase = rs.getString("template_database");
        s.templateVersion = rs.getString("template_version");
        s.status = rs.getString("status");
        return s;
    }

    @Id
    public String id;
    public String host;
    public Integer port;
    @Column(name = "maintenance_db")
    public String maintenanceDb;
    @Column(name = "uses_catalog_connection")
    public boolean usesCatalogConnection;
    public String region;
    public int capacity;
    @Column(name = "credentials_ref")
    public String credentialsRef;
    @Column(name = "template_database")
    public String templateDatabase;
    @Column(name = "template_version")
    public String templateVersion;
    public String status;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
}
