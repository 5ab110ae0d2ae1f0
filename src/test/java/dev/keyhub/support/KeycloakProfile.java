package dev.keyhub.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** KeyHub verifying tokens of the real Keycloak started by {@link KeycloakServer}, with browser login on. */
public class KeycloakProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        for (String prefix : List.of("", "%test.")) {
            config.put(prefix + "mp.jwt.verify.issuer", Keycloak.ISSUER);
            config.put(prefix + "mp.jwt.verify.publickey.location", Keycloak.ISSUER + "/protocol/openid-connect/certs");
            config.put(prefix + "mp.jwt.verify.audiences", "keyhub");
        }
        config.put("keyhub.auth.client-secret", "keyhub-web-dev-secret");
        config.put("keyhub.auth.redirect-uri", Keycloak.REDIRECT_URI);
        config.put("keyhub.auth.allowed-return-to", Keycloak.APP);
        config.put("keyhub.auth.post-logout-redirect-uri", "http://localhost:8080/");
        return config;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KeycloakServer.class));
    }
}
