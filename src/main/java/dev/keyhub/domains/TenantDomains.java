package dev.keyhub.domains;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.common.DatabaseFailures;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.HostTenants;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantContext;

/**
 * The domains of a tenant (catalog {@code tenant_domains}), managed by its admins. A domain is claimed, then verified
 * by a DNS TXT record the tenant publishes ({@value #RECORD_PREFIX}{@code .<domain>}, value
 * {@code keyhub-verification=<token>}). Only one tenant can have a domain verified: a claim of a domain another
 * tenant verified is refused ({@code 409 domain_taken}), and the catalog's unique index settles two verifications at
 * once. A verified domain reaches the tenant by its host and, with an auto-join role, lets people whose verified
 * email is at the domain join. Every change is in the tenant's audit log.
 */
@ApplicationScoped
public class TenantDomains {

    private static final Logger LOG = Logger.getLogger(TenantDomains.class);
    public static final String RECORD_PREFIX = "_keyhub-challenge";
    static final int MAX_PER_TENANT = 20;
    private static final Pattern DOMAIN = Pattern.compile(
            "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COLUMNS = "domain, token, verified_at, auto_join_role, created_at";

    private final Pool catalog;
    private final TenantPools pools;
    private final Audit audit;
    private final HostTenants hosts;
    private final TxtRecords txt;

    public TenantDomains(Pool catalog, TenantPools pools, Audit audit, HostTenants hosts, TxtRecords txt) {
        this.catalog = catalog;
        this.pools = pools;
        this.audit = audit;
        this.hosts = hosts;
        this.txt = txt;
    }

    /** A domain as its tenant's admins see it, with the TXT record that verifies it. */
    public record DomainView(String domain, boolean verified, OffsetDateTime verifiedAt, Role autoJoinRole,
            String txtName, String txtValue, OffsetDateTime createdAt) {

        static DomainView of(Row r) {
            String domain = r.getString("domain");
            String role = r.getString("auto_join_role");
            return new DomainView(domain, r.getOffsetDateTime("verified_at") != null, r.getOffsetDateTime("verified_at"),
                    role == null ? null : Role.fromWire(role), RECORD_PREFIX + "." + domain,
                    "keyhub-verification=" + r.getString("token"), r.getOffsetDateTime("created_at"));
        }
    }

    public Uni<List<DomainView>> list(TenantContext ctx) {
        ctx.require(Role.ADMIN);
        return catalog.preparedQuery("SELECT " + COLUMNS + " FROM tenant_domains WHERE tenant_id = $1 ORDER BY domain")
                .execute(Tuple.of(ctx.tenant().id())).map(rows -> {
                    List<DomainView> out = new ArrayList<>();
                    rows.forEach(r -> out.add(DomainView.of(r)));
                    return out;
                });
    }

    /** Claims a domain for the tenant (unverified); 400 {@code invalid_domain} / {@code domain_reserved}, 409s. */
    public Uni<DomainView> add(TenantContext ctx, String raw, Role autoJoin) {
        ctx.require(Role.ADMIN);
        String domain = normalise(raw);
        checkAutoJoin(autoJoin);
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return catalog.withTransaction(tx -> tx.preparedQuery("""
                SELECT count(*) FILTER (WHERE tenant_id = $1) AS mine,
                       count(*) FILTER (WHERE tenant_id <> $1 AND domain = $2 AND verified_at IS NOT NULL) AS taken,
                       count(*) FILTER (WHERE tenant_id = $1 AND domain = $2) AS have
                FROM tenant_domains WHERE tenant_id = $1 OR domain = $2""")
                .execute(Tuple.of(ctx.tenant().id(), domain))
                .chain(rows -> {
                    Row r = rows.iterator().next();
                    if (r.getLong("have") > 0) {
                        throw ProblemException.conflict("domain_exists", "This tenant has already added " + domain + ".");
                    }
                    if (r.getLong("taken") > 0) {
                        throw taken(domain);
                    }
                    if (r.getLong("mine") >= MAX_PER_TENANT) {
                        throw ProblemException.conflict("too_many_domains",
                                "A tenant has at most " + MAX_PER_TENANT + " domains; remove one first.");
                    }
                    return tx.preparedQuery("INSERT INTO tenant_domains (tenant_id, domain, token, auto_join_role) "
                            + "VALUES ($1, $2, $3, $4) RETURNING " + COLUMNS)
                            .execute(Tuple.of(ctx.tenant().id(), domain, token, autoJoin == null ? null : autoJoin.wireName()));
                }))
                // The same domain added twice at once.
                .onFailure(DatabaseFailures::uniqueViolation).transform(e -> ProblemException.conflict("domain_exists",
                        "This tenant has already added " + domain + "."))
                .map(rows -> DomainView.of(rows.iterator().next()))
                .call(view -> record(ctx, "domain.added", domain, new JsonObject().put("autoJoinRole",
                        autoJoin == null ? null : autoJoin.wireName())));
    }

    /**
     * Checks the domain's TXT record and marks it verified. 404 {@code domain_not_found}, 422
     * {@code domain_not_verified} (the record is not there yet: nothing changes), 409 {@code domain_taken}, 503
     * {@code dns_unavailable}.
     */
    public Uni<DomainView> verify(TenantContext ctx, String raw) {
        ctx.require(Role.ADMIN);
        String domain = normalise(raw);
        return find(ctx, domain).chain(view -> {
            if (view.verified()) {
                return Uni.createFrom().item(view);
            }
            return txt.of(view.txtName())
                    .onFailure().transform(e -> {
                        LOG.debugf("TXT lookup of %s failed: %s", view.txtName(), e.getMessage());
                        return ProblemException.unavailable("dns_unavailable", "DNS could not be asked about "
                                + view.txtName() + "; try again.", 30);
                    })
                    .chain(records -> {
                        if (records.stream().noneMatch(v -> v.strip().equals(view.txtValue()))) {
                            throw new ProblemException(422, "domain_not_verified", "Unprocessable Content",
                                    "No TXT record " + view.txtName() + " with the value " + view.txtValue()
                                            + " was found. Publish it, then try again.");
                        }
                        return catalog.preparedQuery("UPDATE tenant_domains SET verified_at = now(), updated_at = now() "
                                + "WHERE tenant_id = $1 AND domain = $2 RETURNING " + COLUMNS)
                                .execute(Tuple.of(ctx.tenant().id(), domain))
                                .onFailure(DatabaseFailures::uniqueViolation).transform(e -> taken(domain));
                    })
                    .map(rows -> {
                        if (rows.size() == 0) {
                            throw notFound(domain);
                        }
                        return DomainView.of(rows.iterator().next());
                    })
                    .call(() -> hosts.forget(domain))
                    .call(() -> record(ctx, "domain.verified", domain, null));
        });
    }

    /** Sets or clears the domain's auto-join role. */
    public Uni<DomainView> setAutoJoin(TenantContext ctx, String raw, Role autoJoin) {
        ctx.require(Role.ADMIN);
        String domain = normalise(raw);
        checkAutoJoin(autoJoin);
        return catalog.preparedQuery("UPDATE tenant_domains SET auto_join_role = $3, updated_at = now() "
                + "WHERE tenant_id = $1 AND domain = $2 RETURNING " + COLUMNS)
                .execute(Tuple.of(ctx.tenant().id(), domain, autoJoin == null ? null : autoJoin.wireName()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(domain);
                    }
                    return DomainView.of(rows.iterator().next());
                })
                .call(view -> record(ctx, "domain.auto_join_changed", domain, new JsonObject().put("autoJoinRole",
                        autoJoin == null ? null : autoJoin.wireName())));
    }

