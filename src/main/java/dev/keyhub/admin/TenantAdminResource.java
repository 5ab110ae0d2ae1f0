package dev.keyhub.admin;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.catalog.Idempotency;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.Ids;
import dev.keyhub.common.PageView;
import dev.keyhub.common.ProblemException;
import dev.keyhub.common.Slug;
import dev.keyhub.session.SupportSessions;
import dev.keyhub.provisioning.CreateTenantRequest;
import dev.keyhub.provisioning.ProvisioningService;
import dev.keyhub.provisioning.TenantLifecycle;
import dev.keyhub.provisioning.TenantMover;
import dev.keyhub.tenancy.TenantDirectory;

/** Platform admin: create, list, show and delete tenants. Requires the realm role {@code platform-admin}. */
@Path("/admin/tenants")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Tenants")
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
public class TenantAdminResource {

    static final int MAX_PAGE_SIZE = 200;

    private final ProvisioningService provisioning;
    private final TenantLifecycle lifecycle;
    private final PlatformAudit audit;
    private final TenantMover mover;
    private final TenantRepository tenants;
    private final TenantDirectory directory;
    private final Idempotency idempotency;
    private final ObjectMapper json;
    private final JsonWebToken caller;
    private final SupportSessions support;
    private final io.vertx.core.http.HttpServerRequest request;

    public TenantAdminResource(ProvisioningService provisioning, TenantLifecycle lifecycle, PlatformAudit audit,
            TenantMover mover,
            TenantRepository tenants, TenantDirectory directory,
            Idempotency idempotency, ObjectMapper json, JsonWebToken caller, SupportSessions support,
            io.vertx.core.http.HttpServerRequest request) {
        this.support = support;
        this.request = request;
        this.provisioning = provisioning;
        this.lifecycle = lifecycle;
        this.audit = audit;
        this.mover = mover;
        this.tenants = tenants;
        this.directory = directory;
        this.idempotency = idempotency;
        this.json = json;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createTenant", summary = "Create a tenant",
            description = "Creates a tenant with its own database, copied from the template, with the owner as its first "
                    + "admin, and answers it ACTIVE. A failed step is undone and named in the problem. With an "
                    + "Idempotency-Key header, a repeated request answers the first result instead of creating another tenant.")
    @APIResponse(responseCode = "201", description = "Created; Location names the tenant",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "400", description = "Invalid or reserved slug, invalid body")
    @APIResponse(responseCode = "409", description = "Slug taken, or the same Idempotency-Key is in progress")
    @APIResponse(responseCode = "422", description = "Idempotency-Key reused with a different body")
    @APIResponse(responseCode = "500", description = "A step failed; nothing was kept; 'step' names it")
    @APIResponse(responseCode = "503", description = "No database server has room")
    public Uni<Response> create(@Valid @NotNull CreateTenantRequest request,
            @Parameter(description = "Repeat a request safely: the same key returns the first result")
            @HeaderParam("Idempotency-Key") String key) {
        if (key == null) {
            return audited(request, provisioning.provision(request)).map(t -> created(TenantView.of(t)));
        }
        String who = caller.getIssuer() + "|" + caller.getSubject();
        return idempotency.claim(who, key, write(request)).chain(stored -> {
            if (stored.isPresent()) {
                Idempotency.Stored s = stored.get();
                return Uni.createFrom().item(Response.status(s.status()).entity(s.body())
                        .type(MediaType.APPLICATION_JSON).location(URI.create(s.location()))
                        .header("Idempotent-Replayed", "true").build());
            }
            return audited(request, provisioning.provision(request))
                    .map(TenantView::of)
                    .call(view -> idempotency.complete(who, key, new Idempotency.Stored(201, write(view),
                            location(view).toString())))
                    .map(this::created)
                    .onFailure().call(e -> idempotency.release(who, key));
        });
    }

    @GET
    @Operation(operationId = "listTenants", summary = "List tenants",
            description = "A page of tenants, newest first, optionally only those in one state (status). "
                    + "Pages are numbered from 0; size is 1 to 200, 50 by default.")
    @APIResponse(responseCode = "200", description = "A page of tenants")
    @APIResponse(responseCode = "400", description = "Invalid status, page or size")
    public Uni<PageView<TenantView>> list(@Parameter(description = "Only tenants in this status") @QueryParam("status") String status,
            @Parameter(description = "The page, from 0") @QueryParam("page") @DefaultValue("0") String page, @QueryParam("size") @DefaultValue("50") String size) {
        Optional<TenantStatus> wanted = parseStatus(status);
        int p = parseInt("page", page, 0, Integer.MAX_VALUE);
        int s = parseInt("size", size, 1, MAX_PAGE_SIZE);
        return tenants.page(wanted, p, s).chain(items -> tenants.countPage(wanted)
                .map(total -> new PageView<>(items.stream().map(TenantView::of).toList(), p, s, total)));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getTenant", summary = "Get a tenant",
            description = "One tenant, in whatever state it is, including deleted ones.")
    @APIResponse(responseCode = "200", description = "The tenant")
    @APIResponse(responseCode = "404", description = "No such tenant")
    public Uni<TenantView> get(@PathParam("id") String id) {
        return directory.byId(parseId(id)).map(TenantView::of);
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "deleteTenant", summary = "Delete a tenant",
            description = "The tenant is DELETED at once; its database is dropped after the grace period or, with "
                    + "purge=true, now. Deleting a deleted tenant again is harmless, and with purge=true drops a kept database.")
    @APIResponse(responseCode = "204", description = "Deleted (also when it already was)")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is still being created")
    public Uni<Response> delete(@PathParam("id") String id, @Parameter(description = "Drop the database now instead of after the grace period") @QueryParam("purge") @DefaultValue("false") boolean purge) {
        UUID tenantId = parseId(id);
        return audit.audited(actor(), purge ? "tenant.purged" : "tenant.deleted", tenantId, null,
                lifecycle.delete(tenantId, purge)).map(v -> Response.noContent().build());
    }

