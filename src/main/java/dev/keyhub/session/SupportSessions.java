package dev.keyhub.session;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.catalog.TenantRef;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Audited support access: a platform supporter opens a read-only session in one tenant, with a reason, for at most an
 * hour (catalog {@code support_sessions}; only the token's SHA-256 is kept). Every request checks the session in the
 * catalog, so ending it (by the supporter, by a tenant admin, or by the tenant's suspension or deletion, which a
 * trigger applies in the same transaction) takes effect at once on every replica. Opening and ending are written to
 * the tenant's own audit log; the platform audit log records them too (by the admin resource). A support session
 * cannot write: {@code TenantAccess} refuses every request that is not a read.
 */
@ApplicationScoped
public class SupportSessions {

    public static final Duration LONGEST = Duration.ofHours(1);
    private static final String COLUMNS = "s.id, s.tenant_id, s.agent_issuer, s.agent_subject, s.reason, s.created_at, "
            + "s.expires_at, s.ended_at, s.ended_by";

    private final Pool catalog;
    private final TenantDirectory directory;
    private final TenantPools pools;
    private final Audit audit;

    public SupportSessions(Pool catalog, TenantDirectory directory, TenantPools pools, Audit audit) {
        this.catalog = catalog;
        this.directory = directory;
        this.pools = pools;
        this.audit = audit;
    }

    /** A support session just opened: its token is answered here only. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "OpenedSupportSession")
    public record Opened(UUID id, String token, UUID tenantId, String tenantSlug, String reason, OffsetDateTime expiresAt) {
    }

    /** A live support session behind a token. */
    public record Valid(UUID id, UUID tenantId, String issuer, String subject) {
    }

    /** A support session as tenant admins and platform admins see it. */
    public record SupportView(UUID id, UUID tenantId, String agent, String reason, OffsetDateTime createdAt,
            OffsetDateTime expiresAt, OffsetDateTime endedAt, String endedBy, boolean live) {

        static SupportView of(Row r) {
            OffsetDateTime ended = r.getOffsetDateTime("ended_at");
            OffsetDateTime expires = r.getOffsetDateTime("expires_at");
            return new SupportView(r.getUUID("id"), r.getUUID("tenant_id"), r.getString("agent_subject"),
                    r.getString("reason"), r.getOffsetDateTime("created_at"), expires, ended, r.getString("ended_by"),
                    ended == null && expires.isAfter(OffsetDateTime.now()));
        }
    }

    /**
     * Opens a read-only session in an active tenant for the supporter (issuer, subject). 400 {@code reason_required},
     * {@code invalid_duration} (more than an hour, or none); 404 for an unknown tenant; 409 {@code tenant_not_active}.
     */
    public Uni<Opened> open(UUID tenantId, String issuer, String subject, String reason, Duration lifetime, String ip) {
        String why = reason == null ? "" : reason.strip();
        if (why.length() < 3 || why.length() > 500) {
            return Uni.createFrom().failure(ProblemException.badRequest("reason_required",
                    "Say why you need to look into this tenant (3 to 500 characters)."));
        }
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(LONGEST) > 0) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid_duration",
                    "A support session lasts from 1 to 60 minutes."));
        }
        UUID id = UUID.randomUUID();
        String token = SessionTokens.generate(SessionTokens.SUPPORT_PREFIX, tenantId);
        return directory.liveById(tenantId)
                .invoke(tenant -> {
                    if (tenant.status() != TenantStatus.ACTIVE) {
                        throw ProblemException.conflict("tenant_not_active",
                                "Tenant '" + tenant.slug() + "' is " + tenant.status().name().toLowerCase() + ".");
                    }
                })
                .chain(tenant -> catalog.preparedQuery("""
                        INSERT INTO support_sessions (id, tenant_id, token_hash, agent_issuer, agent_subject, reason, expires_at)
                        SELECT $1, t.id, $3, $4, $5, $6, now() + $7 * interval '1 second' FROM tenants t
                        WHERE t.id = $2 AND t.status = 'ACTIVE'
                        RETURNING expires_at""")
                        .execute(Tuple.tuple(List.of(id, tenantId, SessionTokens.hash(token), issuer, subject, why,
                                lifetime.toSeconds())))
                        .map(rows -> {
                            if (rows.size() == 0) {
                                throw ProblemException.conflict("tenant_not_active", "The tenant is no longer active.");
                            }
                            return new Opened(id, token, tenantId, tenant.slug(), why,
                                    rows.iterator().next().getOffsetDateTime("expires_at"));
                        })
                        .call(opened -> record(tenant, ip, "support.session_opened", id, new JsonObject()
                                .put("agent", subject).put("reason", why).put("expiresAt", opened.expiresAt().toString()))));
    }

    /** The live session behind a support token, or null (unknown, ended, expired, or its tenant not active). */
    public Uni<Valid> validate(String token) {
        return catalog.preparedQuery("""
                SELECT s.id, s.tenant_id, s.agent_issuer, s.agent_subject FROM support_sessions s
                JOIN tenants t ON t.id = s.tenant_id AND t.status = 'ACTIVE'
                WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now()""")
                .execute(Tuple.of(SessionTokens.hash(token)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new Valid(r.getUUID("id"), r.getUUID("tenant_id"), r.getString("agent_issuer"),
                            r.getString("agent_subject"));
                });
    }

    /**
     * Ends a live support session ({@code tenant}: only if it is that tenant's, for a tenant admin; null for a platform
     * supporter). 404 {@code support_session_not_found} for one that is unknown, another tenant's, or over.
     */
    public Uni<SupportView> end(UUID id, UUID tenant, String by, String ip) {
        return catalog.preparedQuery("UPDATE support_sessions s SET ended_at = now(), ended_by = $3 "
                + "WHERE s.id = $1 AND ($2::uuid IS NULL OR s.tenant_id = $2) AND s.ended_at IS NULL AND s.expires_at > now() "
                + "RETURNING " + COLUMNS)
                .execute(Tuple.of(id, tenant, by))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("support_session_not_found", "No live support session " + id + ".");
                    }
                    return SupportView.of(rows.iterator().next());
                })
                .call(view -> directory.liveById(view.tenantId())
                        .chain(ref -> record(ref, ip, "support.session_ended", id, new JsonObject().put("by", by)))
                        .onFailure(ProblemException.class).recoverWithNull());
    }

    /** The tenant's support sessions that are live now, newest first. */
    public Uni<List<SupportView>> live(UUID tenant) {
        return catalog.preparedQuery("SELECT " + COLUMNS + " FROM support_sessions s WHERE s.tenant_id = $1 "
                + "AND s.ended_at IS NULL AND s.expires_at > now() ORDER BY s.created_at DESC")
                .execute(Tuple.of(tenant)).map(SupportSessions::views);
    }

    /** The newest support sessions, live or over, of one tenant or of all; at most 200. */
    public Uni<List<SupportView>> recent(UUID tenant) {
        return catalog.preparedQuery("SELECT " + COLUMNS + " FROM support_sessions s WHERE ($1::uuid IS NULL OR s.tenant_id = $1) "
                + "ORDER BY s.created_at DESC, s.id DESC LIMIT 200")
                .execute(Tuple.of(tenant)).map(SupportSessions::views);
    }

    private static List<SupportView> views(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<SupportView> out = new ArrayList<>();
        rows.forEach(r -> out.add(SupportView.of(r)));
        return out;
    }

    /** Writes to the tenant's own audit log, with no tenant user as the actor (the supporter is named in the details). */
    private Uni<Void> record(TenantRef tenant, String ip, String action, UUID id, JsonObject details) {
        return pools.withTransaction(tenant, tx -> audit.record(tx, null, ip, action, "support_session", id, details));
    }
}
