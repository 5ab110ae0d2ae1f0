package dev.keyhub.session;

import java.time.Duration;
import java.time.OffsetDateTime;

import jakarta.ws.rs.core.NewCookie;

/**
 * The session cookie {@value SessionAuthenticationMechanism#COOKIE} as every route that sets it sets it: the whole
 * site, {@code HttpOnly}, {@code Secure}, {@code SameSite=Lax}, living as long as its session.
 */
public final class SessionCookies {

    private SessionCookies() {
    }

    /** The cookie that carries {@code token} until {@code expiresAt}. */
    public static NewCookie of(String token, OffsetDateTime expiresAt) {
        long maxAge = Math.max(0, Duration.between(OffsetDateTime.now(), expiresAt).toSeconds());
        return builder(token).maxAge((int) maxAge).build();
    }

    /** The cookie that makes the browser forget its session. */
    public static NewCookie cleared() {
        return builder("").maxAge(0).build();
    }

    private static NewCookie.Builder builder(String value) {
        return new NewCookie.Builder(SessionAuthenticationMechanism.COOKIE).value(value).path("/").httpOnly(true)
                .secure(true).sameSite(NewCookie.SameSite.LAX);
    }
}
