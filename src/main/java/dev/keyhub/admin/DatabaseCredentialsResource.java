package dev.keyhub.admin;

import java.net.URI;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.provisioning.DatabaseCredentials;

/**
 * Credentials for trusted services outside KeyHub to open one tenant's database, for reporting, exports or a
 * product's own workers. The caller is a service: a client-credentials token carrying the realm role
 * {@value #ROLE}. Every grant and revocation goes to the platform audit log.
 */
@Path("/service/tenants/{id}/database-credentials")
@RolesAllowed(DatabaseCredentialsResource.ROLE)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Service credentials")
@APIResponse(responseCode = "401", description = "No valid token")
public class DatabaseCredentialsResource {

    /** The realm role a service's token must carry. */
    public static final String ROLE = "tenant-database-client";

    private final DatabaseCredentials credentials;
    private final PlatformAudit audit;
    private final JsonWebToken caller;

    public DatabaseCredentialsResource(DatabaseCredentials credentials, PlatformAudit audit, JsonWebToken caller) {
        this.credentials = credentials;
        this.audit = audit;
        this.caller = caller;
    }

    /**
     * Body of POST: how long the credential works (default {@code keyhub.database-credentials.default-ttl}), and
     * whether the tenant's earlier credentials stop working.
     */
    @Schema(example = "{\"ttlSeconds\": 900, \"rotate\": false}")
    public record CredentialRequest(Integer ttlSeconds, Boolean rotate) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "issueDatabaseCredential", summary = "Issue a database credential for a tenant",
            description = "Issues a short-lived credential that opens this active tenant's database and no other, for "
                    + "ttlSeconds (keyhub.database-credentials.default-ttl when left out); requires the realm role "
                    + ROLE + ". The password is in this response only. With rotate=true the tenant's earlier credentials "
                    + "stop working and their sessions end.")
    @APIResponse(responseCode = "201", description = "host, port, database, user, password, expiresAt, sslmode",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = DatabaseCredentials.Issued.class)))
    @APIResponse(responseCode = "400", description = "ttlSeconds out of range, invalid body")
    @APIResponse(responseCode = "403", description = "The token lacks the role " + ROLE)
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is not active, or is being moved")
    public Uni<Response> issue(@PathParam("id") String id, @Valid CredentialRequest body) {
        UUID tenantId = TenantAdminResource.parseId(id);
        CredentialRequest request = body == null ? new CredentialRequest(null, null) : body;
        boolean rotate = Boolean.TRUE.equals(request.rotate());
        String user = DatabaseCredentials.newUser(tenantId);
        JsonObject details = new JsonObject().put("user", user).put("ttlSeconds", request.ttlSeconds())
                .put("client", client());
        return audit.audited(actor(), rotate ? "tenant.database_credentials_rotated" : "tenant.database_credentials_issued",
                        tenantId, details, credentials.issue(tenantId, user, request.ttlSeconds(), rotate))
                .map(issued -> Response.created(URI.create("/service/tenants/" + tenantId + "/database-credentials"))
                        .header("Cache-Control", "no-store").entity(issued).build());
    }

    @DELETE
    @Operation(operationId = "revokeDatabaseCredentials", summary = "Revoke a tenant's database credentials",
            description = "Revokes every credential issued for this tenant's database and ends their sessions; requires "
                    + "the realm role " + ROLE + ". Every revocation is recorded in the platform audit log.")
    @APIResponse(responseCode = "204", description = "Revoked")
    @APIResponse(responseCode = "403", description = "The token lacks the role " + ROLE)
    @APIResponse(responseCode = "404", description = "No such tenant")
    public Uni<Response> revoke(@PathParam("id") String id) {
        UUID tenantId = TenantAdminResource.parseId(id);
        return audit.audited(actor(), "tenant.database_credentials_revoked", tenantId, new JsonObject().put("client", client()),
                credentials.revokeAll(tenantId)).map(t -> Response.noContent().build());
    }

    private String actor() {
        return caller.getSubject();
    }

    /** The OAuth client the token was issued to ({@code azp}), when it says. */
    private String client() {
        Object azp = caller.getClaim("azp");
        return azp == null ? null : azp.toString();
    }
}
