package dev.keyhub.schema;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The tenant schema: its changelog and the template databases. */
@ConfigMapping(prefix = "keyhub.schema")
public interface SchemaConfig {

    /** The tenant changelog (classpath resource). */
    @WithDefault("db/tenant/changelog.xml")
    String changelog();

    /**
     * The release a newly created template starts at; empty means the newest. An existing template moves
     * only through migration jobs.
     */
    Optional<String> templateVersion();

    /** Name of the template database kept at the newest tenant schema on every server. */
    @WithDefault("keyhub_template")
    String templateDatabase();
}
