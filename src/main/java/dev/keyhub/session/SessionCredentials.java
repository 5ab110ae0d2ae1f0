package dev.keyhub.session;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A session token presented as a bearer token or in the session cookie. */
public class SessionCredentials extends BaseAuthenticationRequest {

    private final String token;

    public SessionCredentials(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
