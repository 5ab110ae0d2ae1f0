package dev.keyhub.support;

import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Puts the catalog (and so the default tenant server) on a {@link TlsPostgres}, reached as {@code localhost} with
 * {@code keyhub.catalog.sslmode=verify-full} and a CA made for the run. Also makes a second, unrelated CA, to
 * show that a certificate it did not sign is refused. Where the files are is in the system properties below.
 */
public class TlsCatalog implements QuarkusTestResourceLifecycleManager {

    public static final String PORT = "test.tls-postgres.port";
    public static final String CA = "test.tls-postgres.ca";
    public static final String OTHER_CA = "test.tls-postgres.other-ca";
    private TlsPostgres server;

    @Override
    public Map<String, String> start() {
        Path dir = Path.of("target", "tls-test").toAbsolutePath();
        TestCa ca = new TestCa(dir, "keyhub");
        TestCa other = new TestCa(dir, "other");
        server = TlsPostgres.start("tls", ca.issue("tls-postgres", "localhost"));
        server.createDatabase("keyhub");
        System.setProperty(PORT, Integer.toString(server.port()));
        System.setProperty(CA, ca.certificate().toString());
        System.setProperty(OTHER_CA, other.certificate().toString());
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://localhost:" + server.port() + "/keyhub",
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres",
                "keyhub.catalog.sslmode", "verify-full",
                "keyhub.catalog.sslrootcert", ca.certificate().toString(),
                // The same server registered again under other ids, to try each sslmode against it.
                "keyhub.credentials.tls.username", "postgres",
                "keyhub.credentials.tls.password", "postgres");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.discard();
        }
    }
}
