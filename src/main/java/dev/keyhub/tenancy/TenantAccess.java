package dev.keyhub.tenancy;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import io.quarkus.arc.Arc;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.catalog.Freeze;
import dev.keyhub.catalog.TenantRef;
import dev.keyhub.common.Detached;
import dev.keyhub.common.Ids;
import dev.keyhub.common.ProblemException;
import dev.keyhub.common.RequestIds;
import dev.keyhub.common.Slug;
import dev.keyhub.pools.TenantPools;

/**
 * Resolves the tenant a request is for and checks that the caller belongs to it. This is the one place
 * where a tenant is chosen: from the path ({@code /api/tenants/{slug}}) or, for {@code current}, from the
 * token's tenant claim or else the request's host ({@link HostTenants}). A token that names a tenant cannot be used
 * on another tenant's path, nor a host that names a tenant for another tenant's path or token.
 */
@ApplicationScoped
public class TenantAccess {

    private static final Logger LOG = Logger.getLogger(TenantAccess.class);

    public static final String CURRENT = "current";
    private static final int FROZEN_RETRY_AFTER = 5;
    private static final Pattern SLUG = Pattern.compile(Slug.PATTERN);
    private static final String MEMBER_SQL = """
            SELECT u.id AS user_id, u.email, u.name, u.icon, m.id AS membership_id, m.role, m.created_at AS member_since
            FROM user_identities i
            JOIN users u ON u.id = i.user_id
            JOIN memberships m ON m.user_id = u.id AND m.left_at IS NULL
            WHERE i.provider = $1 AND i.provider_sub = $2""";

    /** The cache of memberships, by {@link MemberKey}. */
    public static final String MEMBERS = "members";

    private final Cache members;
    private final JsonWebToken jwt;
    private final SecurityIdentity identity;
    private final Instance<HttpServerRequest> request;
    private final TenantDirectory directory;
    private final TenantPools pools;
    private final String claimName;
    private final Optional<String> organizationClaim;
    private final HostTenants hosts;

    public TenantAccess(JsonWebToken jwt, SecurityIdentity identity, Instance<HttpServerRequest> request,
            TenantDirectory directory, TenantPools pools, TenancyConfig config, @CacheName(MEMBERS) Cache members,
            HostTenants hosts) {
        this.hosts = hosts;
        this.members = members;
        this.jwt = jwt;
        this.identity = identity;
        this.request = request;
        this.directory = directory;
        this.pools = pools;
        this.claimName = config.claim();
        this.organizationClaim = config.organizationClaim();
    }

    /**
     * The tenant named by the path segment and the caller's membership in it. Fails with 404 for an unknown
     * tenant, 403 for a token of another tenant or a caller who is not a member, 403/410 for a suspended or
     * deleted tenant, 503 when its database cannot be reached in time.
     */
    public Uni<TenantContext> resolve(String pathTenant) {
        return resolve(pathTenant, false);
    }

    /**
     * As {@link #resolve(String)}, reading the membership from the tenant's database rather than this
     * replica's cache: for a request whose whole answer is the membership ({@code GET /me}), which must show
     * the profile as it is and fail like any other request when the database cannot be reached.
     */
    public Uni<TenantContext> resolveFresh(String pathTenant) {
        return resolve(pathTenant, true);
    }

