package dev.keyhub.auth;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;

import io.smallrye.jwt.auth.principal.DefaultJWTTokenParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;
import dev.keyhub.common.Slug;
import dev.keyhub.domains.AutoJoin;
import dev.keyhub.joincode.JoinCodeService;
import dev.keyhub.session.SessionService;
import dev.keyhub.tenancy.Member;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.NewMember;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenancyConfig;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantClaim;
import dev.keyhub.tenancy.TenantContext;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Browser login for web frontends that hold no tokens: the authorization code flow with PKCE against
 * Keycloak, run by KeyHub as a confidential client. The state, nonce and PKCE verifier of a login in flight
 * live in the catalog ({@code oauth_states}), are single-use and expire; the callback checks the ID token
 * (signature, issuer, audience, expiry, nonce), creates or links the user in the tenant's database and
 * opens a server-side session, whose cookie is all the browser keeps. A login may carry a join code instead of a
 * tenant: the person then signs in to the code's tenant and, when not yet a member, joins it with the code.
 */
@ApplicationScoped
public class BrowserLogin {

    private static final Logger LOG = Logger.getLogger(BrowserLogin.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SLUG = Pattern.compile(Slug.PATTERN);

    private final Pool catalog;
    private final TenantDirectory directory;
    private final MemberIndex index;
    private final AutoJoin autoJoin;
    private final JoinCodeService codes;
    private final SessionService sessions;
    private final AuthConfig config;
    private final String issuer;
    private final String claimName;
    private final Optional<String> organizationClaim;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final DefaultJWTTokenParser idTokens = new DefaultJWTTokenParser();
    private final JWTAuthContextInfo idTokenRules;

    public BrowserLogin(Pool catalog, TenantDirectory directory, MemberIndex index, AutoJoin autoJoin, JoinCodeService codes,
            SessionService sessions, AuthConfig config, TenancyConfig tenancy, @ConfigProperty(name = "mp.jwt.verify.issuer") String accessTokenIssuer,
            @ConfigProperty(name = "mp.jwt.verify.publickey.location") Optional<String> accessTokenKeys) {
        this.catalog = catalog;
        this.directory = directory;
        this.index = index;
        this.autoJoin = autoJoin;
        this.codes = codes;
        this.sessions = sessions;
        this.config = config;
        this.issuer = this.config.issuer().orElse(accessTokenIssuer);
        this.claimName = tenancy.claim();
        this.organizationClaim = tenancy.organizationClaim();
        this.idTokenRules = new JWTAuthContextInfo(this.config.jwksUrl().or(() -> accessTokenKeys).orElse(null),
                issuer);
        this.idTokenRules.setExpectedAudience(Set.of(this.config.clientId()));
        this.idTokenRules.setRequireNamedPrincipal(false);
    }

    /** A finished login: the session token for the cookie, when it expires, and where the browser goes next. */
    public record Completed(String sessionToken, OffsetDateTime expiresAt, URI returnTo) {
    }

    /**
     * Starts a login to {@code tenantSlug}, or to the tenant of {@code joinCode}, and answers Keycloak's authorize URL
     * to send the browser to. 400 for neither (or both), or a {@code returnTo} off the allow-list; 404/410 for an
     * unknown or deleted tenant, 404 {@code join_code_invalid} for a code that names none; 403 for a suspended
     * tenant, or 403 {@code tenant_mismatch} for a code of another tenant than {@code host} (the tenant the request's
     * host names, null for none); 503 when no client secret is configured.
     */
    public Uni<URI> start(String tenantSlug, String joinCode, String returnTo, TenantRef host) {
        if (config.clientSecret().isEmpty()) {
            return Uni.createFrom().failure(ProblemException.unavailable("login_not_configured",
                    "Browser login is not configured (keyhub.auth.client-secret).", 60));
        }
        boolean byCode = joinCode != null && !joinCode.isBlank();
        if (byCode && tenantSlug != null && !tenantSlug.isBlank()) {
            return Uni.createFrom().failure(ProblemException.badRequest("tenant_or_join_code",
                    "Name the tenant or give a join code, not both: the code names its tenant."));
        }
        if (!byCode && (tenantSlug == null || tenantSlug.isBlank())) {
            return Uni.createFrom().failure(ProblemException.badRequest("tenant_required",
                    "Name the tenant to sign in to (/auth/login?tenant=<slug>), or give a join code (?joinCode=…)."));
        }
        if (!byCode && !SLUG.matcher(tenantSlug.strip()).matches()) {
            return Uni.createFrom().failure(ProblemException.notFound("tenant_not_found", "There is no such tenant."));
        }
        String target = returnTo == null || returnTo.isBlank() ? config.allowedReturnTo().get(0) : returnTo;
        if (!ReturnTo.allowed(target, config.allowedReturnTo())) {
            return Uni.createFrom().failure(ProblemException.badRequest("return_to_not_allowed",
                    "returnTo must be an address on the allow-list (keyhub.auth.allowed-return-to)."));
        }
        String state = random();
        String nonce = random();
        String verifier = random();
        Uni<JoinCodeService.Invitation> invited = byCode ? codes.invitation(joinCode)
                : directory.bySlug(tenantSlug.strip()).map(tenant -> new JoinCodeService.Invitation(tenant, null));
        return invited
                .invoke(invitation -> {
                    if (host != null && !host.id().equals(invitation.tenant().id())) {
                        throw TenantAccess.mismatch();
                    }
                    requireActive(invitation.tenant());
                })
                .chain(invitation -> catalog.preparedQuery("""
                        WITH expired AS (DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day')
                        INSERT INTO oauth_states (state_hash, tenant_id, code_verifier, nonce, return_to, expires_at,
                                                  join_code_hash)
                        VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second', $7)""")
                        .execute(Tuple.tuple(Arrays.asList(sha256(state), invitation.tenant().id(), verifier,
                                nonce, target, config.stateLifetime().toSeconds(), invitation.codeHash()))))
                .map(ignored -> endpoint("auth", Map.of("client_id", config.clientId(), "response_type", "code",
                        "scope", "openid", "redirect_uri", config.redirectUri(), "state", state, "nonce", nonce,
                        "code_challenge", challenge(verifier), "code_challenge_method", "S256")));
    }

    /**
     * Completes a login from Keycloak's redirect. 400 {@code invalid_state} for a state that is unknown or
     * already used, {@code state_expired}, {@code login_failed} when Keycloak reports an error,
     * {@code code_exchange_failed}, {@code invalid_id_token} or {@code nonce_mismatch}; 403 {@code not_a_member}
     * when the user neither belongs to the tenant nor is vouched for by the token's tenant claim. No session
     * is opened in any of these cases.
     */
    public Uni<Completed> complete(String state, String code, String error, String clientIp, String userAgent) {
        if (state == null || state.isBlank() || state.length() > 200) {
            return Uni.createFrom().failure(invalidState());
        }
        return catalog.preparedQuery("""
                UPDATE oauth_states SET consumed_at = now()
                WHERE state_hash = $1 AND consumed_at IS NULL
                RETURNING tenant_id, code_verifier, nonce, return_to, join_code_hash, expires_at > now() AS fresh""")
                .execute(Tuple.of(sha256(state)))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw invalidState();
                    }
                    Row r = rows.iterator().next();
                    if (!r.getBoolean("fresh")) {
                        throw ProblemException.badRequest("state_expired", "This login took too long; start again.");
                    }
                    if (error != null) {
                        String reason = error.replaceAll("[^A-Za-z0-9_]", "");
                        throw ProblemException.badRequest("login_failed", "The identity provider refused the login ("
                                + reason.substring(0, Math.min(reason.length(), 64)) + ").");
                    }
                    if (code == null || code.isBlank()) {
                        throw ProblemException.badRequest("code_missing", "The callback carries no authorization code.");
                    }
                    UUID tenantId = r.getUUID("tenant_id");
                    String nonce = r.getString("nonce");
                    String joinCodeHash = r.getString("join_code_hash");
                    URI returnTo = URI.create(r.getString("return_to"));
                    return exchange(code, r.getString("code_verifier"))
                            .chain(idToken -> verify(idToken, nonce))
                            .chain(claims -> directory.liveById(tenantId).invoke(BrowserLogin::requireActive)
                                    .chain(tenant -> link(tenant, claims, joinCodeHash, clientIp)
                                            .chain(member -> sessions.open(new TenantContext(tenant, member, clientIp),
                                                    userAgent))))
                            .map(opened -> new Completed(opened.token(), opened.expiresAt(), returnTo));
                });
    }

    /** Keycloak's logout URL for the browser to visit after its session here was revoked. */
    public URI logoutUrl() {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", config.clientId());
        config.postLogoutRedirectUri().ifPresent(uri -> query.put("post_logout_redirect_uri", uri));
        return endpoint("logout", query);
    }

    private Uni<String> exchange(String code, String verifier) {
        String form = form(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", config.redirectUri(),
                "code_verifier", verifier, "client_id", config.clientId(), "client_secret", config.clientSecret().get()));
        HttpRequest request = HttpRequest.newBuilder(endpoint("token", Map.of())).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .onFailure().transform(e -> {
                    LOG.warnf("Token endpoint unreachable: %s", e.getMessage());
                    return ProblemException.unavailable("identity_provider_unavailable",
                            "The identity provider could not be reached; try again.", 5);
                })
                .map(response -> {
                    JsonObject body = parse(response.body());
                    String idToken = body == null ? null : body.getString("id_token");
                    if (response.statusCode() != 200 || idToken == null) {
                        LOG.debugf("Code exchange refused: %d %s", response.statusCode(), response.body());
                        throw ProblemException.badRequest("code_exchange_failed",
                                "The identity provider did not accept the authorization code.");
                    }
                    return idToken;
                });
    }

    /** Checks the ID token's signature, issuer, audience and expiry (blocking: keys may be fetched), then its nonce. */
    private Uni<JwtClaims> verify(String idToken, String nonce) {
        return Uni.createFrom().item(() -> {
            try {
                JwtClaims claims = idTokens.parse(idToken, idTokenRules).getJwtClaims();
                if (!nonce.equals(claims.getClaimValue("nonce"))) {
                    throw ProblemException.badRequest("nonce_mismatch", "The ID token was not issued for this login.");
                }
                if (claims.getSubject() == null) {
                    throw ProblemException.badRequest("invalid_id_token", "The ID token names no subject.");
                }
                return claims;
            } catch (ParseException | MalformedClaimException e) {
                LOG.debugf("ID token refused: %s", e.getMessage());
                throw ProblemException.badRequest("invalid_id_token", "The ID token could not be verified.");
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /**
     * The member behind the ID token in the tenant's database. An identity seen before is the same user; a
     * verified email of an existing user links the identity to that user; a token whose tenant claim names
     * this tenant makes a new member, and so does a verified email at a domain the tenant opened to auto-join (with
     * the domain's role), and so does the login's join code (with the code's role, counted as one use). Anyone else is
     * refused. A member who signs in with a join code stays as they are, and the code is not used.
     */
    private Uni<Member> link(TenantRef tenant, JwtClaims claims, String joinCodeHash, String clientIp) {
        boolean verified = Boolean.TRUE.equals(claims.getClaimValue("email_verified"));
        String email = string(claims, "email");
        return (verified ? autoJoin.roleFor(tenant.id(), email) : Uni.createFrom().<Role>nullItem())
                .chain(byDomain -> link(tenant, claims, byDomain, joinCodeHash, clientIp));
    }

    private Uni<Member> link(TenantRef tenant, JwtClaims claims, Role byDomain, String joinCodeHash, String clientIp) {
        String subject = string(claims, "sub");
        String email = string(claims, "email");
        String name = string(claims, "name");
        boolean verified = Boolean.TRUE.equals(claims.getClaimValue("email_verified"));
        String claimed = TenantClaim.of(claims.getClaimValue(claimName),
                organizationClaim.map(claims::getClaimValue).orElse(null), organizationClaim);
        boolean vouched = tenant.slug().equals(claimed) || tenant.id().toString().equals(claimed);
        return index.change(tenant, null, tx -> member(tx, subject).chain(found -> {
            if (found != null) {
                return Uni.createFrom().item(found);
            }
            Uni<Boolean> linked = verified && email != null
                    ? tx.preparedQuery("""
                            INSERT INTO user_identities (user_id, provider, provider_sub)
                            SELECT u.id, $2, $3 FROM users u JOIN memberships m ON m.user_id = u.id AND m.left_at IS NULL
                            WHERE lower(u.email) = lower($1)""")
                            .execute(Tuple.of(email, issuer, subject)).map(rows -> rows.rowCount() > 0)
                    : Uni.createFrom().item(false);
            return linked.chain(done -> {
                if (done) {
                    return member(tx, subject);
                }
                if (joinCodeHash != null) {
                    return codes.admit(tx, tenant, new TenantAccess.Caller(issuer, subject), email, clientIp, joinCodeHash)
                            .chain(() -> member(tx, subject));
                }
                if (!vouched && byDomain == null || email == null) {
                    throw ProblemException.forbidden("not_a_member",
                            "You are not a member of this tenant; ask one of its admins for a join code.");
                }
                return tx.preparedQuery(NewMember.INSERT_RETURNING_ID)
                        .execute(NewMember.params(email, name, issuer, subject, vouched ? Role.MEMBER : byDomain))
                        .chain(() -> member(tx, subject));
            });
        }), Member::userId);
    }

    private Uni<Member> member(SqlConnection c, String subject) {
        return TenantAccess.find(c, new TenantAccess.Caller(issuer, subject));
    }

    static void requireActive(TenantRef tenant) {
        if (tenant.status() != TenantStatus.ACTIVE) {
            throw ProblemException.forbidden("tenant_not_active", "This tenant is " + tenant.status().name().toLowerCase()
                    + "; no one can sign in to it now.");
        }
    }

    private URI endpoint(String name, Map<String, String> query) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        String url = base + "/protocol/openid-connect/" + name;
        return URI.create(query.isEmpty() ? url : url + "?" + form(query));
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static JsonObject parse(String body) {
        try {
            return new JsonObject(body);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String string(JwtClaims claims, String name) {
        Object value = claims.getClaimValue(name);
        return value instanceof String s && !s.isBlank() ? s : null;
    }

    private static ProblemException invalidState() {
        return ProblemException.badRequest("invalid_state", "This login is unknown or was already completed; start again.");
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String challenge(String verifier) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest(verifier));
    }

    private static String sha256(String value) {
        return HexFormat.of().formatHex(digest(value));
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
