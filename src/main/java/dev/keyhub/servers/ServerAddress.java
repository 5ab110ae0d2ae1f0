package dev.keyhub.servers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import io.vertx.pgclient.PgConnectOptions;

/** Where a database server listens and how to log in to it. Never serialised into a response. */
public record ServerAddress(String host, int port, String user, String password, String maintenanceDb) {

    public PgConnectOptions connectOptions(String database) {
        return new PgConnectOptions().setHost(host).setPort(port).setUser(user).setPassword(password)
                .setDatabase(database).setConnectTimeout(5000);
    }

    /** How a tenant pool logs in to a tenant database: as the database's own role ({@link TenantRoles}). */
    public PgConnectOptions tenantConnectOptions(String database) {
        return connectOptions(database).setUser(TenantRoles.roleOf(database))
                .setPassword(TenantRoles.password(this, database));
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /**
     * A blocking JDBC connection to {@code database} on this server: the one way to open one, for the adapters
     * that need JDBC (Liquibase, {@code COPY}, the blocking jobs). Everything else uses the reactive client.
     */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user, password);
    }

    @Override
    public String toString() {
        return "ServerAddress[" + host + ":" + port + "]";
    }
}
