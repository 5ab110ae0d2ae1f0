package dev.keyhub.embedded;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * In dev mode and tests, when no datasource URL is configured anywhere, starts an embedded PostgreSQL and
 * points the catalog datasource at it. With a configured URL (for instance
 * {@code QUARKUS_DATASOURCE_REACTIVE_URL}) nothing is started. Never active in the prod profile.
 */
public class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    static final String URL_KEY = "quarkus.datasource.reactive.url";
    private static final String DATABASE = "keyhub";
    /** Below application.properties (250), so anything configured wins. */
    private static final int ORDINAL = 240;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<String> profiles = context.getProfiles();
        String mode = profiles.contains("test") ? "test" : profiles.contains("dev") ? "dev" : null;
        if (mode == null || configured(context)) {
            return List.of();
        }
        int port = portFor(mode);
        return List.of(new PropertiesConfigSource(Map.of(
                URL_KEY, "postgresql://127.0.0.1:" + port + "/" + DATABASE,
                "quarkus.datasource.username", EmbeddedPostgres.USER,
                "quarkus.datasource.password", EmbeddedPostgres.PASSWORD), "EmbeddedPostgres", ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    private static boolean configured(ConfigSourceContext context) {
        ConfigValue value = context.getValue(URL_KEY);
        return (value != null && value.getValue() != null && !value.getValue().isBlank())
                || System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL") != null
                || System.getProperty(URL_KEY) != null;
    }


    /**
     * One server per JVM and mode. The port is kept in a system property rather than a static field because
     * dev mode reloads the application in a new class loader, and the server must outlive the reload.
     */
    private static synchronized int portFor(String mode) {
        String key = "dev.keyhub.embedded-postgres." + mode + ".port";
        String known = System.getProperty(key);
        if (known != null) {
            return Integer.parseInt(known);
        }
        EmbeddedPostgres pg = EmbeddedPostgres.start(Path.of("target", "embedded-postgres"), mode, "test".equals(mode));
        pg.createDatabase(DATABASE);
        System.setProperty(key, Integer.toString(pg.port()));
        return pg.port();
    }
}
