package dev.keyhub.admin;

import java.net.URI;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.vertx.MutinyHelper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.ConnectionBudgets;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.schema.SchemaConfig;
import dev.keyhub.schema.Templates;
import dev.keyhub.servers.CredentialsConfig;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.servers.Tls;

/**
 * Platform admin: the PostgreSQL servers that host tenant databases. A server is registered with a
 * credentials reference ({@code keyhub.credentials.<ref>.username/password}); credentials are never returned.
 */
@Path("/admin/db-servers")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Database servers")
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
public class DbServersResource {

    private final ServerStore store;
    private final DbServers servers;
    private final Templates templates;
    private final CredentialsConfig credentials;
    private final String template;
    private final PlatformAudit audit;
    private final JsonWebToken caller;
    private final ConnectionBudgets budgets;
    private final TenantPools pools;

    public DbServersResource(ServerStore store, DbServers servers, Templates templates, CredentialsConfig credentials, SchemaConfig schema,
            PlatformAudit audit, JsonWebToken caller, ConnectionBudgets budgets, TenantPools pools) {
        this.budgets = budgets;
        this.pools = pools;
        this.store = store;
        this.servers = servers;
        this.templates = templates;
        this.credentials = credentials;
        this.template = schema.templateDatabase();
        this.audit = audit;
        this.caller = caller;
    }

    @Schema(example = "{\"id\": \"pg-eu-2\", \"host\": \"pg-eu-2.db.example.com\", \"port\": 5432, "
            + "\"region\": \"eu-west\", \"capacity\": 1000, \"credentialsRef\": \"pgeu2\", "
            + "\"maintenanceDb\": \"postgres\", \"connectionBudget\": 80, \"sslmode\": \"verify-full\", "
            + "\"sslRootCert\": \"/etc/keyhub/tls/pg-eu-2-ca.pem\"}")
    public record NewServer(
            @NotNull @Pattern(regexp = "[a-z0-9][a-z0-9-]{0,62}") String id,
            @NotBlank @Size(max = 255) String host,
            @NotNull @Min(1) @Max(65535) Integer port,
            @Pattern(regexp = "[a-z0-9][a-z0-9-]{0,31}") String region,
            @Min(0) @Max(1_000_000) Integer capacity,
            // Lower-case letters and digits only: KEYHUB_CREDENTIALS_<REF>_USERNAME maps back to no other name.
            @NotBlank @Size(max = 100) @Pattern(regexp = "[a-z0-9]+",
                    message = "must be lower-case letters and digits, so that it can be set by environment variable")
            String credentialsRef,
            @Size(max = 63) String maintenanceDb,
            @Min(1) @Max(100_000) Integer connectionBudget,
            @Schema(description = "How connections to the server are secured, as libpq's sslmode: disable (the default), "
                    + "require (TLS, certificate not checked), verify-ca (signed by sslRootCert), verify-full (also issued "
                    + "to host)", enumeration = {"disable", "require", "verify-ca", "verify-full"})
            @Pattern(regexp = "disable|require|verify-ca|verify-full", message = "must be " + Tls.MODES) String sslmode,
            @Schema(description = "Path, on every KeyHub replica, of the PEM CA certificate that verifies the server "
                    + "(a mounted Secret); required by verify-ca and verify-full")
            @Size(max = 1000) String sslRootCert) {
    }

    /**
     * A registered server. {@code sslmode} and {@code sslRootCert} are those KeyHub connects with (for the catalog's
     * own server, {@code keyhub.catalog.sslmode}); credentials are never part of it.
     */
    public record ServerView(String id, String host, Integer port, String region, int capacity, String status,
            String templateVersion, String templateProductVersion, long tenants, boolean catalogServer,
            String sslmode, String sslRootCert, BudgetView connectionBudget) {

        static ServerView of(ServerStore.Hosting hosting, Tls tls) {
            DbServer s = hosting.server();
            return new ServerView(s.id, s.host, s.port, s.region, s.capacity, s.status, s.templateVersion,
                    s.templateProductVersion, hosting.tenants(), s.usesCatalogConnection, tls.mode().value(),
                    tls.rootCert(), null);
        }

        ServerView with(BudgetView budget) {
            return new ServerView(id, host, port, region, capacity, status, templateVersion, templateProductVersion,
                    tenants, catalogServer, sslmode, sslRootCert, budget);
        }
    }

    /**
     * The connections this replica's tenant pools may hold on the server ({@code effective}), what it is made of,
     * and how much of it is in use. Null when the server cannot be reached to read its settings.
     */
    public record BudgetView(int effective, Integer serverBudget, Integer configuredBudget, int derived,
            int maxConnections, int superuserReservedConnections, int reservedConnections, int catalogPools,
            int replicas, int adminPool, int migrationWorkers, int reserved, int open, int pools, int waiters) {

        static BudgetView of(ConnectionBudgets.Inputs in, TenantPools.Snapshot now) {
            return new BudgetView(in.effective(), in.serverBudget(), in.configuredBudget(), in.derived(),
                    in.maxConnections(), in.superuserReserved(), in.reservedConnections(), in.catalogPools(), in.replicas(),
                    in.adminPool(), in.migrationWorkers(), now.reserved(), now.open(), now.pools(), now.waiters());
        }
    }

