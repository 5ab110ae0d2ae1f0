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
    /** The product changelog's release of the template, null without one. */
    @Column(name = "template_product_version")
    public String templateProductVersion;
    public String status;
    /** How connections to the server are secured: libpq's sslmode (disable, require, verify-ca, verify-full). */
    @Column(name = "ssl_mode")
    public String sslMode = "disable";
    /** The CA certificate (PEM file on every replica) that verifies the server, for the verifying modes. */
    @Column(name = "ssl_root_cert")
    public String sslRootCert;
    /** The tenant connections each replica may hold on this server; null: derived from its settings. */
    @Column(name = "connection_budget")
    public Integer connectionBudget;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
}
