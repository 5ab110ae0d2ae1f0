package dev.keyhub.servers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

import javax.net.ssl.SSLException;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/**
 * How KeyHub secures its connections to one PostgreSQL server, as libpq's {@code sslmode} and {@code sslrootcert}
 * say it: the same two settings drive the reactive client (tenant pools, the admin connections) and JDBC
 * (Liquibase, {@code COPY}, the blocking jobs), so both ends of KeyHub meet a server the same way.
 *
 * @param mode     {@code disable}, {@code require} (TLS, the certificate is not checked), {@code verify-ca}
 *                 (signed by the CA) or {@code verify-full} (signed by the CA and issued to the host connected to)
 * @param rootCert the CA certificate (PEM file) that verifies the server; required by the two verifying modes
 */
public record Tls(Mode mode, String rootCert) {

    public static final Tls DISABLED = new Tls(Mode.DISABLE, null);

    public enum Mode {
        DISABLE, REQUIRE, VERIFY_CA, VERIFY_FULL;

        /** The libpq spelling: {@code verify-full}. */
        public String value() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public boolean verifies() {
            return this == VERIFY_CA || this == VERIFY_FULL;
        }

        static Optional<Mode> parse(String value) {
            for (Mode m : values()) {
                if (m.value().equals(value)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    /** The accepted spellings of {@code sslmode}, for messages and validation. */
    public static final String MODES = "disable, require, verify-ca or verify-full";

    /**
     * Reads and checks a setting: a known mode, and for the verifying modes a readable PEM certificate.
     * {@code null} mode means {@code disable}.
     *
     * @throws IllegalArgumentException saying what is wrong, for a message to the operator
     */
    public static Tls of(String mode, String rootCert) {
        String m = mode == null || mode.isBlank() ? "disable" : mode.trim();
        Mode parsed = Mode.parse(m)
                .orElseThrow(() -> new IllegalArgumentException("sslmode '" + m + "' is not one of " + MODES));
        String cert = rootCert == null || rootCert.isBlank() ? null : rootCert.trim();
        if (parsed.verifies() && cert == null) {
            throw new IllegalArgumentException("sslmode " + m + " needs the CA certificate that verifies the server (sslRootCert)");
        }
        if (cert != null) {
            checkCertificate(Path.of(cert));
        }
        return new Tls(parsed, cert);
    }

    private static void checkCertificate(Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("the CA certificate " + file + " cannot be read");
        }
        try (InputStream in = Files.newInputStream(file)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new IllegalArgumentException("the file " + file + " holds no certificate");
            }
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("the file " + file + " is not a PEM certificate: " + e.getMessage());
        }
    }

    /** Applies these settings to a reactive client's options. */
    public PgConnectOptions apply(PgConnectOptions options) {
        options.setSslMode(switch (mode) {
            case DISABLE -> SslMode.DISABLE;
            case REQUIRE -> SslMode.REQUIRE;
            case VERIFY_CA -> SslMode.VERIFY_CA;
            case VERIFY_FULL -> SslMode.VERIFY_FULL;
        });
        // require encrypts without checking the certificate (a CA given with it is not used), as libpq's
        // require does without a root certificate file and the JDBC driver's always does.
        if (mode == Mode.REQUIRE) {
            options.setTrustAll(true);
        }
        if (mode.verifies()) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(rootCert));
        }
        options.setHostnameVerificationAlgorithm(mode == Mode.VERIFY_FULL ? "HTTPS" : "");
        return options;
    }

    /** The same settings as properties of the PostgreSQL JDBC driver. */
    public Properties jdbc(Properties properties) {
        properties.setProperty("sslmode", mode.value());
        if (mode.verifies()) {
            properties.setProperty("sslrootcert", rootCert);
        }
        return properties;
    }

    /** The query string that gives a JDBC URL these settings ({@code sslmode=...&sslrootcert=...}). */
    public String jdbcQuery() {
        return "sslmode=" + mode.value() + (mode.verifies() ? "&sslrootcert=" + rootCert : "");
    }

    /** Why a connection failed, when TLS was the reason: a problem code and a sentence for the operator. */
    public record Failure(String code, String detail) {
    }

    /**
     * Tells a TLS failure (the server's certificate not signed by the CA, issued to another host, or no TLS
     * at all) from other connection failures, from either driver's exception.
     */
    public static Optional<Failure> failureOf(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("does not support SSL") || message.contains("does not handle SSL")) {
                return Optional.of(new Failure("tls_not_offered",
                        "The server does not offer TLS, and its sslmode requires it."));
            }
            if (message.contains("hostnameverifier") || message.contains("No subject alternative")
                    || message.contains("No name matching") || message.contains("doesn't match any of the subject")) {
                return Optional.of(new Failure("tls_host_mismatch",
                        "The server's certificate was not issued to the host name KeyHub connects to (sslmode verify-full)."));
            }
            if (message.contains("PKIX path") || message.contains("unable to find valid certification path")
                    || message.contains("signature check failed") || message.contains("Path does not chain")) {
                return Optional.of(new Failure("tls_untrusted_certificate",
                        "The server's certificate is not signed by the configured CA certificate (sslRootCert)."));
            }
            if (message.contains("SSL handshake failed")) {
                // The reactive client's report, which carries no cause to tell the two apart.
                return Optional.of(new Failure("tls_failed", "The TLS handshake with the server failed: its certificate "
                        + "is not signed by the CA certificate (sslRootCert), or was not issued to the host name (verify-full)."));
            }
            if (t instanceof SSLException) {
                return Optional.of(new Failure("tls_failed", "The TLS handshake with the server failed: " + message));
            }
        }
        return Optional.empty();
    }
}
