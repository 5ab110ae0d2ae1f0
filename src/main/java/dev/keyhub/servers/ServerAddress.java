package dev.keyhub.servers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import io.vertx.pgclient.PgConnectOptions;

/**
 * Where a database server listens, how to log in to it, and how the connection is secured ({@link Tls}).
 * Never serialised into a response.
 */
public record ServerAddress(String host, int port, String user, String password, String maintenanceDb, Tls tls) {

    public ServerAddress {
        tls = tls == null ? Tls.DISABLED : tls;
    }

    public PgConnectOptions connectOptions(String database) {
        return tls.apply(new PgConnectOptions().setHost(host).setPort(port).setUser(user).setPassword(password)
                .setDatabase(database).setConnectTimeout(5000));
    }

    /** How a tenant pool logs in to a tenant database: as the database's own role ({@link TenantRoles}). */
    public PgConnectOptions tenantConnectOptions(String database) {
        return connectOptions(database).setUser(TenantRoles.roleOf(database))
                .setPassword(TenantRoles.password(this, database));
    }

    /** The JDBC URL of a database on this server, with its TLS settings and no credentials. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?" + tls.jdbcQuery();
    }

    /**
     * A blocking JDBC connection to {@code database} on this server: the one way to open one, for the adapters
     * that need JDBC (Liquibase, {@code COPY}, the blocking jobs). Everything else uses the reactive client.
     */
    public Connection connect(String database) throws SQLException {
        Properties properties = tls.jdbc(new Properties());
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, properties);
    }

    @Override
    public String toString() {
        return "ServerAddress[" + host + ":" + port + ", sslmode " + tls.mode().value() + "]";
    }
}
