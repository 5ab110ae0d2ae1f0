package dev.keyhub.session;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.Ids;
import dev.keyhub.common.ProblemException;
import dev.keyhub.tenancy.TenantAccess;

/**
 * Server-side sessions. A web frontend exchanges a token for a session once; the session token then
 * authenticates requests as a bearer token or as the HttpOnly cookie {@value SessionAuthenticationMechanism#COOKIE}.
 */
@Path("/api/tenants/{tenant}/sessions")
@Tag(name = "Sessions")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token or session")
@APIResponse(responseCode = "403", description = "Not a member, or another tenant's token or session")
@APIResponse(responseCode = "404", description = "Unknown tenant or session")
public class SessionsResource {

    private final TenantAccess access;
    private final SessionService sessions;

    public SessionsResource(TenantAccess access, SessionService sessions) {
        this.access = access;
        this.sessions = sessions;
    }

    @Schema(name = "OpenedSession")
    public record Created(UUID id, String token, OffsetDateTime expiresAt) {
    }

    @POST
    @Operation(operationId = "openSession", summary = "Open a session",
            description = "Exchanges the caller's JWT for a server-side session in the tenant. The session token is "
                    + "returned in this response only and also set as an HttpOnly cookie. Any member may call it, with a "
                    + "JWT, not with a session.")
    @APIResponse(responseCode = "201", description = "Opened; the Location header names the new session",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Created.class)))
    @APIResponse(responseCode = "403", description = "Called with a session instead of a JWT, not a member, or another "
            + "tenant's token")
    public Uni<Response> open(@PathParam("tenant") String tenant, @HeaderParam("User-Agent") String userAgent) {
        if (access.sessionId() != null) {
            throw ProblemException.forbidden("jwt_required", "A session is opened with a token from the identity provider.");
        }
        return access.resolve(tenant).chain(ctx -> sessions.open(ctx, userAgent).map(opened -> {
            return Response.created(URI.create("/api/tenants/" + ctx.tenant().slug() + "/sessions/" + opened.id()))
                    .cookie(SessionCookies.of(opened.token(), opened.expiresAt())).entity(new Created(opened.id(), opened.token(), opened.expiresAt())).build();
        }));
    }

    @GET
    @Operation(operationId = "listSessions", summary = "List the caller's sessions",
            description = "The caller's live sessions in the tenant, newest first; the one this request uses is marked "
                    + "current. For a tenant admin the live support sessions in the tenant come first.")
    @APIResponse(responseCode = "200", description = "The caller's live sessions")
    public Uni<List<SessionService.SessionView>> mine(@PathParam("tenant") String tenant) {
        UUID current = access.sessionId();
        return access.resolve(tenant).chain(ctx -> sessions.mine(ctx, current));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "revokeSession", summary = "Revoke one of the caller's sessions",
            description = "Revokes one of the caller's own sessions; a tenant admin may also end a live support session "
                    + "in the tenant. An unknown, another user's or an already revoked session is 404.")
    @APIResponse(responseCode = "204", description = "Revoked")
    public Uni<Response> revoke(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        UUID sessionId = Ids.parse(id, "session_not_found", "session");
        return access.resolve(tenant).chain(ctx -> sessions.revoke(ctx, sessionId)).map(v -> Response.noContent().build());
    }

    @DELETE
    @Operation(operationId = "revokeAllSessions", summary = "Revoke all of the caller's sessions",
            description = "Revokes every session of the caller in the tenant, including the one in use, if any.")
    @APIResponse(responseCode = "204", description = "Revoked")
    public Uni<Response> revokeAll(@PathParam("tenant") String tenant) {
        return access.resolve(tenant).chain(ctx -> sessions.revokeAll(ctx)).map(n -> Response.noContent().build());
    }
}
