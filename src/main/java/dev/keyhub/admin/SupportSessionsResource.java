package dev.keyhub.admin;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.common.Ids;
import dev.keyhub.session.SupportSessions;
import dev.keyhub.session.SupportSessions.SupportView;

/**
 * Audited support access (realm role {@code platform-support}): the support sessions opened with
 * {@code POST /admin/tenants/{id}/support-sessions} ({@link TenantAdminResource}), listed and ended. Opening and ending
 * are in the platform audit log and in the tenant's own.
 */
@Path("/admin/support-sessions")
@RolesAllowed("platform-support")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Support access")
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "No platform-support role")
public class SupportSessionsResource {

    private final SupportSessions sessions;
    private final PlatformAudit audit;
    private final JsonWebToken caller;
    private final HttpServerRequest request;

    public SupportSessionsResource(SupportSessions sessions, PlatformAudit audit, JsonWebToken caller,
            HttpServerRequest request) {
        this.sessions = sessions;
        this.audit = audit;
        this.caller = caller;
        this.request = request;
    }

    @GET
    @Operation(operationId = "listSupportSessions", summary = "List support sessions",
            description = "The newest support sessions, at most 200, live or over, of one tenant (tenant) or of all. "
                    + "Requires the realm role platform-support.")
    @APIResponse(responseCode = "200", description = "Support sessions, newest first")
    @APIResponse(responseCode = "404", description = "Not a tenant id")
    public Uni<List<SupportView>> list(@Parameter(description = "Only the sessions in this tenant (its id)") @QueryParam("tenant") String tenant) {
        return sessions.recent(tenant == null || tenant.isBlank() ? null : Ids.parse(tenant, "tenant_not_found", "tenant"));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "endSupportSession", summary = "End a support session",
            description = "Ends a live support session at once; its token stops working. Requires the realm role "
                    + "platform-support; the end is recorded in the platform audit log and in the tenant's own.")
    @APIResponse(responseCode = "200", description = "Ended")
    @APIResponse(responseCode = "404", description = "No live support session with this id")
    public Uni<SupportView> end(@PathParam("id") String id) {
        UUID session = Ids.parse(id, "support_session_not_found", "support session");
        return sessions.end(session, null, "supporter " + caller.getSubject(), ip())
                .call(view -> audit.audited(caller.getSubject(), "support.session_ended", view.tenantId(),
                        new JsonObject().put("session", session.toString()), Uni.createFrom().voidItem()));
    }

    private String ip() {
        return request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    }
}
