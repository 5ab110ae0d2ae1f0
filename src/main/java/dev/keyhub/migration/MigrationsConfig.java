package dev.keyhub.migration;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Migration jobs. */
@ConfigMapping(prefix = "keyhub.migrations")
public interface MigrationsConfig {

    /** Tasks one replica runs at once, across jobs. */
    @WithDefault("4")
    int workers();

    /** How often a replica looks for work and advances jobs. */
    @WithDefault("500ms")
    Duration poll();

    /** A running task whose replica has not reported for this long is given to another replica. */
    @WithDefault("2m")
    Duration staleAfter();
}