    @POST
    @Path("/{id}/suspend")
    @Operation(operationId = "suspendTenant", summary = "Suspend a tenant",
            description = "An active tenant becomes SUSPENDED: its API answers 403 tenant_suspended and its data is kept. "
                    + "Suspending a suspended tenant does nothing.")
    @APIResponse(responseCode = "200", description = "Suspended (also when it already was)")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is not active")
    public Uni<TenantView> suspend(@PathParam("id") String id) {
        UUID tenantId = parseId(id);
        return audit.audited(actor(), "tenant.suspended", tenantId, null, lifecycle.suspend(tenantId)).map(TenantView::of);
    }

    @POST
    @Path("/{id}/resume")
    @Operation(operationId = "resumeTenant", summary = "Resume a suspended tenant",
            description = "A suspended tenant becomes ACTIVE again. Resuming an active tenant does nothing.")
    @APIResponse(responseCode = "200", description = "Active (also when it already was)")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is not suspended")
    public Uni<TenantView> resume(@PathParam("id") String id) {
        UUID tenantId = parseId(id);
        return audit.audited(actor(), "tenant.resumed", tenantId, null, lifecycle.resume(tenantId)).map(TenantView::of);
    }

    @POST
    @Path("/{id}/undelete")
    @Operation(operationId = "undeleteTenant", summary = "Undelete a tenant",
            description = "Brings back a tenant deleted without purge, inside its grace period, with its data as it was. "
                    + "Refused once another tenant has taken its slug or its grace period is over.")
    @APIResponse(responseCode = "200", description = "Active again")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is not deleted (invalid_state), or another tenant has "
            + "taken its slug since (slug_taken)")
    @APIResponse(responseCode = "410", description = "Its grace period is over: the database is dropped or about to be (tenant_purged)")
    public Uni<TenantView> undelete(@PathParam("id") String id) {
        UUID tenantId = parseId(id);
        return audit.audited(actor(), "tenant.undeleted", tenantId, null, lifecycle.undelete(tenantId)).map(TenantView::of);
    }

    /** Body of POST /admin/tenants/{id}/clone. */
    @Schema(example = "{\"slug\": \"acme-staging\", \"name\": \"Acme (staging copy)\"}")
    public record CloneRequest(
            @NotNull @Slug String slug,
            @jakarta.validation.constraints.NotBlank @Size(max = 200) String name) {
    }

    /** Body of POST …/support-sessions: why, and for how many minutes (1 to 60; 30 when left out). */
    @Schema(example = "{\"reason\": \"Ticket 4821: members of acme cannot join groups\", \"minutes\": 30}")
    public record SupportRequest(String reason, Integer minutes) {
    }

    @POST
    @Path("/{id}/support-sessions")
    @RolesAllowed("platform-support")
    @Consumes(MediaType.APPLICATION_JSON)
    @Tag(name = "Support access")
    @Operation(operationId = "openSupportSession", summary = "Open a support session in a tenant",
            description = "Opens a read-only support session in an active tenant, with a reason, for 1 to 60 minutes "
                    + "(30 by default); requires the realm role platform-support. The token, a bearer token for the "
                    + "tenant's API, is in this response only. Opening is recorded in the platform audit log and in the tenant's own.")
    @APIResponse(responseCode = "201", description = "Opened; the body holds the session's token",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SupportSessions.Opened.class)))
    @APIResponse(responseCode = "400", description = "No reason, or a duration outside 1 to 60 minutes")
    @APIResponse(responseCode = "403", description = "No platform-support role")
    @APIResponse(responseCode = "404", description = "Unknown tenant")
    @APIResponse(responseCode = "409", description = "The tenant is not active")
    public Uni<Response> openSupportSession(@PathParam("id") String id, @NotNull SupportRequest body) {
        UUID tenant = parseId(id);
        java.time.Duration lifetime = java.time.Duration.ofMinutes(body.minutes() == null ? 30 : body.minutes());
        String ip = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        return audit.audited(actor(), "support.session_opened", tenant,
                new io.vertx.core.json.JsonObject().put("reason", body.reason()).put("minutes", lifetime.toMinutes()),
                support.open(tenant, caller.getIssuer(), caller.getSubject(), body.reason(), lifetime, ip))
                .map(opened -> Response.created(URI.create("/admin/support-sessions/" + opened.id())).entity(opened).build());
    }

    @POST
    @Path("/{id}/clone")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "cloneTenant", summary = "Clone a tenant",
            description = "Creates a new tenant, on the same server, with a copy of this active or suspended tenant's data. "
                    + "The copy's sessions are dropped and its join codes revoked. A failed step is undone and named in the problem.")
    @APIResponse(responseCode = "201", description = "Created; Location names the new tenant",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "400", description = "Invalid or reserved slug, invalid body")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "Slug taken, or the source is not active or suspended")
    @APIResponse(responseCode = "500", description = "A step failed; nothing was kept; 'step' names it")
    public Uni<Response> cloneTenant(@PathParam("id") String id, @Valid @NotNull CloneRequest body) {
        UUID sourceId = parseId(id);
        return audit.audited(actor(), "tenant.cloned", sourceId, new io.vertx.core.json.JsonObject().put("slug", body.slug()),
                provisioning.clone(sourceId, body.slug(), body.name())).map(t -> created(TenantView.of(t)));
    }

    @GET
    @Path("/{id}/stats")
    @Operation(operationId = "getTenantStats", summary = "Get a tenant's database figures",
            description = "Database size, open connections, schema version and number of members of a tenant whose "
                    + "database exists.")
    @APIResponse(responseCode = "200", description = "The figures")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "410", description = "The tenant's database was purged")
    public Uni<TenantLifecycle.Stats> stats(@PathParam("id") String id) {
        return lifecycle.stats(parseId(id));
    }

    @GET
    @Path("/{id}/schema")
    @Operation(operationId = "getTenantSchema", summary = "Get a tenant's schema report",
            description = "The tenant's schema versions, the changesets it lacks of each changelog, and the drift of its "
                    + "database against its server's template (columns, indexes and constraints one has and the other has not).")
    @APIResponse(responseCode = "200", description = "The schema report")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "410", description = "The tenant's database was purged")
    public Uni<TenantLifecycle.Schema> schema(@PathParam("id") String id) {
        return lifecycle.schema(parseId(id));
    }

    /** Body of POST /admin/tenants/{id}/move. */
    @Schema(example = "{\"server\": \"pg-eu-2\"}")
    public record MoveRequest(@NotNull @jakarta.validation.constraints.Pattern(regexp = "[a-z0-9][a-z0-9-]{0,62}") String server) {
    }

    @POST
    @Path("/{id}/move")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "moveTenant", summary = "Move a tenant to another database server",
            description = "Copies the tenant's database to another active server, compares row counts, then switches the "
                    + "tenant to it and drops the old copy. The tenant is read-only meanwhile; on failure it stays where it was.")
    @APIResponse(responseCode = "200", description = "Moved; the tenant is served from the new server")
    @APIResponse(responseCode = "400", description = "Unknown server, or invalid body")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "Same server, versions differ, tenant not active, or a move in progress")
    @APIResponse(responseCode = "500", description = "The copy failed; the tenant stays where it was")
    public Uni<TenantView> move(@PathParam("id") String id, @Valid @NotNull MoveRequest body) {
        UUID tenantId = parseId(id);
        Uni<Long> work = Uni.createFrom().item(() -> {
            try {
                return mover.move(tenantId, body.server());
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool());
        return audit.audited(actor(), "tenant.moved", tenantId, new io.vertx.core.json.JsonObject().put("to", body.server()),
                work).chain(rows -> directory.byId(tenantId)).map(TenantView::of);
    }

    private String actor() {
        return caller.getSubject();
    }

    private Uni<dev.keyhub.catalog.Tenant> audited(CreateTenantRequest request, Uni<dev.keyhub.catalog.Tenant> work) {
        return audit.audited(actor(), "tenant.created", null,
                new io.vertx.core.json.JsonObject().put("slug", request.slug()), work);
    }

    private Response created(TenantView view) {
        return Response.created(location(view)).entity(view).build();
    }

    private static URI location(TenantView view) {
        return URI.create("/admin/tenants/" + view.id());
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static UUID parseId(String id) {
        return Ids.parse(id, "tenant_not_found", "tenant");
    }

    private static Optional<TenantStatus> parseStatus(String status) {
        if (status == null || status.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(TenantStatus.valueOf(status.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("invalid_status", "Unknown tenant status '" + status + "'.");
        }
    }

    private static int parseInt(String name, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the problem below
        }
        throw ProblemException.badRequest("invalid_" + name, "'" + name + "' must be a whole number from " + min
                + " to " + max + ".");
    }
}
