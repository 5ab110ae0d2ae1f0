package dev.keyhub.session;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

import dev.keyhub.tenancy.SessionAttributes;

/** Turns a valid, unexpired, unrevoked session token into the identity of the person who opened it. */
@ApplicationScoped
public class SessionIdentityProvider implements IdentityProvider<SessionCredentials> {

    private final SessionService sessions;
    private final SupportSessions support;

    public SessionIdentityProvider(SessionService sessions, SupportSessions support) {
        this.sessions = sessions;
        this.support = support;
    }

    @Override
    public Class<SessionCredentials> getRequestType() {
        return SessionCredentials.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(SessionCredentials request, AuthenticationRequestContext context) {
        if (request.token().startsWith(SessionTokens.SUPPORT_PREFIX)) {
            return support.validate(request.token())
                    .onItem().ifNull().failWith(() -> new AuthenticationFailedException("invalid support session"))
                    .map(s -> QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal(s.subject()))
                            .addAttribute(SessionAttributes.SUPPORT, s.id().toString())
                            .addAttribute(SessionAttributes.ISSUER, s.issuer())
                            .addAttribute(SessionAttributes.TENANT, s.tenantId().toString())
                            .build());
        }
        return sessions.validate(request.token())
                .onItem().ifNull().failWith(() -> new AuthenticationFailedException("invalid session"))
                .map(s -> QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(s.subject()))
                        .addAttribute(SessionAttributes.SESSION, s.sessionId().toString())
                        .addAttribute(SessionAttributes.ISSUER, s.issuer())
                        .addAttribute(SessionAttributes.TENANT, s.tenantId().toString())
                        .build());
    }
}
