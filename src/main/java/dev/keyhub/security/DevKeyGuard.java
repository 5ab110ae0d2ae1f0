package dev.keyhub.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * Refuses to start the prod profile with the dev key pair that ships in the source tree: anyone could mint
 * tokens for it.
 */
@ApplicationScoped
public class DevKeyGuard {

    static final String DEV_PUBLIC_KEY = "dev-keys/publicKey.pem";

    void onStart(@Observes StartupEvent event,
            @ConfigProperty(name = "mp.jwt.verify.publickey.location") Optional<String> location,
            @ConfigProperty(name = "mp.jwt.verify.publickey") Optional<String> inlineKey) {
        check(LaunchMode.current(), location, inlineKey);
    }

    /** Throws when a production launch would verify tokens with the dev key. */
    static void check(LaunchMode mode, Optional<String> location, Optional<String> inlineKey) {
        if (mode != LaunchMode.NORMAL) {
            return;
        }
        String devKey = body(read(DEV_PUBLIC_KEY).orElse(""));
        boolean usesDevKey = location.map(l -> l.contains("dev-keys") || body(read(l).orElse("")).equals(devKey))
                .orElse(false) || inlineKey.map(k -> body(k).equals(devKey)).orElse(false);
        if (usesDevKey && !devKey.isEmpty()) {
            throw new IllegalStateException("The prod profile must not verify tokens with the dev key "
                    + DEV_PUBLIC_KEY + ": set mp.jwt.verify.publickey.location to your Keycloak realm's JWKS URL.");
        }
    }

    private static Optional<String> read(String location) {
        String path = location.replaceFirst("^classpath:", "");
        try (InputStream in = DevKeyGuard.class.getClassLoader().getResourceAsStream(path)) {
            if (in != null) {
                return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        try {
            Path file = Path.of(path.replaceFirst("^file:", ""));
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String body(String pem) {
        return pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    }
}
