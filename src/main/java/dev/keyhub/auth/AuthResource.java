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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

import dev.keyhub.common.ProblemException;
import dev.keyhub.session.SessionCookies;
import dev.keyhub.session.SessionService;
import dev.keyhub.tenancy.SessionAttributes;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.user.MeResource;

/**
 * Browser login for web frontends (backend-for-frontend): the browser is sent to Keycloak and back, and ends
 * up with an HttpOnly session cookie; it never sees a token.
 */
@Path("/auth")
@PermitAll
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Browser login")
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

    @Schema(requiredProperties = {"logoutUrl"})
    public record LoggedOut(URI logoutUrl) {
    }

    @GET
    @Path("/login")
    @Operation(operationId = "startBrowserLogin", summary = "Start a browser login",
            description = "Starts a browser login to the tenant named by ?tenant= (or, without it, the one the host "
                    + "names) and redirects to Keycloak with state, nonce and a PKCE challenge. With ?joinCode= instead, "
                    + "the login is to the code's tenant, and a person who is not yet a member joins it with the code "
                    + "when they come back (a member just signs in; the code is not used). Anyone may call it; "
                    + "returnTo must be on the allow-list.")
    @APIResponse(responseCode = "302", description = "To Keycloak's authorize endpoint")
    @APIResponse(responseCode = "400", description = "No tenant and no join code, or both, or returnTo not on the allow-list")
    @APIResponse(responseCode = "403", description = "The tenant is suspended, or the host names another tenant than the join code's")
    @APIResponse(responseCode = "404", description = "Unknown tenant, or a join code that is not valid")
    @APIResponse(responseCode = "410", description = "Deleted tenant")
    @APIResponse(responseCode = "503", description = "Browser login is not configured")
    public Uni<Response> start(
            @Parameter(description = "The tenant to sign in to, by slug; absent for the tenant the host names")
            @QueryParam("tenant") String tenant,
            @Parameter(description = "A join code: sign in to its tenant, joining it with the code if not yet a member")
            @QueryParam("joinCode") String joinCode,
            @Parameter(description = "Where the browser goes after signing in; must be on the allow-list")
            @QueryParam("returnTo") String returnTo) {
        Uni<URI> authorize;
        if (joinCode != null && !joinCode.isBlank()) {
            // The code names the tenant; on a tenant's own host it must be that tenant's code.
            authorize = access.hostTenant().chain(host -> login.start(tenant, joinCode, returnTo, host));
        } else {
            // Without a tenant, the one the host names (<slug>.<base domain> or a verified domain), if any.
            Uni<String> named = tenant != null && !tenant.isBlank() ? Uni.createFrom().item(tenant)
                    : access.hostTenant().map(host -> host == null ? null : host.slug());
            authorize = named.chain(t -> login.start(t, null, returnTo, null));
        }
        return authorize.map(to -> Response.status(Response.Status.FOUND).location(to)
                .header("Cache-Control", "no-store").build());
    }

    @GET
    @Path("/callback")
    @Operation(operationId = "completeBrowserLogin", summary = "Complete a browser login",
            description = "Keycloak's redirect back: checks the single-use state and the ID token, opens a session in "
                    + "the tenant, sets its HttpOnly cookie and redirects to returnTo. Anyone may call it; a failed "
                    + "check, or a user the tenant does not let in, opens no session.")
    @APIResponse(responseCode = "303", description = "Signed in; to returnTo with the session cookie")
    @APIResponse(responseCode = "400", description = "Unknown, reused or expired state; Keycloak error; bad code, "
            + "ID token or nonce")
    @APIResponse(responseCode = "403", description = "Not a member of the tenant, or the tenant is suspended")
    @APIResponse(responseCode = "503", description = "Keycloak or the tenant's database is unavailable")
    public Uni<Response> callback(
            @Parameter(description = "The state /auth/login sent to Keycloak, single-use") @QueryParam("state") String state,
            @Parameter(description = "Keycloak's authorization code") @QueryParam("code") String code,
            @Parameter(description = "Keycloak's error code, when it refused the login") @QueryParam("error") String error,
            @HeaderParam("User-Agent") String userAgent) {
        String ip = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        return login.complete(state, code, error, ip, userAgent)
                .map(done -> Response.seeOther(done.returnTo()).cookie(SessionCookies.of(done.sessionToken(), done.expiresAt()))
                        .header("Cache-Control", "no-store").build());
    }

    @POST
    @Path("/logout")
    @Authenticated
    @Operation(operationId = "logoutBrowserSession", summary = "Log out of the browser session",
            description = "Ends the browser's session, clears its cookie, and answers Keycloak's logout URL for the "
                    + "browser to visit next. Needs the session cookie of a browser login; a bearer token is refused.")
    @APIResponse(responseCode = "200", description = "Session ended",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LoggedOut.class)))
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
    @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "{\"tenant\": \"globex\"}")
    public record SwitchRequest(String tenant) {
    }

    @Schema(requiredProperties = {"tenant", "expiresAt"})
    public record Switched(MeResource.TenantSummary tenant, OffsetDateTime expiresAt) {
    }

    @POST
    @Path("/switch")
    @Authenticated
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "switchBrowserTenant", summary = "Switch the browser session to another tenant",
            description = "Moves the browser's session to another tenant the caller is an active member of: a new "
                    + "session there with its cookie set, and the old session ended, without a new login at the "
                    + "identity provider. Needs the session cookie of a browser login; a refusal changes nothing.")
    @APIResponse(responseCode = "200", description = "Switched; the new session's cookie is set",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Switched.class)))
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
                .map(done -> Response.ok(new Switched(new MeResource.TenantSummary(done.tenantId(), done.tenantSlug()), done.expiresAt()))
                        .cookie(SessionCookies.of(done.token(), done.expiresAt())).header("Cache-Control", "no-store").build());
    }
}
