package dev.keyhub.joincode;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.catalog.TenantRef;
import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.NewMember;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantContext;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Join codes: tenant admins create and revoke them; any signed-in user redeems one. A code's hash is kept
 * in the tenant database (the code itself) and in the catalog's {@code join_code_index} (which tenant it
 * belongs to), so redemption finds the tenant without looking into any tenant database.
 * <p>
 * Redemption is one transaction in the tenant database whose conditional {@code UPDATE … used_count + 1}
 * takes the code's row lock: with {@code max_uses = K}, exactly K concurrent redemptions succeed.
 */
@ApplicationScoped
public class JoinCodeService {

    private static final String REDEEM_SQL = """
            UPDATE join_codes SET used_count = used_count + 1
            WHERE code_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
              AND (max_uses = 0 OR used_count < max_uses)
            RETURNING id, role""";

    private final TenantPools pools;
    private final Pool catalog;
    private final TenantDirectory directory;
    private final Audit audit;
    private final RedemptionLimiter limiter;
    private final MemberIndex index;

    public JoinCodeService(TenantPools pools, Pool catalog, TenantDirectory directory, Audit audit,
            RedemptionLimiter limiter, MemberIndex index) {
        this.index = index;
        this.pools = pools;
        this.catalog = catalog;
        this.directory = directory;
        this.audit = audit;
        this.limiter = limiter;
    }

    public record NewCode(Role role, int maxUses, OffsetDateTime expiresAt) {
    }

