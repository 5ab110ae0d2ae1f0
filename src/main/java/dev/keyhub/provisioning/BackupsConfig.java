package dev.keyhub.provisioning;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Where tenant archives are kept: {@code keyhub.backups.*}. */
@ConfigMapping(prefix = "keyhub.backups")
public interface BackupsConfig {

    /**
     * A directory every replica reads and writes (a mounted volume): one subdirectory per tenant, one ZIP file per
     * archive. Unset, exports and restores answer 503 {@code backups_not_configured}.
     */
    Optional<String> location();
}
