package dev.keyhub.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real Keycloak for end-to-end tests, run by {@code scripts/keycloak.sh} (Keycloak from Maven Central, a
 * JDK 21+ of the machine, both realms of deploy/keycloak imported). One that is already running is used and
 * left running; one started here is stopped afterwards. Keycloak needs a JDK 21 or newer: on a machine without
 * one, nothing is started and {@link #available()} says why, so the end-to-end tests are skipped, not failed.
 */
public class KeycloakServer implements QuarkusTestResourceLifecycleManager {

    /** A system property, not a field: test resources and tests may see the class through different loaders. */
    private static final String UNAVAILABLE = "test.keycloak.unavailable";
    private boolean startedHere;

    /** Null when Keycloak is up, else why it is not. */
    public static String unavailable() {
        return System.getProperty(UNAVAILABLE);
    }

    @Override
    public Map<String, String> start() {
        if (script("java") != 0) {
            System.setProperty(UNAVAILABLE,
                    "no JDK 21 or newer on this machine for Keycloak (set KEYCLOAK_JAVA_HOME); see target/keycloak-test.log");
            return Map.of();
        }
        System.clearProperty(UNAVAILABLE);
        if (script("status") != 0) {
            if (script("start") != 0) {
                throw new IllegalStateException("Keycloak did not start; see target/keycloak-test.log and target/keycloak/");
            }
            startedHere = true;
        }
        return Map.of();
    }

    @Override
    public void stop() {
        if (startedHere) {
            script("stop");
        }
    }

    private static int script(String command) {
        try {
            Path log = Path.of("target", "keycloak-test.log");
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder("bash", "scripts/keycloak.sh", command)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .directory(new File(".")).start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new IllegalStateException("could not run scripts/keycloak.sh " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
