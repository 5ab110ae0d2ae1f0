package dev.keyhub.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.keyhub.embedded.EmbeddedPostgres;

/**
 * A second, real PostgreSQL server for tests of several tenant-hosting servers; its port is in {@link #PORT}.
 * KeyHub reaches it as a role that is not a superuser, set up as {@code docker/postgres/init-keyhub.sql} and the
 * manifests set it up: {@code CREATEDB} and {@code CREATEROLE}, with the shared databases closed to {@code PUBLIC}.
 */
public class SecondPostgres implements QuarkusTestResourceLifecycleManager {

    public static final String PORT = "test.second-postgres.port";
    private EmbeddedPostgres server;

    /** The running second server, to stop and start it again (found by its port, whatever the class loader). */
    public static RestartablePostgres handle() {
        return RestartablePostgres.existing("second", Integer.getInteger(PORT));
    }

    @Override
    public Map<String, String> start() {
        server = EmbeddedPostgres.start(Path.of("target", "embedded-postgres"), "second", true);
        System.setProperty(PORT, Integer.toString(server.port()));
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), "postgres", "postgres");
                Statement st = c.createStatement()) {
            st.execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'keyhub') THEN "
                    + "CREATE ROLE keyhub LOGIN CREATEDB CREATEROLE PASSWORD 'second-keyhub'; END IF; END$$");
            st.execute("GRANT CONNECT ON DATABASE postgres TO keyhub");
            st.execute("REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC");
        } catch (SQLException e) {
            throw new IllegalStateException("could not prepare KeyHub's role on the second server", e);
        }
        return Map.of("keyhub.credentials.second.username", "keyhub",
                "keyhub.credentials.second.password", "second-keyhub");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