    private Uni<TenantContext> resolve(String pathTenant, boolean fresh) {
        // Read the token now, on the request's own thread; the rest of the chain may resume elsewhere.
        String claim = claim();
        Caller caller = caller();
        String clientIp = clientIp();
        boolean writes = writes();
        String host = host();
        UUID support = supportSessionId();
        if (support != null && writes) {
            return Uni.createFrom().failure(ProblemException.forbidden("support_read_only",
                    "A support session can read the tenant, never change it."));
        }
        if (!CURRENT.equals(pathTenant)) {
            if (!SLUG.matcher(pathTenant).matches()) {
                return Uni.createFrom().failure(ProblemException.notFound("tenant_not_found",
                        "No tenant '" + pathTenant + "'."));
            }
            if (claim != null && !claim.equals(pathTenant) && asId(claim) == null) {
                return Uni.createFrom().failure(mismatch());
            }
        }
        return hosts.of(host).chain(byHost -> {
            String wanted = pathTenant;
            if (CURRENT.equals(pathTenant)) {
                if (claim == null && byHost == null) {
                    return Uni.createFrom().failure(ProblemException.badRequest("no_tenant_claim",
                            "The token names no tenant (claim '" + claimName + "'), so 'current' cannot be used."));
                }
                wanted = claim != null ? claim : byHost.id().toString();
            }
            return lookup(wanted).invoke(ref -> {
                if (byHost != null && !byHost.id().equals(ref.id())) {
                    throw hostMismatch();
                }
            });
        })
                .invoke(ref -> {
                    if (!allows(claim, ref)) {
                        throw mismatch();
                    }
                    RequestIds.tenant(ref.id());
                    LOG.debugf("Request resolved to tenant %s (%s)", ref.id(), ref.slug());
                    checkUsable(ref);
                    if (writes && ref.frozen() != null) {
                        throw frozen(ref.frozen());
                    }
                })
                .chain(ref -> (support != null ? Uni.createFrom().item(supporter(support, caller))
                        : fresh ? load(ref, caller) : member(ref, caller)).map(m -> new TenantContext(ref, m, clientIp)));
    }

    private Uni<TenantRef> lookup(String slugOrId) {
        return directory.bySlugOrId(slugOrId);
    }

    /** The claim as a tenant id, or null when it is not one (then it is a slug; slugs are never UUID-shaped). */
    public static UUID asId(String value) {
        return Ids.parseOrNull(value);
    }

    /** Who is calling: the token's issuer and subject. */
    public record Caller(String issuer, String subject) {
    }

    /** The key of a cached membership: one identity in one tenant. */
    public record MemberKey(UUID tenant, String issuer, String subject) {
    }

    /**
     * The caller's membership, cached per replica for a short time ({@code quarkus.cache.caffeine."members"});
     * a refusal is not cached, so a caller who has just joined is let in at once, and a committed write in the
     * tenant drops its entries on this replica (see {@link TenantPools#withTransaction}).
     */
    private Uni<Member> member(TenantRef ref, Caller caller) {
        return Detached.from(members.getAsync(new MemberKey(ref.id(), caller.issuer(), caller.subject()), key -> load(ref, caller)));
    }

    private Uni<Member> load(TenantRef ref, Caller caller) {
        return pools.withConnection(ref, c -> find(c, caller)).map(found -> {
            if (found == null) {
                throw ProblemException.forbidden("not_a_member", "The caller is not a member of this tenant.");
            }
            return found;
        });
    }