    /** Creates a code (tenant admin); the returned view is the only one that carries the code. */
    public Uni<JoinCodeView> create(TenantContext ctx, NewCode request) {
        ctx.require(Role.ADMIN);
        if (request.role() == Role.ADMIN) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid_role",
                    "A join code grants 'member' or 'viewer', never 'admin'."));
        }
        if (request.expiresAt() != null && !request.expiresAt().isAfter(OffsetDateTime.now())) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid_expiry", "'expiresAt' must be in the future."));
        }
        String code = JoinCodes.generate();
        String hash = JoinCodes.hash(JoinCodes.normalise(code));
        // The index entry first: a crash after it leaves an entry that names no code, which redeems as invalid.
        return catalog.preparedQuery("INSERT INTO join_code_index (code_hash, tenant_id) VALUES ($1, $2)")
                .execute(Tuple.of(hash, ctx.tenant().id()))
                .chain(() -> pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery("""
                        INSERT INTO join_codes (code_hash, role, max_uses, expires_at, created_by)
                        VALUES ($1, $2, $3, $4, $5) RETURNING\s""" + JoinCodeView.COLUMNS)
                        .execute(Tuple.of(hash, request.role().wireName(), request.maxUses(), request.expiresAt(),
                                ctx.member().userId()))
                        .map(rows -> JoinCodeView.of(rows.iterator().next(), code))
                        .call(view -> audit.record(tx, ctx, "join_code.created", "join_code", view.id(),
                                new JsonObject().put("role", view.role()).put("maxUses", view.maxUses()))))
                        .onFailure().call(e -> catalog.preparedQuery("DELETE FROM join_code_index WHERE code_hash = $1")
                                .execute(Tuple.of(hash)).onFailure().recoverWithNull()));
    }

    /** The tenant's codes, newest first, without secrets (tenant admin). */
    public Uni<CursorPage<JoinCodeView>> list(TenantContext ctx, Cursor before, int size) {
        ctx.require(Role.ADMIN);
        List<Object> args = new ArrayList<>();
        String where = "";
        if (before != null) {
            args.add(before.at());
            args.add(before.id());
            where = " WHERE (created_at, id) < ($1, $2)";
        }
        args.add(size + 1);
        String sql = "SELECT " + JoinCodeView.COLUMNS + " FROM join_codes" + where
                + " ORDER BY created_at DESC, id DESC LIMIT $" + args.size();
        return pools.withConnection(ctx.tenant(), c -> c.preparedQuery(sql).execute(Tuple.tuple(args)))
                .map(rows -> CursorPage.of(rows, size, r -> JoinCodeView.of(r, null), v -> new Cursor(v.createdAt(), v.id())));
    }

    /** Revokes a code (tenant admin); revoking a revoked code does nothing; 404 for an unknown id. */
    public Uni<Void> revoke(TenantContext ctx, UUID id) {
        ctx.require(Role.ADMIN);
        return pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery(
                "UPDATE join_codes SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING (xmax <> 0)")
                .execute(Tuple.of(id))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("join_code_not_found", "No join code " + id + " in this tenant.");
                    }
                    return audit.record(tx, ctx, "join_code.revoked", "join_code", id, null);
                }));
    }

    /** What a successful redemption gives the caller. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(requiredProperties = {"tenantId", "tenantSlug", "userId", "role"})
    public record Joined(UUID tenantId, String tenantSlug, UUID userId, String role) {
    }

    /**
     * Redeems a code for the calling identity. 429 after too many failures; 404 {@code join_code_invalid};
     * 410 {@code join_code_revoked}, {@code join_code_expired}, {@code join_code_used_up}; 409
     * {@code already_member} (no second membership, no use counted); 400 {@code email_required}; 403
     * {@code tenant_mismatch} when the caller's credential is bound to another tenant ({@code boundTenant}, the
     * token's tenant claim or the session's tenant; null for a credential bound to none), or the request's host
     * names another tenant ({@code host}, null for a host that names none).
     */
    public Uni<Joined> redeem(TenantAccess.Caller caller, String boundTenant, TenantRef host, String email, String ip,
            String typed) {
        String key = caller.issuer() + "|" + caller.subject();
        limiter.check(key);
        String normalised = JoinCodes.normalise(typed);
        if (normalised == null) {
            limiter.failed(key);
            return Uni.createFrom().failure(invalid());
        }
        if (email == null || email.isBlank() || email.length() > 320) {
            return Uni.createFrom().failure(ProblemException.badRequest("email_required",
                    "The token carries no usable email claim, which a new member needs."));
        }
        String hash = JoinCodes.hash(normalised);
        return tenantOf(hash)
                .invoke(tenant -> {
                    if (!TenantAccess.allows(boundTenant, tenant) || host != null && !host.id().equals(tenant.id())) {
                        throw TenantAccess.mismatch();
                    }
                    checkActive(tenant);
                })
                .chain(tenant -> index.change(tenant, null, tx -> join(tx, tenant, caller, email.strip(), ip, hash), Joined::userId))
                .onFailure(JoinCodeService::countsAsFailedAttempt).invoke(() -> limiter.failed(key));
    }

    /** A join code a browser login carries: its tenant and the hash under which it is redeemed at the callback. */
    public record Invitation(TenantRef tenant, String codeHash) {
    }

    /**
     * The invitation behind a typed code, for a browser login that signs a person in and joins them in one step
     * ({@code /auth/login?joinCode=…}): 404 {@code join_code_invalid} for a code that names no live tenant. Whether
     * the code can still be used is decided when it is redeemed, at the callback ({@link #admit}).
     */
    public Uni<Invitation> invitation(String typed) {
        String normalised = JoinCodes.normalise(typed);
        if (normalised == null) {
            return Uni.createFrom().failure(invalid());
        }
        String hash = JoinCodes.hash(normalised);
        return tenantOf(hash).map(tenant -> new Invitation(tenant, hash));
    }

    /**
     * Redeems the code with {@code codeHash} for an identity that is not yet a member, inside the caller's transaction
     * in the tenant's database (a browser login's): the same conditional use and audit as {@link #redeem}, with the
     * same 410s for a revoked, expired or used-up code. Answers the new member's user id.
     */
    public Uni<UUID> admit(SqlConnection tx, TenantRef tenant, TenantAccess.Caller caller, String email, String ip,
            String codeHash) {
        if (email == null || email.isBlank() || email.length() > 320) {
            return Uni.createFrom().failure(ProblemException.badRequest("email_required",
                    "The identity provider gave no usable email, which a new member needs."));
        }
        return join(tx, tenant, caller, email.strip(), ip, codeHash).map(Joined::userId);
    }

    private Uni<TenantRef> tenantOf(String hash) {
        return catalog.preparedQuery("SELECT tenant_id FROM join_code_index WHERE code_hash = $1")
                .execute(Tuple.of(hash))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw invalid();
                    }
                    return directory.liveById(rows.iterator().next().getUUID("tenant_id"))
                            .onFailure(e -> e instanceof ProblemException p && p.status() == 404)
                            .transform(e -> invalid());
                });
    }

    private Uni<Joined> join(SqlConnection tx, TenantRef tenant, TenantAccess.Caller caller, String email, String ip,
            String hash) {
        return NewMember.known(tx, caller).chain(known -> {
            if (known != null && known.member()) {
                throw ProblemException.conflict("already_member", "You are already a member of this tenant.");
            }
            return tx.preparedQuery(REDEEM_SQL).execute(Tuple.of(hash)).chain(used -> {
                if (used.size() == 0) {
                    return whyNot(tx, hash);
                }
                Row code = used.iterator().next();
                UUID codeId = code.getUUID("id");
                String role = code.getString("role");
                return NewMember.admit(tx, known, caller, email, null, Role.fromWire(role))
                        .call(id -> audit.record(tx, id, ip, "member.joined", "user", id,
                                new JsonObject().put("joinCode", codeId.toString()).put("role", role)))
                        .map(id -> new Joined(tenant.id(), tenant.slug(), id, role));
            });
        });
    }

    /** After a redemption updated nothing: says why, as precisely as the code's row allows. */
    private static <T> Uni<T> whyNot(SqlConnection tx, String hash) {
        return tx.preparedQuery("SELECT revoked_at IS NOT NULL AS revoked, expires_at IS NOT NULL AND expires_at <= now() AS expired "
                + "FROM join_codes WHERE code_hash = $1").execute(Tuple.of(hash)).map(rows -> {
                    if (rows.size() == 0) {
                        throw invalid();
                    }
                    Row r = rows.iterator().next();
                    if (r.getBoolean("revoked")) {
                        throw gone("join_code_revoked", "This join code was revoked.");
                    }
                    if (r.getBoolean("expired")) {
                        throw gone("join_code_expired", "This join code has expired.");
                    }
                    throw gone("join_code_used_up", "This join code has been used as many times as it allows.");
                });
    }

    private static void checkActive(TenantRef tenant) {
        if (tenant.status() != dev.keyhub.catalog.TenantStatus.ACTIVE) {
            throw ProblemException.forbidden("tenant_suspended", "This tenant is not accepting members now.");
        }
    }

    private static boolean countsAsFailedAttempt(Throwable e) {
        return e instanceof ProblemException p && p.code().startsWith("join_code_");
    }

    private static ProblemException invalid() {
        return ProblemException.notFound("join_code_invalid", "This join code is not valid.");
    }

    private static ProblemException gone(String code, String detail) {
        return new ProblemException(410, code, "Gone", detail);
    }
}
