package dev.keyhub.provisioning;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Credentials vended to services outside KeyHub for one tenant's database. */
@ConfigMapping(prefix = "keyhub.database-credentials")
public interface DatabaseCredentialsConfig {

    /** How long a credential works when the request names no {@code ttlSeconds}. */
    @WithDefault("15m")
    Duration defaultTtl();

    /** The longest a credential may work; a longer {@code ttlSeconds} is refused. */
    @WithDefault("1h")
    Duration maxTtl();

    /** Sessions one credential may have open at once ({@code CONNECTION LIMIT}); they count against the server. */
    @WithDefault("5")
    int connectionLimit();
}
