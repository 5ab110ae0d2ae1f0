package dev.keyhub.servers;

import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

/** Credentials of database servers: {@code keyhub.credentials.<ref>.username} and {@code .password}. */
@ConfigMapping(prefix = "keyhub.credentials")
public interface CredentialsConfig {

    /** Credentials for database servers registered with a {@code credentials_ref}, by that reference. */
    @WithParentName
    Map<String, Credentials> byReference();

    interface Credentials {
        String username();

        String password();
    }
}
