package dev.keyhub.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made for one test run with the JDK's {@code keytool}: its certificate (PEM) and server
 * certificates it signs, each with a PEM private key, as PostgreSQL wants them.
 */
public final class TestCa {

    private static final String STOREPASS = "test-ca-pass";
    private final Path dir;
    private final Path store;

    /** A new CA below {@code dir}, named {@code name}; its certificate is {@link #certificate()}. */
    public TestCa(Path dir, String name) {
        this.dir = dir;
        this.store = dir.resolve(name + "-ca.p12");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(store);
            keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3",
                    "-dname", "CN=" + name + " test CA", "-ext", "bc:c", "-keystore", store.toString());
            keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-file", certificate().toString());
        } catch (IOException e) {
            throw new IllegalStateException("could not make a test CA", e);
        }
    }

    /** The CA's certificate, PEM. */
    public Path certificate() {
        return dir.resolve(store.getFileName().toString().replace(".p12", ".crt"));
    }

    /** A server certificate and key signed by this CA, for the DNS names given. */
    public record Issued(Path certificate, Path key) {
    }

    public Issued issue(String name, String... dnsNames) {
        Path keys = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        try {
            Files.deleteIfExists(keys);
            keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "3",
                    "-dname", "CN=" + dnsNames[0], "-keystore", keys.toString());
            keytool("-certreq", "-alias", name, "-keystore", keys.toString(), "-file", csr.toString());
            List<String> san = new ArrayList<>();
            for (String dns : dnsNames) {
                san.add("dns:" + dns);
            }
            keytool("-gencert", "-alias", "ca", "-keystore", store.toString(), "-infile", csr.toString(), "-outfile",
                    cert.toString(), "-rfc", "-validity", "3", "-ext", "SAN=" + String.join(",", san),
                    "-ext", "EKU=serverAuth");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keys)) {
                ks.load(in, STOREPASS.toCharArray());
            }
            PrivateKey privateKey = (PrivateKey) ks.getKey(name, STOREPASS.toCharArray());
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(privateKey.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
            return new Issued(cert, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not issue a test certificate", e);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", STOREPASS, "-noprompt"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
