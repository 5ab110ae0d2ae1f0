package dev.keyhub.admin;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
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
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.PageView;
import dev.keyhub.common.ProblemException;
import dev.keyhub.tenancy.TenantDirectory;
import io.smallrye.mutiny.Uni;

/** Platform admin: create, list, show and delete tenants. Requires the realm role {@code platform-admin}. */
@Path("/admin/tenants")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
public class TenantAdminResource {

    static final int MAX_PAGE_SIZE = 200;

    private final ProvisioningService provisioning;
    private final TenantRepository tenants;
    private final TenantDirectory directory;
    private final Idempotency idempotency;
    private final ObjectMapper json;
    private final JsonWebToken caller;

    public TenantAdminResource(ProvisioningService provisioning, TenantRepository tenants, TenantDirectory directory,
            Idempotency idempotency, ObjectMapper json, JsonWebToken caller) {
        this.provisioning = provisioning;
        this.tenants = tenants;
        this.directory = directory;
        this.idempotency = idempotency;
        this.json = json;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a tenant with its own database, copied from the template")
    @APIResponse(responseCode = "201", description = "Created; Location names the tenant")
    @APIResponse(responseCode = "400", description = "Invalid or reserved slug, invalid body")
    @APIResponse(responseCode = "409", description = "Slug taken, or the same Idempotency-Key is in progress")
    @APIResponse(responseCode = "422", description = "Idempotency-Key reused with a different body")
    @APIResponse(responseCode = "500", description = "A step failed; nothing was kept; 'step' names it")
    @APIResponse(responseCode = "503", description = "No database server has room")
    public Uni<Response> create(@Valid @NotNull CreateTenantRequest request,
            @Parameter(description = "Repeat a request safely: the same key returns the first result")
            @HeaderParam("Idempotency-Key") String key) {
        if (key == null) {
            return provisioning.provision(request).map(t -> created(TenantView.of(t)));
        }
        String who = caller.getIssuer() + "|" + caller.getSubject();
        return idempotency.claim(who, key, write(request)).chain(stored -> {
            if (stored.isPresent()) {
                Idempotency.Stored s = stored.get();
                return Uni.createFrom().item(Response.status(s.status()).entity(s.body())
                        .type(MediaType.APPLICATION_JSON).location(URI.create(s.location()))
                        .header("Idempotent-Replayed", "true").build());
            }
            return provisioning.provision(request)
                    .map(TenantView::of)
                    .call(view -> idempotency.complete(who, key, new Idempotency.Stored(201, write(view),
                            location(view).toString())))
                    .map(this::created)
                    .onFailure().call(e -> idempotency.release(who, key));
        });
    }

    @GET
    @Operation(summary = "List tenants, newest first, optionally in one state")
    @APIResponse(responseCode = "200", description = "A page of tenants")
    @APIResponse(responseCode = "400", description = "Invalid status, page or size")
    public Uni<PageView<TenantView>> list(@QueryParam("status") String status,
            @QueryParam("page") @DefaultValue("0") String page, @QueryParam("size") @DefaultValue("50") String size) {
        Optional<TenantStatus> wanted = parseStatus(status);
        int p = parseInt("page", page, 0, Integer.MAX_VALUE);
        int s = parseInt("size", size, 1, MAX_PAGE_SIZE);
        return tenants.page(wanted, p, s).chain(items -> tenants.countPage(wanted)
                .map(total -> new PageView<>(items.stream().map(TenantView::of).toList(), p, s, total)));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One tenant, in whatever state")
    @APIResponse(responseCode = "200", description = "The tenant")
    @APIResponse(responseCode = "404", description = "No such tenant")
    public Uni<TenantView> get(@PathParam("id") String id) {
        return directory.byId(parseId(id)).map(TenantView::of);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a tenant: its database is dropped and it shows as DELETED")
    @APIResponse(responseCode = "204", description = "Deleted (also when it already was)")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is still being created")
    public Uni<Response> delete(@PathParam("id") String id) {
        return provisioning.delete(parseId(id)).map(v -> Response.noContent().build());
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
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("tenant_not_found", "No tenant " + id + ".");
        }
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