    /** The active membership of the identity {@code caller} in the tenant database behind {@code c}, or null. */
    public static Uni<Member> find(SqlClient c, Caller caller) {
        return c.preparedQuery(MEMBER_SQL).execute(Tuple.of(caller.issuer(), caller.subject())).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row r = rows.iterator().next();
            return new Member(r.getUUID("user_id"), r.getString("email"), r.getString("name"), r.getString("icon"),
                    r.getUUID("membership_id"), Role.fromWire(r.getString("role")), r.getOffsetDateTime("member_since"));
        });
    }

    private static void checkUsable(TenantRef ref) {
        switch (ref.status()) {
            case ACTIVE -> {
            }
            case SUSPENDED -> throw ProblemException.forbidden("tenant_suspended",
                    "Tenant '" + ref.slug() + "' is suspended.");
            case PROVISIONING -> throw ProblemException.conflict("tenant_not_ready",
                    "Tenant '" + ref.slug() + "' is still being created.");
            default -> throw new ProblemException(410, "tenant_deleted", "Gone",
                    "Tenant '" + ref.slug() + "' was deleted.");
        }
    }

    /**
     * Whether this request may change data: anything but GET, HEAD and OPTIONS. Work outside an HTTP request
     * counts as a write, so that a frozen tenant refuses it.
     */
    private boolean writes() {
        if (!inRequest()) {
            return true;
        }
        String method = request.get().method().name();
        return !("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method));
    }

    private static boolean inRequest() {
        return Arc.container().requestContext().isActive();
    }

    /** The caller's IP address as the connection shows it, or null outside an HTTP request. */
    public String clientIp() {
        if (!inRequest()) {
            return null;
        }
        var address = request.get().remoteAddress();
        return address == null ? null : address.hostAddress();
    }

    /**
     * A support session's stand-in for a member: it reads what the tenant's admins read (its writes never get this
     * far). Its user id is the support session's id, which is no user of the tenant.
     */
    private static Member supporter(UUID support, Caller caller) {
        return new Member(support, null, "Support: " + caller.subject(), null, null, Role.ADMIN, null);
    }

    /** The id of the read-only support session this request is authenticated by, or null. */
    public UUID supportSessionId() {
        String support = identity.getAttribute(SessionAttributes.SUPPORT);
        return support == null ? null : UUID.fromString(support);
    }

    /** The caller's issuer and subject, which together name one identity. */
    public Caller caller() {
        String session = identity.getAttribute(SessionAttributes.SESSION);
        if (session == null) {
            session = identity.getAttribute(SessionAttributes.SUPPORT);
        }
        if (session != null) {
            return new Caller(identity.getAttribute(SessionAttributes.ISSUER), identity.getPrincipal().getName());
        }
        return new Caller(jwt.getIssuer(), jwt.getSubject());
    }

    /** The id of the session this request is authenticated by, or null for a token. */
    public UUID sessionId() {
        String session = identity.getAttribute(SessionAttributes.SESSION);
        return session == null ? null : UUID.fromString(session);
    }

    /** The token's email claim, or null. */
    public String email() {
        if (sessionId() != null || supportSessionId() != null) {
            return null;
        }
        Object value = jwt.getClaim("email");
        if (value instanceof jakarta.json.JsonString js) {
            return js.getString();
        }
        return value == null ? null : value.toString();
    }

    /** The token's email claim when the token says the identity provider verified it ({@code email_verified}), or null. */
    public String verifiedEmail() {
        String email = email();
        Object verified = email == null ? null : jwt.getClaim("email_verified");
        boolean yes = verified instanceof Boolean b ? b
                : verified == jakarta.json.JsonValue.TRUE || verified != null && "true".equals(verified.toString());
        return yes ? email : null;
    }

    /**
     * The tenant the caller's credential is bound to (the token's tenant claim, by slug or id, or the tenant a
     * session was opened in), or null for a credential that names no tenant.
     */
    public String boundTenant() {
        return claim();
    }

    /** Whether a credential bound to {@code bound} (see {@link #boundTenant()}) may act in {@code tenant}. */
    public static boolean allows(String bound, TenantRef tenant) {
        return bound == null || bound.equals(tenant.slug()) || bound.equals(tenant.id().toString());
    }

    private String claim() {
        // A session is bound to the tenant it was opened in: it acts as that tenant's claim.
        String sessionTenant = identity.getAttribute(SessionAttributes.TENANT);
        if (sessionTenant != null) {
            return sessionTenant;
        }
        return TenantClaim.of(jwt.getClaim(claimName),
                organizationClaim.map(name -> (Object) jwt.getClaim(name)).orElse(null), organizationClaim);
    }

    /** 503 for a write to a frozen tenant: its reason's code, and when to try again. */
    public static ProblemException frozen(Freeze reason) {
        return ProblemException.unavailable(reason.code(), reason.detail(), FROZEN_RETRY_AFTER);
    }

    /**
     * The tenant the request's host names ({@code <slug>.<base domain>} or a verified custom domain), or null when it
     * names none or there is no HTTP request. Reads the request now, on the caller's thread.
     */
    public Uni<TenantRef> hostTenant() {
        return hosts.of(host());
    }

    private String host() {
        if (!inRequest()) {
            return null;
        }
        return request.get().getHeader("Host");
    }

    public static ProblemException hostMismatch() {
        return ProblemException.forbidden("tenant_mismatch", "This host belongs to another tenant.");
    }

    public static ProblemException mismatch() {
        return ProblemException.forbidden("tenant_mismatch", "The token belongs to another tenant.");
    }
}
