package dev.keyhub.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Keycloak of its own, run by {@code scripts/keycloak.sh}, that imports the realm an installation imports. */
public final class ProductionKeycloak {

    public static final Path REALM = Path.of("deploy/keycloak/production/realm-keyhub.json");

    private ProductionKeycloak() {
    }

    /**
     * Runs {@code scripts/keycloak.sh <command>} for the instance {@code instance} on {@code port}, with {@code env}
     * added (the realm's placeholders), its output appended to {@code log}. The script's exit code; -1 when it did
     * not end within 300 s.
     */
    public static int script(String instance, int port, Map<String, String> env, String command, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "scripts/keycloak.sh", command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        builder.environment().put("KEYCLOAK_INSTANCE", instance);
        builder.environment().put("KEYCLOAK_PORT", Integer.toString(port));
        builder.environment().put("KEYCLOAK_REALMS", REALM.toAbsolutePath().toString());
        Process p = builder.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
