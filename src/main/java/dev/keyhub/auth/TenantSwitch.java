package dev.keyhub.auth;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.session.SessionService;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantContext;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Moves a browser from its session in one tenant to a new session in another tenant the same person belongs to,
 * without a new login at the identity provider: the person's membership in the other tenant, read from that
 * tenant's own database, is what lets them in. The old session ends once the new one is open; a refusal opens and
 * ends nothing.
 */
@ApplicationScoped
public class TenantSwitch {

    private final TenantDirectory directory;
    private final TenantPools pools;
    private final SessionService sessions;

    public TenantSwitch(TenantDirectory directory, TenantPools pools, SessionService sessions) {
        this.directory = directory;
        this.pools = pools;
        this.sessions = sessions;
    }

    /** The session opened in the other tenant: its token for the cookie, and the tenant. */
    public record Switched(String token, OffsetDateTime expiresAt, UUID tenantId, String tenantSlug) {
    }

    /**
     * Opens a session in {@code target} (a slug or an id) for {@code caller}, who holds session {@code fromSession}
     * in tenant {@code fromTenant}, and ends that session. 400 {@code tenant_required}, 404 {@code tenant_not_found},
     * 410 {@code tenant_deleted}, 403 {@code tenant_not_active} for a suspended or unfinished tenant, 403
     * {@code not_a_member} when the caller is not an active member of it.
     */
    public Uni<Switched> switchTo(TenantAccess.Caller caller, UUID fromTenant, UUID fromSession, String target,
            String clientIp, String userAgent) {
        if (target == null || target.isBlank()) {
            return Uni.createFrom().failure(ProblemException.badRequest("tenant_required",
                    "Name the tenant to switch to: {\"tenant\": \"<slug or id>\"}."));
        }
        return directory.bySlugOrId(target.strip())
                .invoke(BrowserLogin::requireActive)
                .chain(tenant -> pools.withConnection(tenant, c -> TenantAccess.find(c, caller))
                        .map(member -> {
                            if (member == null) {
                                throw ProblemException.forbidden("not_a_member",
                                        "You are not a member of that tenant; ask one of its admins for a join code.");
                            }
                            return new TenantContext(tenant, member, clientIp);
                        }))
                .chain(ctx -> sessions.open(ctx, userAgent)
                        .call(() -> sessions.end(fromTenant, fromSession))
                        .map(opened -> new Switched(opened.token(), opened.expiresAt(), ctx.tenant().id(),
                                ctx.tenant().slug())));
    }
}
