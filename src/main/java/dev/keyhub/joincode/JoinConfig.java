package dev.keyhub.joincode;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Redeeming join codes. */
@ConfigMapping(prefix = "keyhub.join")
public interface JoinConfig {

    /** Failed redemptions a caller may make per window before getting 429. */
    @WithDefault("5")
    int maxFailures();

    /** The window over which failed redemptions are counted. */
    @WithDefault("1m")
    Duration failureWindow();
}
