package dev.keyhub.session;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Server-side sessions. */
@ConfigMapping(prefix = "keyhub.sessions")
public interface SessionsConfig {

    /** How long a session lasts from its creation. */
    @WithDefault("8h")
    Duration lifetime();

    /** Expired sessions are deleted this long after they expired. */
    @WithDefault("1d")
    Duration keepExpired();
}
