package dev.keyhub.session;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantContext;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Server-side sessions for web frontends that keep no tokens. A session lives in its tenant's database;
 * its token names the tenant, so validating it opens exactly one database. {@code last_accessed_at} is
 * written at most once a minute per session, not on every request. Expired sessions are purged from a
 * tenant's database whenever a session is opened there.
 */
@ApplicationScoped
public class SessionService {

    private static final Logger LOG = Logger.getLogger(SessionService.class);
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final TenantPools pools;
    private final TenantDirectory directory;
    private final Audit audit;
    private final Duration lifetime;
    private final Duration keepExpired;

    private final SupportSessions support;

    public SessionService(TenantPools pools, TenantDirectory directory, Audit audit, SessionsConfig config,
            SupportSessions support) {
        this.support = support;
        this.pools = pools;
        this.directory = directory;
        this.audit = audit;
        this.lifetime = config.lifetime();
        this.keepExpired = config.keepExpired();
    }

    public record Opened(UUID id, String token, OffsetDateTime expiresAt) {
    }

    public record Valid(UUID sessionId, UUID tenantId, String issuer, String subject) {
    }

    /**
     * A session; {@code support} is set for a read-only support session in the tenant, which only the tenant's admins
     * see in their list (and can end).
     */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(requiredProperties = {"id", "createdAt", "expiresAt", "current"})
    public record SessionView(UUID id, OffsetDateTime createdAt, OffsetDateTime expiresAt,
            OffsetDateTime lastAccessedAt, String ipAddress, String userAgent, boolean current, Support support) {
    }

