package dev.keyhub.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.smallrye.jwt.runtime.auth.JsonWebTokenCredential;
import io.quarkus.smallrye.jwt.runtime.auth.MpJwtValidator;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
import io.smallrye.mutiny.Uni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The cache of verified tokens, with a clock of the test's own: an entry never answers past the token's
 * {@code exp} nor for any other token, and a refused token is not remembered.
 */
class VerifiedTokensTest {

    /** Stands in for SmallRye JWT's verification: accepts tokens named "valid-…" with the exp it was told. */
    static final class Verifier extends MpJwtValidator {
        final List<String> asked = new ArrayList<>();
        final Map<String, Long> expiry = new java.util.HashMap<>();

        @Override
        public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
            String token = request.getToken().getToken();
            asked.add(token);
            if (!token.startsWith("valid-")) {
                return Uni.createFrom().failure(new io.quarkus.security.AuthenticationFailedException("bad token"));
            }
            JwtClaims claims = new JwtClaims();
            claims.setSubject("subject-of-" + token);
            claims.setExpirationTime(NumericDate.fromSeconds(expiry.get(token)));
            JsonWebToken jwt = new DefaultJWTCallerPrincipal(token, "JWT", claims);
            return Uni.createFrom().item(QuarkusSecurityIdentity.builder().setPrincipal(jwt).addRole("user").build());
        }
    }

    static final class TestClock extends Clock {
        final AtomicLong millis = new AtomicLong(Instant.parse("2026-11-30T12:00:00Z").toEpochMilli());

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        long seconds() {
            return millis.get() / 1000;
        }

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }
    }

    final Verifier verifier = new Verifier();
    final TestClock clock = new TestClock();

    VerifiedTokens tokens(Function<String, String> key) {
        return new VerifiedTokens(verifier, config(10_000, Duration.ofMinutes(5)), clock, key);
    }

    @Test
    void aVerifiedTokenIsRememberedUntilItsExpAndNotASecondLonger() {
        VerifiedTokens tokens = tokens(VerifiedTokens::key);
        verifier.expiry.put("valid-a", clock.seconds() + 60);
        String subject = authenticate(tokens, "valid-a").getPrincipal().getName();
        assertEquals("subject-of-valid-a", subject);
        authenticate(tokens, "valid-a");
        assertEquals(List.of("valid-a"), verifier.asked, "the second use is answered from the cache");

        clock.advance(Duration.ofSeconds(59));
        authenticate(tokens, "valid-a");
        assertEquals(1, verifier.asked.size(), "still before exp");
        clock.advance(Duration.ofSeconds(1));
        authenticate(tokens, "valid-a");
        assertEquals(2, verifier.asked.size(), "at exp the token is verified again, not taken from the cache");
    }

    @Test
    void anEntryLivesNoLongerThanTheCacheTtlEvenForALongLivedToken() {
        VerifiedTokens tokens = tokens(VerifiedTokens::key);
        verifier.expiry.put("valid-long", clock.seconds() + 86_400);
        authenticate(tokens, "valid-long");
        clock.advance(Duration.ofMinutes(5).plusMillis(1));
        authenticate(tokens, "valid-long");
        assertEquals(2, verifier.asked.size());
    }

    @Test
    void anEntryNeverAnswersForAnotherTokenEvenWhenTheKeysCollide() {
        // Every token gets the same key: the entry holds its token and is used only for exactly that token.
        VerifiedTokens tokens = tokens(token -> "same");
        verifier.expiry.put("valid-a", clock.seconds() + 60);
        verifier.expiry.put("valid-b", clock.seconds() + 60);
        assertEquals("subject-of-valid-a", authenticate(tokens, "valid-a").getPrincipal().getName());
        assertEquals("subject-of-valid-b", authenticate(tokens, "valid-b").getPrincipal().getName());
        assertEquals(List.of("valid-a", "valid-b"), verifier.asked);
        // A token that fails verification is refused each time, whatever is cached under its key.
        assertNull(authenticateOrNull(tokens, "forged"));
        assertNull(authenticateOrNull(tokens, "forged"));
        assertEquals(List.of("valid-a", "valid-b", "forged", "forged"), verifier.asked);
    }

    @Test
    void theRequestsOwnCredentialIsInTheIdentity() {
        VerifiedTokens tokens = tokens(VerifiedTokens::key);
        verifier.expiry.put("valid-a", clock.seconds() + 60);
        authenticate(tokens, "valid-a");
        SecurityIdentity second = authenticate(tokens, "valid-a");
        assertEquals("valid-a", second.getCredential(JsonWebTokenCredential.class).getToken());
        assertEquals(java.util.Set.of("user"), second.getRoles());
        assertEquals(1L, tokens.size());
    }

    private SecurityIdentity authenticate(VerifiedTokens tokens, String token) {
        return tokens.authenticate(request(token), CONTEXT).await().indefinitely();
    }

    private SecurityIdentity authenticateOrNull(VerifiedTokens tokens, String token) {
        try {
            return authenticate(tokens, token);
        } catch (io.quarkus.security.AuthenticationFailedException e) {
            return null;
        }
    }

    private static TokenAuthenticationRequest request(String token) {
        return new TokenAuthenticationRequest(new JsonWebTokenCredential(token));
    }

    static final AuthenticationRequestContext CONTEXT = new AuthenticationRequestContext() {
        @Override
        public Uni<SecurityIdentity> runBlocking(Supplier<SecurityIdentity> function) {
            return Uni.createFrom().item(function);
        }
    };

    static TokensConfig config(int size, Duration ttl) {
        return new TokensConfig() {
            @Override
            public int cacheSize() {
                return size;
            }

            @Override
            public Duration cacheTtl() {
                return ttl;
            }
        };
    }
}