    /** Removes the domain from the tenant: its host no longer reaches the tenant, its auto-join ends. */
    public Uni<Void> remove(TenantContext ctx, String raw) {
        ctx.require(Role.ADMIN);
        String domain = normalise(raw);
        return catalog.preparedQuery("DELETE FROM tenant_domains WHERE tenant_id = $1 AND domain = $2")
                .execute(Tuple.of(ctx.tenant().id(), domain))
                .invoke(rows -> {
                    if (rows.rowCount() == 0) {
                        throw notFound(domain);
                    }
                })
                .call(() -> hosts.forget(domain))
                .call(() -> record(ctx, "domain.removed", domain, null))
                .replaceWithVoid();
    }

    private Uni<DomainView> find(TenantContext ctx, String domain) {
        return catalog.preparedQuery("SELECT " + COLUMNS + " FROM tenant_domains WHERE tenant_id = $1 AND domain = $2")
                .execute(Tuple.of(ctx.tenant().id(), domain)).map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(domain);
                    }
                    return DomainView.of(rows.iterator().next());
                });
    }

    private Uni<Void> record(TenantContext ctx, String action, String domain, JsonObject details) {
        return pools.withTransaction(ctx.tenant(), tx -> audit.record(tx, ctx, action, "domain", domain, details));
    }

    /** A domain as stored: lower case, no trailing dot; 400 for anything that is not a DNS name or is KeyHub's own. */
    String normalise(String raw) {
        String d = raw == null ? "" : raw.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.length() > 253 || !DOMAIN.matcher(d).matches()) {
            throw ProblemException.badRequest("invalid_domain", "A domain is a DNS name such as example.com.");
        }
        String name = d;
        if (hosts.baseDomain().filter(b -> name.equals(b) || name.endsWith("." + b)).isPresent()) {
            throw ProblemException.badRequest("domain_reserved", "Names under " + hosts.baseDomain().get()
                    + " are KeyHub's own: every tenant is already reached at <slug>." + hosts.baseDomain().get() + ".");
        }
        return d;
    }

    private static void checkAutoJoin(Role role) {
        if (role == Role.ADMIN) {
            throw ProblemException.badRequest("invalid_role", "Auto-join grants 'member' or 'viewer', never 'admin'.");
        }
    }

    private static ProblemException taken(String domain) {
        return ProblemException.conflict("domain_taken", domain + " is verified by another tenant.");
    }

    private static ProblemException notFound(String domain) {
        return ProblemException.notFound("domain_not_found", "This tenant has no domain " + domain + ".");
    }
}
