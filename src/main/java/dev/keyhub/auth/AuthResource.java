package dev.keyhub.auth;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

import dev.keyhub.common.ProblemException;
import dev.keyhub.session.SessionCookies;
import dev.keyhub.session.SessionService;
import dev.keyhub.tenancy.SessionAttributes;
import dev.keyhub.tenancy.TenantAccess;

/**
 * Browser login for web frontends (backend-for-frontend): the browser is sent to Keycloak and back, and ends
 * up with an HttpOnly session cookie; it never sees a token.
 */
@Path("/auth")
@PermitAll
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    private final BrowserLogin login;
    private final SessionService sessions;
    private final SecurityIdentity identity;
    private final HttpServerRequest request;
    private final TenantSwitch switcher;
    private final TenantAccess access;

    public AuthResource(BrowserLogin login, SessionService sessions, SecurityIdentity identity, HttpServerRequest request,
            TenantSwitch switcher, TenantAccess access) {
        this.switcher = switcher;
        this.access = access;
        this.login = login;
        this.sessions = sessions;
        this.identity = identity;
        this.request = request;
    }

    public record LoggedOut(URI logoutUrl) {
    }

    @GET
    @Path("/login")
    @Operation(summary = "Start a browser login to a tenant: redirects to Keycloak with state, nonce and a PKCE challenge")
    @APIResponse(responseCode = "302", description = "To Keycloak's authorize endpoint")
    @APIResponse(responseCode = "400", description = "No tenant, or returnTo not on the allow-list")
    @APIResponse(responseCode = "403", description = "The tenant is suspended")
    @APIResponse(responseCode = "404", description = "Unknown tenant")
    @APIResponse(responseCode = "410", description = "Deleted tenant")
    @APIResponse(responseCode = "503", description = "Browser login is not configured")
    public Uni<Response> start(@QueryParam("tenant") String tenant, @QueryParam("returnTo") String returnTo) {
        // Without a tenant, the one the host names (<slug>.<base domain> or a verified domain), if any.
        Uni<String> named = tenant != null && !tenant.isBlank() ? Uni.createFrom().item(tenant)
                : access.hostTenant().map(host -> host == null ? null : host.slug());
        return named.chain(t -> login.start(t, returnTo))
                .map(authorize -> Response.status(Response.Status.FOUND).location(authorize)
                        .header("Cache-Control", "no-store").build());
    }

    @GET
    @Path("/callback")
    @Operation(summary = "Keycloak's redirect back: checks state and ID token, opens a session, sets its cookie, "
            + "redirects to returnTo")
    @APIResponse(responseCode = "303", description = "Signed in; to returnTo with the session cookie")
    @APIResponse(responseCode = "400", description = "Unknown, reused or expired state; Keycloak error; bad code, "
            + "ID token or nonce")
    @APIResponse(responseCode = "403", description = "Not a member of the tenant, or the tenant is suspended")
    @APIResponse(responseCode = "503", description = "Keycloak or the tenant's database is unavailable")
    public Uni<Response> callback(@QueryParam("state") String state, @QueryParam("code") String code,
            @QueryParam("error") String error, @HeaderParam("User-Agent") String userAgent) {
        String ip = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        return login.complete(state, code, error, ip, userAgent)
                .map(done -> Response.seeOther(done.returnTo()).cookie(SessionCookies.of(done.sessionToken(), done.expiresAt()))
                        .header("Cache-Control", "no-store").build());
    }

    @POST
    @Path("/logout")
    @Authenticated
    @Operation(summary = "End the browser's session, clear its cookie, and answer Keycloak's logout URL to visit next")
    @APIResponse(responseCode = "200", description = "Session ended")
    @APIResponse(responseCode = "401", description = "No session")
    public Uni<Response> logout() {
        String session = identity.getAttribute(SessionAttributes.SESSION);
        String tenant = identity.getAttribute(SessionAttributes.TENANT);
        if (session == null || tenant == null) {
            throw ProblemException.unauthorized("session_required", "Log out with the session cookie of a browser login.");
        }
        return sessions.end(UUID.fromString(tenant), UUID.fromString(session))
                .map(ignored -> Response.ok(new LoggedOut(login.logoutUrl())).cookie(SessionCookies.cleared()).build());
    }

    /** Body of POST /auth/switch: the tenant to move to, by slug or id. */
    public record SwitchRequest(String tenant) {
    }

    public record Switched(TenantSummary tenant, OffsetDateTime expiresAt) {
    }

    public record TenantSummary(UUID id, String slug) {
    }

    @POST
    @Path("/switch")
    @Authenticated
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Move the browser's session to another tenant the caller belongs to: a new session there, "
            + "its cookie set, the old session ended; no new login at the identity provider")
    @APIResponse(responseCode = "200", description = "Switched; the new session's cookie is set")
    @APIResponse(responseCode = "400", description = "No tenant named")
    @APIResponse(responseCode = "401", description = "No session (a bearer token has no session to move)")
    @APIResponse(responseCode = "403", description = "Not a member of that tenant, or it is suspended")
    @APIResponse(responseCode = "404", description = "Unknown tenant")
    @APIResponse(responseCode = "410", description = "Deleted tenant")
    @APIResponse(responseCode = "503", description = "That tenant's database is unavailable")
    public Uni<Response> switchTenant(SwitchRequest body, @HeaderParam("User-Agent") String userAgent) {
        String session = identity.getAttribute(SessionAttributes.SESSION);
        String tenant = identity.getAttribute(SessionAttributes.TENANT);
        if (session == null || tenant == null) {
            throw ProblemException.unauthorized("session_required",
                    "Switching moves a browser session; sign in with /auth/login first.");
        }
        String ip = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        return switcher.switchTo(access.caller(), UUID.fromString(tenant), UUID.fromString(session),
                        body == null ? null : body.tenant(), ip, userAgent)
                .map(done -> Response.ok(new Switched(new TenantSummary(done.tenantId(), done.tenantSlug()), done.expiresAt()))
                        .cookie(SessionCookies.of(done.token(), done.expiresAt())).header("Cache-Control", "no-store").build());
    }
}
