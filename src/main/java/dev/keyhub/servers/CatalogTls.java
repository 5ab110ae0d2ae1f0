package dev.keyhub.servers;

import java.util.Set;

import jakarta.annotation.Priority;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;

/**
 * The catalog's TLS in two settings, {@value #MODE} and {@value #ROOT_CERT} (libpq's {@code sslmode} and
 * {@code sslrootcert}), for both of its clients: the reactive pool, whose Quarkus keys this derives
 * ({@code quarkus.datasource.reactive.postgresql.ssl-mode}, {@code .trust-all}, {@code .trust-certificate-pem},
 * {@code .hostname-verification-algorithm}), and the JDBC pool that Liquibase and the blocking jobs use, whose URL
 * gets the two as parameters. A Quarkus key set explicitly wins over the derived value. Bad values stop start-up with
 * a message that names the setting. The catalog's own server, when it hosts tenants, is reached the same way
 * ({@link DbServers}).
 */
@Priority(Priorities.APPLICATION)
public class CatalogTls implements ConfigSourceInterceptor {

    public static final String MODE = "keyhub.catalog.sslmode";
    public static final String ROOT_CERT = "keyhub.catalog.sslrootcert";

    private static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    private static final String REACTIVE = "quarkus.datasource.reactive.";
    private static final Set<String> DERIVED = Set.of(JDBC_URL, REACTIVE + "postgresql.ssl-mode", REACTIVE + "trust-all",
            REACTIVE + "trust-certificate-pem", REACTIVE + "trust-certificate-pem.certs",
            REACTIVE + "hostname-verification-algorithm");
    /** Values below this ordinal are defaults, not settings: the derived value replaces them. */
    private static final int SET_EXPLICITLY = 100;

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!DERIVED.contains(name)) {
            return value;
        }
        ConfigValue mode = context.proceed(MODE);
        if (mode == null || mode.getValue() == null || mode.getValue().isBlank()) {
            return value;
        }
        ConfigValue rootCert = context.proceed(ROOT_CERT);
        Tls tls;
        try {
            tls = Tls.of(mode.getValue(), rootCert == null ? null : rootCert.getValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid catalog TLS settings (" + MODE + ", " + ROOT_CERT + "): "
                    + e.getMessage(), e);
        }
        if (name.equals(JDBC_URL)) {
            if (value == null || value.getValue() == null || value.getValue().contains("sslmode=")) {
                return value;
            }
            String url = value.getValue();
            return value.withValue(url + (url.contains("?") ? "&" : "?") + tls.jdbcQuery());
        }
        if (value != null && value.getValue() != null && value.getConfigSourceOrdinal() >= SET_EXPLICITLY) {
            return value;
        }
        String derived = switch (name.substring(REACTIVE.length())) {
            case "postgresql.ssl-mode" -> tls.mode().value();
            case "trust-all" -> Boolean.toString(tls.mode() == Tls.Mode.REQUIRE);
            case "trust-certificate-pem" -> Boolean.toString(tls.mode().verifies());
            case "trust-certificate-pem.certs" -> tls.mode().verifies() ? tls.rootCert() : null;
            case "hostname-verification-algorithm" -> tls.mode() == Tls.Mode.VERIFY_FULL ? "HTTPS" : "NONE";
            default -> null;
        };
        if (derived == null) {
            return value;
        }
        ConfigValue base = value != null ? value : ConfigValue.builder().withName(name).build();
        return base.withValue(derived).withConfigSourceName("KeyHub catalog TLS (" + MODE + ")")
                .withConfigSourceOrdinal(SET_EXPLICITLY);
    }
}
