package dev.keyhub.admin;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.common.ProblemException;
import dev.keyhub.provisioning.ProvisioningConfig;

/**
 * Platform admin: organizations, the customers that own tenants, each with a quota of live tenants. A tenant
 * joins an organization when it is created ({@code organization} in {@code POST /admin/tenants}); creating
 * one past the quota is refused with 409 {@code organization_quota_exceeded}.
 */
@Path("/admin/organizations")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
public class OrganizationsResource {

    private static final String COLUMNS = "id, slug, name, max_tenants, live_tenants, created_at";

    private final Pool catalog;
    private final PlatformAudit audit;
    private final JsonWebToken caller;
    private final int defaultQuota;

    public OrganizationsResource(Pool catalog, PlatformAudit audit, JsonWebToken caller, ProvisioningConfig config) {
        this.catalog = catalog;
        this.audit = audit;
        this.caller = caller;
        this.defaultQuota = config.maxTenantsPerOrganization();
    }

    public record NewOrganization(
            @NotNull @Size(min = 2, max = 63) @Pattern(regexp = "[a-z0-9]([a-z0-9-]*[a-z0-9])?",
                    message = "must be lowercase letters, digits and hyphens") String slug,
            @NotBlank @Size(max = 200) String name,
            @Min(0) @Max(1_000_000) Integer maxTenants) {
    }

    public record QuotaChange(@NotNull @Min(0) @Max(1_000_000) Integer maxTenants) {
    }

    public record OrganizationView(UUID id, String slug, String name, int maxTenants, int liveTenants,
            java.time.OffsetDateTime createdAt) {
    }

    @GET
    @Operation(summary = "Organizations with their tenant quota and live tenants")
    public Uni<List<OrganizationView>> list() {
        return catalog.query("SELECT " + COLUMNS + " FROM organizations ORDER BY slug LIMIT 1000").execute().map(rows -> {
            List<OrganizationView> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(view(r));
            }
            return out;
        });
    }

    @GET
    @Path("/{slug}")
    @Operation(summary = "One organization")
    @APIResponse(responseCode = "404", description = "Unknown organization")
    public Uni<OrganizationView> get(@PathParam("slug") String slug) {
        return catalog.preparedQuery("SELECT " + COLUMNS + " FROM organizations WHERE slug = $1").execute(Tuple.of(slug))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(slug);
                    }
                    return view(rows.iterator().next());
                });
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an organization; maxTenants defaults to keyhub.provisioning.max-tenants-per-organization")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "409", description = "The slug is taken")
    public Uni<Response> create(@Valid @NotNull NewOrganization body) {
        int quota = body.maxTenants() == null ? defaultQuota : body.maxTenants();
        Uni<Response> work = catalog.preparedQuery("INSERT INTO organizations (slug, name, max_tenants) VALUES ($1, $2, $3) "
                + "RETURNING " + COLUMNS).execute(Tuple.of(body.slug(), body.name().strip(), quota))
                .map(rows -> Response.created(URI.create("/admin/organizations/" + body.slug()))
                        .entity(view(rows.iterator().next())).build())
                .onFailure(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState()))
                .transform(e -> ProblemException.conflict("organization_exists",
                        "An organization '" + body.slug() + "' exists."));
        return audit.audited(caller.getSubject(), "organization.created", null,
                new JsonObject().put("organization", body.slug()).put("maxTenants", quota), work);
    }

    @PATCH
    @Path("/{slug}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change an organization's tenant quota (a quota below its live tenants only stops new ones)")
    @APIResponse(responseCode = "200", description = "Changed")
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "404", description = "Unknown organization")
    public Uni<OrganizationView> changeQuota(@PathParam("slug") String slug, @Valid @NotNull QuotaChange body) {
        Uni<OrganizationView> work = catalog.preparedQuery("UPDATE organizations SET max_tenants = $2, updated_at = now() "
                + "WHERE slug = $1 RETURNING " + COLUMNS).execute(Tuple.of(slug, body.maxTenants())).map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(slug);
                    }
                    return view(rows.iterator().next());
                });
        return audit.audited(caller.getSubject(), "organization.quota_changed", null,
                new JsonObject().put("organization", slug).put("maxTenants", body.maxTenants()), work);
    }

    private static OrganizationView view(Row r) {
        return new OrganizationView(r.getUUID(0), r.getString(1), r.getString(2), r.getInteger(3), r.getInteger(4),
                r.getOffsetDateTime(5));
    }

    private static ProblemException notFound(String slug) {
        return ProblemException.notFound("organization_not_found", "There is no organization '" + slug + "'.");
    }
}
