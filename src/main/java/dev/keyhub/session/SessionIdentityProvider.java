package dev.keyhub.session;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Turns a valid, unexpired, unrevoked session token into the identity of the person who opened it. */
@ApplicationScoped
public class SessionIdentityProvider implements IdentityProvider<SessionCredentials> {

    /** Identity attributes set for session-authenticated requests. */
    public static final String SESSION = "keyhub.session";
    public static final String ISSUER = "keyhub.issuer";
    public static final String TENANT = "keyhub.tenant";

    private final SessionService sessions;

    public SessionIdentityProvider(SessionService sessions) {
        this.sessions = sessions;
    }

    @Override
    public Class<SessionCredentials> getRequestType() {
        return SessionCredentials.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(SessionCredentials request, AuthenticationRequestContext context) {
        return sessions.validate(request.token())
                .onItem().ifNull().failWith(() -> new AuthenticationFailedException("invalid session"))
                .map(s -> QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(s.subject()))
                        .addAttribute(SESSION, s.sessionId().toString())
                        .addAttribute(ISSUER, s.issuer())
                        .addAttribute(TENANT, s.tenantId().toString())
                        .build());
    }
}
