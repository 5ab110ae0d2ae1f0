package dev.keyhub.servers;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgConnectOptions;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.ServerStore;

/**
 * Resolves database servers (rows of {@code db_servers}) to addresses with credentials. Servers change
 * rarely, so their addresses are kept in memory once looked up.
 */
@ApplicationScoped
public class DbServers {

    private final CredentialsConfig config;
    private final ServerStore store;
    private final String catalogUrl;
    private final String catalogUser;
    private final String catalogPassword;
    private final Tls catalogTls;
    private final Map<String, ServerAddress> known = new ConcurrentHashMap<>();

    public DbServers(CredentialsConfig config, ServerStore store,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String catalogUrl,
            @ConfigProperty(name = "quarkus.datasource.username") String catalogUser,
            @ConfigProperty(name = "quarkus.datasource.password") String catalogPassword,
            @ConfigProperty(name = CatalogTls.MODE, defaultValue = "disable") String catalogSslMode,
            @ConfigProperty(name = CatalogTls.ROOT_CERT) java.util.Optional<String> catalogRootCert) {
        this.config = config;
        this.store = store;
        this.catalogUrl = catalogUrl;
        this.catalogUser = catalogUser;
        this.catalogPassword = catalogPassword;
        this.catalogTls = Tls.of(catalogSslMode, catalogRootCert.orElse(null));
    }

    /** The address of a registered server; fails with {@link IllegalStateException} for an unknown one. */
    public Uni<ServerAddress> address(String serverId) {
        ServerAddress cached = known.get(serverId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return store.byId(serverId).map(server -> {
            if (server == null) {
                throw new IllegalStateException("unknown database server " + serverId);
            }
            ServerAddress address = addressOf(server);
            known.put(serverId, address);
            return address;
        });
    }

    /** The address of a server row, without consulting the catalog. */
    public ServerAddress addressOf(DbServer server) {
        if (server.usesCatalogConnection) {
            PgConnectOptions catalog = PgConnectOptions.fromUri(catalogUrl.replaceFirst("^vertx-reactive:", ""));
            return new ServerAddress(catalog.getHost(), catalog.getPort(), catalogUser, catalogPassword,
                    server.maintenanceDb, catalogTls);
        }
        CredentialsConfig.Credentials credentials = config.byReference().get(server.credentialsRef);
        if (credentials == null) {
            throw new Unconfigured(server);
        }
        return new ServerAddress(server.host, server.port, credentials.username(), credentials.password(),
                server.maintenanceDb, registeredTls(server));
    }

    /** The TLS settings KeyHub connects to a server with: the catalog's for the catalog's own server. */
    public Tls tlsOf(DbServer server) {
        return server.usesCatalogConnection ? catalogTls : registeredTls(server);
    }

    /** A server row's TLS settings, as registered (checked then; a CA file since removed fails its connections). */
    private static Tls registeredTls(DbServer server) {
        return new Tls(Tls.Mode.valueOf(server.sslMode.toUpperCase(java.util.Locale.ROOT).replace('-', '_')),
                server.sslRootCert);
    }

    /** The catalog's database, when the catalog lives on the server at this address. */
    public java.util.Optional<String> catalogDatabaseOn(ServerAddress address) {
        PgConnectOptions catalog = PgConnectOptions.fromUri(catalogUrl.replaceFirst("^vertx-reactive:", ""));
        return catalog.getHost().equals(address.host()) && catalog.getPort() == address.port()
                ? java.util.Optional.of(catalog.getDatabase()) : java.util.Optional.empty();
    }

    /**
     * The credential references configured ({@code keyhub.credentials.<ref>.*}): a server registered
     * with any other cannot be reached by this replica, so no tenant is placed on it.
     */
    public String[] configuredCredentials() {
        return config.byReference().keySet().toArray(String[]::new);
    }

    /**
     * A registered server whose credential reference has no credentials in this replica's configuration
     * (removed since it was registered, or not given to this replica). Its tenants answer 503 until it is
     * configured again; KeyHub itself keeps running.
     */
    public static final class Unconfigured extends IllegalStateException {
        public Unconfigured(DbServer server) {
            super("no credentials are configured for database server " + server.id + ": set keyhub.credentials."
                    + server.credentialsRef + ".username and .password");
        }
    }

    /** Forgets a cached address, after a server was changed. */
    public void forget(String serverId) {
        known.remove(serverId);
    }
}
