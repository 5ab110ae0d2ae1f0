package dev.keyhub.security;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Verified bearer tokens remembered per replica. */
@ConfigMapping(prefix = "keyhub.tokens")
public interface TokensConfig {

    /** Most verified tokens remembered at once. 0 turns the cache off. */
    @WithDefault("10000")
    int cacheSize();

    /** Longest a verified token is remembered; never past its {@code exp}. */
    @WithDefault("5m")
    Duration cacheTtl();
}
