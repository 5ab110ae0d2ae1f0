package dev.keyhub.auth;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Browser login for web frontends (backend-for-frontend). */
@ConfigMapping(prefix = "keyhub.auth")
public interface AuthConfig {

    /** The confidential OpenID Connect client KeyHub signs browsers in with. */
    @WithDefault("keyhub-web")
    String clientId();

    /** That client's secret; without one, {@code /auth/login} answers 503 {@code login_not_configured}. */
    Optional<String> clientSecret();

    /**
     * The realm that signs users in (its Keycloak issuer URL); the authorize, token and logout endpoints
     * are Keycloak's under it. Defaults to {@code mp.jwt.verify.issuer}.
     */
    Optional<String> issuer();

    /** The realm's JWKS, used to check ID tokens. Defaults to {@code mp.jwt.verify.publickey.location}. */
    Optional<String> jwksUrl();

    /** KeyHub's {@code /auth/callback} as the browser reaches it; registered with the client. */
    @WithDefault("http://localhost:8080/auth/callback")
    String redirectUri();

    /**
     * Where a login may send the browser back to: {@code returnTo} must start with one of these (scheme,
     * host and port, then a path prefix). Anything else is refused, so login cannot be an open redirect.
     */
    @WithDefault("http://localhost:8080/")
    List<String> allowedReturnTo();

    /** How long a started login may take before its state expires. */
    @WithDefault("10m")
    Duration stateLifetime();

    /** Where Keycloak sends the browser after logout; none means Keycloak's own page. */
    Optional<String> postLogoutRedirectUri();
}
