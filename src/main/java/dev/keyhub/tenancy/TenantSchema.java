package dev.keyhub.tenancy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import jakarta.enterprise.context.ApplicationScoped;

import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;

/**
 * Applies the tenant changelog ({@value #CHANGELOG}) to one database with Liquibase. Blocking: call it on a
 * worker thread, never on an event loop.
 */
@ApplicationScoped
public class TenantSchema {

    public static final String CHANGELOG = "db/tenant/changelog.xml";

    /** Brings the database to the newest tenant schema and returns its version (the newest tag). */
    public String update(ServerAddress server, String database) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password())) {
            Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            try (Liquibase liquibase = new Liquibase(CHANGELOG,
                    new ClassLoaderResourceAccessor(Thread.currentThread().getContextClassLoader()), db)) {
                liquibase.update(new Contexts(), new LabelExpression());
                return version(c); // before closing Liquibase, which closes the connection
            }
        } catch (SQLException | LiquibaseException e) {
            throw new IllegalStateException("could not migrate tenant schema in " + database + " on " + server, e);
        }
    }

    /** The newest tag in a database's Liquibase history, or null if it has none. */
    public static String version(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(VERSION_SQL)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** SQL that reads the schema version (newest tag) of a tenant database. */
    public static final String VERSION_SQL =
            "SELECT tag FROM databasechangelog WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1";
}
