package dev.keyhub.domains;

import java.util.Locale;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.catalog.TenantRef;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.NewMember;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Joining by verified email domain: a tenant that has verified a domain and given it an auto-join role lets anyone
 * whose identity provider vouches for an email at that domain ({@code email_verified}) become a member with that
 * role, by asking ({@code POST /api/join {"tenant": …}}) or on their first browser login. "My tenants" offers such
 * tenants to the people they are open to.
 */
@ApplicationScoped
public class AutoJoin {

    private final Pool catalog;
    private final TenantDirectory directory;
    private final MemberIndex index;
    private final Audit audit;

    public AutoJoin(Pool catalog, TenantDirectory directory, MemberIndex index, Audit audit) {
        this.catalog = catalog;
        this.directory = directory;
        this.index = index;
        this.audit = audit;
    }

    /** What joining by domain gives the caller. */
    public record Joined(UUID tenantId, String tenantSlug, UUID userId, Role role) {
    }

    /** The domain of an email address, lower case; null for anything without one. */
    public static String domainOf(String email) {
        if (email == null) {
            return null;
        }
        int at = email.lastIndexOf('@');
        return at < 1 || at == email.length() - 1 ? null : email.substring(at + 1).strip().toLowerCase(Locale.ROOT);
    }

    /** The role a person with this verified email gets in the tenant by its verified domains, or null for none. */
    public Uni<Role> roleFor(UUID tenant, String verifiedEmail) {
        String domain = domainOf(verifiedEmail);
        if (domain == null) {
            return Uni.createFrom().nullItem();
        }
        return catalog.preparedQuery("""
                SELECT auto_join_role FROM tenant_domains
                WHERE tenant_id = $1 AND domain = $2 AND verified_at IS NOT NULL AND auto_join_role IS NOT NULL""")
                .execute(Tuple.of(tenant, domain))
                .map(rows -> rows.size() == 0 ? null : Role.fromWire(rows.iterator().next().getString("auto_join_role")));
    }

    /**
     * Joins the caller to {@code target} (a slug or an id) by the domain of their verified email. 400
     * {@code verified_email_required}; 404/410 for the tenant; 403 {@code tenant_mismatch} for a credential or host
     * bound to another tenant, {@code tenant_suspended}, {@code not_offered} when the tenant is not open to the
     * email's domain; 409 {@code already_member}, {@code email_in_use}.
     */
    public Uni<Joined> join(TenantAccess.Caller caller, String verifiedEmail, String target, String boundTenant,
            TenantRef host, String ip) {
        if (verifiedEmail == null) {
            return Uni.createFrom().failure(ProblemException.badRequest("verified_email_required",
                    "Joining by email domain needs a token whose email the identity provider has verified."));
        }
        return directory.bySlugOrId(target.strip())
                .invoke(tenant -> {
                    if (!TenantAccess.allows(boundTenant, tenant) || host != null && !host.id().equals(tenant.id())) {
                        throw TenantAccess.mismatch();
                    }
                    if (tenant.status() != TenantStatus.ACTIVE) {
                        throw ProblemException.forbidden("tenant_suspended", "This tenant is not accepting members now.");
                    }
                })
                .chain(tenant -> roleFor(tenant.id(), verifiedEmail).chain(role -> {
                    if (role == null) {
                        throw ProblemException.forbidden("not_offered",
                                "This tenant is not open to your email's domain; ask one of its admins for a join code.");
                    }
                    return index.change(tenant, null, tx -> NewMember.known(tx, caller)
                            .chain(known -> NewMember.admit(tx, known, caller, verifiedEmail, null, role))
                            .call(user -> audit.record(tx, user, ip, "member.joined", "user", user, new JsonObject()
                                    .put("domain", domainOf(verifiedEmail)).put("role", role.wireName())))
                            .map(user -> new Joined(tenant.id(), tenant.slug(), user, role)), Joined::userId);
                }));
    }
}
