package dev.keyhub.schema;

import java.nio.file.Path;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The tenant schema: KeyHub's changelog, the product's, and the template databases. */
@ConfigMapping(prefix = "keyhub.schema")
public interface SchemaConfig {

    /** KeyHub's tenant changelog (classpath resource). */
    @WithDefault("db/tenant/changelog.xml")
    String changelog();

    /**
     * The product's tenant changelog: a classpath resource, or a path inside {@link #productDirectory()} when
     * that is set. A deployment without it has KeyHub's tables only.
     */
    @WithDefault("db/product/changelog.xml")
    String productChangelog();

    /**
     * A directory to read the product changelog and the files it includes from, instead of the class path, so
     * that a platform team can ship product releases without rebuilding KeyHub.
     */
    Optional<Path> productDirectory();

    /** The product release a newly created template starts at; empty means the newest. */
    Optional<String> productTemplateVersion();

    /**
     * The release a newly created template starts at; empty means the newest. An existing template moves
     * only through migration jobs.
     */
    Optional<String> templateVersion();

    /** Name of the template database kept at the newest tenant schema on every server. */
    @WithDefault("keyhub_template")
    String templateDatabase();
}
