package dev.keyhub.support;

import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.keyhub.embedded.EmbeddedPostgres;

/** A second, real PostgreSQL server for tests of several tenant-hosting servers; its port is in {@link #PORT}. */
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
        return Map.of("keyhub.credentials.second.username", "postgres",
                "keyhub.credentials.second.password", "postgres");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