    /** Who opened a support session, and why. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "SupportSessionInfo")
    public record Support(String agent, String reason) {
    }

    /** Opens a session for the caller's membership; the token is returned here only. */
    public Uni<Opened> open(TenantContext ctx, String userAgent) {
        String token = SessionTokens.generate(ctx.tenant().id());
        String agent = userAgent == null ? null : userAgent.substring(0, Math.min(userAgent.length(), 1024));
        return pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery("""
                INSERT INTO sessions (token_hash, user_id, membership_id, expires_at, ip_address, user_agent)
                VALUES ($1, $2, $3, now() + $4 * interval '1 second', $5::text::inet, $6) RETURNING id, expires_at""")
                .execute(Tuple.tuple(java.util.Arrays.asList(SessionTokens.hash(token), ctx.member().userId(),
                        ctx.member().membershipId(), lifetime.toSeconds(), ctx.clientIp(), agent)))
                .map(rows -> new Opened(rows.iterator().next().getUUID("id"), token,
                        rows.iterator().next().getOffsetDateTime("expires_at"))))
                .call(() -> purgeExpired(ctx));
    }

    /** The session behind a token, or null when the token is unknown, revoked, expired or its tenant is not active. */
    public Uni<Valid> validate(String token) {
        UUID tenantId = SessionTokens.tenantOf(token);
        if (tenantId == null) {
            return Uni.createFrom().nullItem();
        }
        return directory.liveById(tenantId)
                .onFailure(ProblemException.class).recoverWithNull()
                .chain(tenant -> tenant == null || tenant.status() != TenantStatus.ACTIVE ? Uni.createFrom().nullItem()
                        : pools.withConnection(tenant, c -> c.preparedQuery("""
                                SELECT s.id, i.provider, i.provider_sub,
                                       s.last_accessed_at IS NULL OR s.last_accessed_at < now() - $2 * interval '1 second'
                                           AS stale
                                FROM sessions s
                                JOIN memberships m ON m.user_id = s.user_id AND m.left_at IS NULL
                                JOIN user_identities i ON i.user_id = s.user_id
                                WHERE s.token_hash = $1 AND NOT s.revoked AND s.expires_at > now()
                                LIMIT 1""").execute(Tuple.of(SessionTokens.hash(token), TOUCH_EVERY.toSeconds()))
                                .chain(rows -> {
                                    if (rows.size() == 0) {
                                        return Uni.createFrom().nullItem();
                                    }
                                    Row r = rows.iterator().next();
                                    Valid valid = new Valid(r.getUUID("id"), tenantId, r.getString("provider"),
                                            r.getString("provider_sub"));
                                    if (!r.getBoolean("stale")) {
                                        return Uni.createFrom().item(valid);
                                    }
                                    return c.preparedQuery("UPDATE sessions SET last_accessed_at = now() WHERE id = $1")
                                            .execute(Tuple.of(valid.sessionId())).replaceWith(valid);
                                })));
    }

    /**
     * The caller's live sessions, newest first; the one this request uses is marked current. A tenant admin also sees
     * the live support sessions in the tenant, first.
     */
    public Uni<List<SessionView>> mine(TenantContext ctx, UUID currentSession) {
        Uni<List<SessionView>> support = ctx.role() != Role.ADMIN ? Uni.createFrom().item(List.of())
                : this.support.live(ctx.tenant().id()).map(views -> views.stream().map(v -> new SessionView(v.id(),
                        v.createdAt(), v.expiresAt(), null, null, null, v.id().equals(ctx.member().userId()),
                        new Support(v.agent(), v.reason()))).toList());
        return support.chain(first -> own(ctx, currentSession).map(own -> {
            List<SessionView> all = new ArrayList<>(first);
            all.addAll(own);
            return all;
        }));
    }

    private Uni<List<SessionView>> own(TenantContext ctx, UUID currentSession) {
        return pools.withConnection(ctx.tenant(), c -> c.preparedQuery("""
                SELECT id, created_at, expires_at, last_accessed_at, ip_address::text AS ip, user_agent FROM sessions
                WHERE user_id = $1 AND NOT revoked AND expires_at > now() ORDER BY created_at DESC LIMIT 200""")
                .execute(Tuple.of(ctx.member().userId())))
                .map(rows -> {
                    List<SessionView> out = new ArrayList<>();
                    for (Row r : rows) {
                        UUID id = r.getUUID("id");
                        out.add(new SessionView(id, r.getOffsetDateTime("created_at"), r.getOffsetDateTime("expires_at"),
                                r.getOffsetDateTime("last_accessed_at"), r.getString("ip"), r.getString("user_agent"),
                                id.equals(currentSession), null));
                    }
                    return out;
                });
    }

    /**
     * Revokes one of the caller's sessions, or, for a tenant admin, ends a live support session in the tenant; 404
     * {@code session_not_found} for any other id.
     */
    public Uni<Void> revoke(TenantContext ctx, UUID sessionId) {
        if (ctx.role() == Role.ADMIN) {
            return support.live(ctx.tenant().id()).chain(live -> live.stream().anyMatch(v -> v.id().equals(sessionId))
                    ? support.end(sessionId, ctx.tenant().id(), "tenant admin " + ctx.member().userId(), ctx.clientIp())
                            .replaceWithVoid()
                    : revokeOwn(ctx, sessionId));
        }
        return revokeOwn(ctx, sessionId);
    }

    private Uni<Void> revokeOwn(TenantContext ctx, UUID sessionId) {
        return pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery(
                "UPDATE sessions SET revoked = true WHERE id = $1 AND user_id = $2 AND NOT revoked")
                .execute(Tuple.of(sessionId, ctx.member().userId()))
                .chain(rows -> {
                    if (rows.rowCount() == 0) {
                        throw ProblemException.notFound("session_not_found", "No session " + sessionId + " of yours.");
                    }
                    return audit.record(tx, ctx, "session.revoked", "session", sessionId, null);
                }));
    }

    /** Ends the session a request was authenticated with (logout); a session already ended is no error. */
    public Uni<Void> end(UUID tenantId, UUID sessionId) {
        return directory.liveById(tenantId).chain(tenant -> pools.withTransaction(tenant, tx -> tx.preparedQuery(
                "UPDATE sessions SET revoked = true WHERE id = $1 AND NOT revoked RETURNING user_id")
                .execute(Tuple.of(sessionId))))
                .replaceWithVoid();
    }

    /** Revokes all of the caller's sessions; returns how many. */
    public Uni<Integer> revokeAll(TenantContext ctx) {
        return pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery(
                "UPDATE sessions SET revoked = true WHERE user_id = $1 AND NOT revoked")
                .execute(Tuple.of(ctx.member().userId()))
                .call(rows -> audit.record(tx, ctx, "sessions.revoked", "user", ctx.member().userId(),
                        new JsonObject().put("count", rows.rowCount())))
                .map(rows -> rows.rowCount()));
    }

    private Uni<Void> purgeExpired(TenantContext ctx) {
        return pools.withConnection(ctx.tenant(), c -> c.preparedQuery(
                "DELETE FROM sessions WHERE expires_at < now() - $1 * interval '1 second'")
                .execute(Tuple.of(keepExpired.toSeconds())))
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.debugf(e, "purging expired sessions failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }
}
