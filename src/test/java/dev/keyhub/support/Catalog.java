package dev.keyhub.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.config.ConfigProvider;

/** Direct JDBC access to the test PostgreSQL server, to assert on what really is in the databases. */
public final class Catalog {

    private Catalog() {
    }

    public static Connection connect(String database) throws SQLException {
        var config = ConfigProvider.getConfig();
        // The catalog's URL with the TLS parameters it was given (keyhub.catalog.sslmode), for another database.
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        int query = url.indexOf('?');
        String path = query < 0 ? url : url.substring(0, query);
        String serverUrl = path.substring(0, path.lastIndexOf('/') + 1) + database + (query < 0 ? "" : url.substring(query));
        return DriverManager.getConnection(serverUrl, config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }

    /**
     * The test profile's own embedded server (catalog and default tenant server), to stop and start it again;
     * EmbeddedPostgresConfigSourceFactory keeps its port in a system property.
     */
    public static RestartablePostgres server() {
        return RestartablePostgres.existing("test", Integer.getInteger("dev.keyhub.embedded-postgres.test.port"));
    }

    public static Connection catalog() throws SQLException {
        return connect("keyhub");
    }

    public static List<List<Object>> query(String database, String sql, Object... args) {
        try (Connection c = connect(database); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<List<Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs statements that return no rows. */
    public static void execute(String database, String... statements) {
        try (Connection c = connect(database); var st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean databaseExists(String name) {
        return !query("postgres", "SELECT 1 FROM pg_database WHERE datname = ?", name).isEmpty();
    }

    public static long tenantRows(String slug) {
        return ((Number) query("keyhub", "SELECT count(*) FROM tenants WHERE slug = ?", slug).get(0).get(0)).longValue();
    }

    public static long tenantDatabases() {
        return ((Number) query("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'kh_t_%'").get(0).get(0))
                .longValue();
    }
}