    @GET
    @Operation(operationId = "listDbServers", summary = "List database servers",
            description = "The registered PostgreSQL servers with their tenant counts, TLS settings and this replica's "
                    + "connection budget on each (null when the server cannot be reached). Credentials are never returned.")
    @APIResponse(responseCode = "200", description = "The servers")
    public Uni<List<ServerView>> list() {
        return store.listHosting().chain(all -> Multi.createFrom().iterable(all)
                .map(hosting -> ServerView.of(hosting, servers.tlsOf(hosting.server())))
                .onItem().transformToUniAndConcatenate(view -> budget(view.id()).map(view::with))
                .collect().asList());
    }

    private Uni<BudgetView> budget(String serverId) {
        return servers.address(serverId)
                .chain(address -> budgets.inputs(serverId, address))
                .map(inputs -> BudgetView.of(inputs, pools.snapshot(serverId)))
                .onFailure().recoverWithNull();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "registerDbServer", summary = "Register a database server",
            description = "KeyHub connects to the server with the configured credentials reference "
                    + "(keyhub.credentials.<ref>.username/password) and the given TLS settings, and creates its template "
                    + "database at the fleet's version. Region defaults to default, capacity to 1000, sslmode to disable.")
    @APIResponse(responseCode = "201", description = "Registered; Location names the server",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServerView.class)))
    @APIResponse(responseCode = "400", description = "Invalid body, unknown credentials reference, or TLS settings "
            + "that cannot work (invalid_tls); a server that fails them: tls_not_offered, tls_untrusted_certificate, "
            + "tls_host_mismatch, tls_failed")
    @APIResponse(responseCode = "409", description = "A server with this id exists")
    @APIResponse(responseCode = "503", description = "The server cannot be reached with those credentials")
    public Uni<Response> register(@Valid @NotNull NewServer body) {
        if (!credentials.byReference().containsKey(body.credentialsRef())) {
            throw ProblemException.badRequest("unknown_credentials", "No credentials '" + body.credentialsRef()
                    + "' are configured (keyhub.credentials." + body.credentialsRef() + ".username/password).");
        }
        Tls tls;
        try {
            tls = Tls.of(body.sslmode(), body.sslRootCert());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("invalid_tls", "The TLS settings cannot work: " + e.getMessage() + ".");
        }
        DbServer server = new DbServer();
        server.id = body.id();
        server.host = body.host();
        server.port = body.port();
        server.credentialsRef = body.credentialsRef();
        server.maintenanceDb = body.maintenanceDb() == null ? "postgres" : body.maintenanceDb();
        server.region = body.region() == null ? "default" : body.region();
        server.capacity = body.capacity() == null ? 1000 : body.capacity();
        server.templateDatabase = template;
        server.connectionBudget = body.connectionBudget();
        server.status = "active";
        server.sslMode = tls.mode().value();
        server.sslRootCert = tls.rootCert();
        ServerAddress address = servers.addressOf(server);
        // The template is prepared on a worker thread (Liquibase is blocking); the catalog write goes back to the
        // request's Vert.x context, where Hibernate Reactive sessions live.
        Context request = Vertx.currentContext();
        Uni<Response> work = store.exists(body.id())
                .invoke(exists -> {
                    if (exists) {
                        throw ProblemException.conflict("server_exists", "A database server '" + body.id() + "' exists.");
                    }
                })
                .chain(store::fleetTemplateVersions)
                .chain(fleet -> Uni.createFrom().item(() -> templates.ensureTemplate(address, template,
                                fleet.orElseGet(templates::startVersions)))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .emitOn(MutinyHelper.executor(request))
                        .onFailure().transform(e -> Tls.failureOf(e)
                                .map(tlsFailure -> ProblemException.badRequest(tlsFailure.code(), tlsFailure.detail()))
                                .orElseGet(() -> ProblemException.unavailable("server_unreachable",
                                        "The server could not be reached or prepared with those credentials.", 30))))
                .chain(versions -> {
                    server.templateVersion = versions.keyhub();
                    server.templateProductVersion = versions.product();
                    return store.register(server);
                })
                .invoke(() -> {
                    servers.forget(body.id());
                    budgets.forget(body.id());
                })
                .chain(() -> list())
                .map(all -> Response.created(URI.create("/admin/db-servers/" + body.id()))
                        .entity(all.stream().filter(s -> s.id().equals(body.id())).findFirst().orElseThrow()).build());
        return audit.audited(caller.getSubject(), "db_server.registered", null, new JsonObject().put("server", body.id()), work);
    }
}
