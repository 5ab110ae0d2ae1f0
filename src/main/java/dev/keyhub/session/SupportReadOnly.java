package dev.keyhub.session;

import jakarta.ws.rs.container.ContainerRequestContext;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;

import dev.keyhub.common.ProblemException;
import dev.keyhub.tenancy.SessionAttributes;

/**
 * A support session reads and never writes: any request of one that is not a GET, HEAD or OPTIONS is refused here,
 * before its body is read or checked and before any route's code runs ({@code 403 support_read_only}). Tenant
 * resolution refuses it again ({@code TenantAccess}), for work that does not come through HTTP.
 */
public class SupportReadOnly {

    @ServerRequestFilter
    public void refuseWrites(ContainerRequestContext request, RoutingContext routing) {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) {
            return;
        }
        SecurityIdentity identity = routing.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        if (identity != null && identity.getAttribute(SessionAttributes.SUPPORT) != null) {
            throw ProblemException.forbidden("support_read_only", "A support session can read a tenant, never change it.");
        }
    }
}
