package dev.keyhub.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.smallrye.jwt.runtime.auth.MpJwtValidator;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Bearer tokens that SmallRye JWT has verified, remembered per replica so that the next request with the same
 * token skips parsing and the signature check (and, with a remote JWKS, the hop to a worker thread).
 * <p>
 * An entry is keyed by the SHA-256 of the token and holds the token itself: it answers only for exactly that
 * token. It lives until the token's {@code exp} or {@code keyhub.tokens.cache-ttl}, whichever comes first, and is
 * checked against {@code exp} again on every use. The cache holds at most {@code keyhub.tokens.cache-size}
 * tokens. A token that fails verification is never remembered. Everything else about the request (roles, the
 * routing context) is built for the request as SmallRye JWT builds it.
 */
@ApplicationScoped
public class VerifiedTokens implements IdentityProvider<TokenAuthenticationRequest> {

    private record Verified(String token, SecurityIdentity identity, long expiresAtMillis) {
    }

    private final MpJwtValidator validator;
    private final Clock clock;
    private final Cache<String, Verified> cache;
    private final Function<String, String> keys;

    @Inject
    public VerifiedTokens(MpJwtValidator validator, TokensConfig config) {
        this(validator, config, Clock.systemUTC(), VerifiedTokens::key);
    }

    /** With a clock and a key function of a test's own (a key function that collides, say). */
    VerifiedTokens(MpJwtValidator validator, TokensConfig config, Clock clock, Function<String, String> keys) {
        this.validator = validator;
        this.clock = clock;
        this.keys = keys;
        long ttlNanos = config.cacheTtl().toNanos();
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.cacheSize())
                .executor(Runnable::run)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .expireAfter(new Expiry<String, Verified>() {
                    @Override
                    public long expireAfterCreate(String key, Verified value, long currentTime) {
                        long untilExp = TimeUnit.MILLISECONDS.toNanos(value.expiresAtMillis() - clock.millis());
                        return Math.max(0, Math.min(ttlNanos, untilExp));
                    }

                    @Override
                    public long expireAfterUpdate(String key, Verified value, long currentTime, long currentDuration) {
                        return expireAfterCreate(key, value, currentTime);
                    }

                    @Override
                    public long expireAfterRead(String key, Verified value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    /** Before SmallRye JWT's own provider, which this one asks on a miss. */
    @Override
    public int priority() {
        return validator.priority() + 1;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        String token = request.getToken().getToken();
        String key = keys.apply(token);
        Verified known = cache.getIfPresent(key);
        if (known != null && known.token().equals(token) && clock.millis() < known.expiresAtMillis()) {
            return Uni.createFrom().item(forRequest(known.identity(), request));
        }
        return validator.authenticate(request, context).invoke(identity -> remember(key, token, identity));
    }

    private void remember(String key, String token, SecurityIdentity identity) {
        if (identity != null && identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getExpirationTime() > 0) {
            // Without the request's routing context: an entry must not keep a finished request alive.
            SecurityIdentity kept = QuarkusSecurityIdentity.builder().setPrincipal(jwt).addRoles(identity.getRoles())
                    .addAttributes(withoutRoutingContext(identity.getAttributes())).build();
            cache.put(key, new Verified(token, kept, TimeUnit.SECONDS.toMillis(jwt.getExpirationTime())));
        }
    }

    /** The remembered identity with this request's credential and routing context. */
    private static SecurityIdentity forRequest(SecurityIdentity verified, TokenAuthenticationRequest request) {
        QuarkusSecurityIdentity.Builder builder = QuarkusSecurityIdentity.builder()
                .setPrincipal(verified.getPrincipal())
                .addCredential(request.getToken())
                .addRoles(verified.getRoles())
                .addAttributes(verified.getAttributes());
        RoutingContext routing = HttpSecurityUtils.getRoutingContextAttribute(request);
        if (routing != null) {
            builder.addAttribute(RoutingContext.class.getName(), routing);
        }
        return builder.build();
    }

    private static Map<String, Object> withoutRoutingContext(Map<String, Object> attributes) {
        Map<String, Object> copy = new HashMap<>(attributes);
        copy.remove(RoutingContext.class.getName());
        return copy;
    }

    /** How many tokens are remembered now (for tests). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    static String key(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
