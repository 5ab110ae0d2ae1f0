package dev.keyhub.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.keyhub.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL with {@code ssl=on} and a certificate from a {@link TestCa}, which accepts TCP
 * connections over TLS only ({@code hostssl} in its {@code pg_hba.conf}): whatever connects to it connected with TLS.
 */
public final class TlsPostgres extends EmbeddedPostgres {

    private final TestCa.Issued certificate;

    private TlsPostgres(String name, TestCa.Issued certificate) {
        super(Path.of("target", "embedded-postgres"), name, DEFAULT_MAX_CONNECTIONS, 0);
        this.certificate = certificate;
    }

    public static TlsPostgres start(String name, TestCa.Issued certificate) {
        TlsPostgres pg = new TlsPostgres(name, certificate);
        pg.begin(true);
        return pg;
    }

    @Override
    protected List<String> settings() {
        return List.of("ssl=on");
    }

    @Override
    protected void prepare(Path data) throws IOException {
        Files.copy(certificate.certificate(), data.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certificate.key(), data.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(data.resolve("pg_hba.conf"), """
                hostssl all all 127.0.0.1/32 scram-sha-256
                hostssl all all ::1/128 scram-sha-256
                """);
        for (String file : List.of("server.crt", "server.key", "pg_hba.conf")) {
            serverOnly(data.resolve(file));
        }
    }

    /** Connections of the tests' own go over TLS too; they do not check the certificate. */
    @Override
    public String jdbcUrl(String database) {
        return super.jdbcUrl(database) + "?sslmode=require";
    }
}
