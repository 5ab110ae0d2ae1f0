package dev.keyhub.keycloak;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduled.ConcurrentExecution;

/**
 * Keycloak Organizations mode ({@code keyhub.keycloak-organizations.enabled}): each tenant is an organization of the
 * realm (alias = the tenant's slug) whose members are the tenant's members from that realm, as the catalog's member
 * index lists them. KeyHub is the source of truth: a catalog trigger marks a tenant in {@code organization_sync} in
 * the same transaction as any change of its index rows (provisioning, joins, role changes, removals, leaving, clones,
 * restores, purges), and this job brings Keycloak to match: it creates the organization, adds and removes members,
 * and deletes the organization of a tenant purged for good. A tenant is marked done only if no newer change came
 * meanwhile; a failure (Keycloak down, a refusal) is recorded on the row and retried with a growing delay, so no
 * change is lost. Runs on a worker thread; several replicas share the rows through {@code FOR UPDATE SKIP LOCKED}.
 */
@ApplicationScoped
public class OrganizationSync {

    private static final Logger LOG = Logger.getLogger(OrganizationSync.class);
    private static final long LONGEST_DELAY_SECONDS = 600;

    private final DataSource catalog;
    private final KeycloakOrganizationsConfig config;
    private final String issuer;
    private final KeycloakAdmin keycloak;

    public OrganizationSync(DataSource catalog, KeycloakOrganizationsConfig config,
            @ConfigProperty(name = "keyhub.auth.issuer") java.util.Optional<String> authIssuer,
            @ConfigProperty(name = "mp.jwt.verify.issuer") String tokenIssuer) {
        this.catalog = catalog;
        this.config = config;
        this.issuer = config.issuer().or(() -> authIssuer).orElse(tokenIssuer);
        this.keycloak = config.enabled() ? new KeycloakAdmin(issuer, config.clientId(), config.clientSecret().orElse("")) : null;
        if (config.enabled() && config.clientSecret().isEmpty()) {
            LOG.errorf("keyhub.keycloak-organizations.enabled is set without keyhub.keycloak-organizations.client-secret: "
                    + "organizations cannot be synced until it is");
        }
    }

    /** A tenant waiting for its organization to follow it. */
    record Due(UUID tenantId, String organizationId, OffsetDateTime dirtySince, int attempts) {
    }

    /** A tenant as the sync needs it; {@code gone} once it is purged, failed or removed. */
    record TenantState(String slug, String name, boolean gone) {
    }

    @Scheduled(every = "${keyhub.keycloak-organizations.retry-every:10s}", delayed = "2s",
            concurrentExecution = ConcurrentExecution.SKIP)
    void scheduled() {
        if (config.enabled()) {
            syncDue();
        }
    }

    /** One pass over the tenants that are due; returns how many now match Keycloak. Blocking. */
    public int syncDue() {
        int done = 0;
        try (Connection c = catalog.getConnection()) {
            c.setAutoCommit(false);
            List<Due> due = claim(c);
            for (Due d : due) {
                try {
                    String organization = sync(c, d);
                    finish(c, d, organization);
                    done++;
                } catch (SQLException | RuntimeException e) {
                    LOG.warnf("Tenant %s: its Keycloak organization does not match yet (attempt %d): %s", d.tenantId(),
                            d.attempts() + 1, e.getMessage());
                    failed(c, d, e.getMessage());
                }
                c.commit();
            }
            c.commit();
        } catch (SQLException e) {
            LOG.warnf(e, "Could not look for organizations to sync: %s", e.getMessage());
        }
        return done;
    }

    /** Locks up to 20 due rows for this transaction (other replicas skip them). */
    private static List<Due> claim(Connection c) throws SQLException {
        List<Due> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT tenant_id, organization_id, dirty_since, attempts FROM organization_sync
                WHERE dirty_since IS NOT NULL AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                due.add(new Due(rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, OffsetDateTime.class),
                        rs.getInt(4)));
            }
        }
        return due;
    }

    /** Brings the tenant's organization to match the index; its id, or null once it is deleted. */
    private String sync(Connection c, Due d) throws SQLException {
        TenantState tenant = tenant(c, d.tenantId());
        String id = d.organizationId() != null && keycloak.exists(d.organizationId()) ? d.organizationId()
                : tenant == null ? null : keycloak.organizationByAlias(tenant.slug());
        if (tenant == null || tenant.gone()) {
            if (id != null) {
                keycloak.delete(id);
                LOG.infof("Tenant %s: deleted its Keycloak organization %s", d.tenantId(), id);
            }
            return null;
        }
        if (id == null) {
            id = keycloak.create(tenant.slug(), tenant.name());
            LOG.infof("Tenant %s: created Keycloak organization %s (%s)", d.tenantId(), id, tenant.slug());
        }
        Set<String> wanted = members(c, d.tenantId());
        Set<String> present = keycloak.members(id);
        for (String user : wanted) {
            if (!present.contains(user) && !keycloak.addMember(id, user)) {
                LOG.debugf("Tenant %s: %s is no user of the realm; not added to its organization", d.tenantId(), user);
            }
        }
        for (String user : present) {
            if (!wanted.contains(user)) {
                keycloak.removeMember(id, user);
            }
        }
        return id;
    }

    private static TenantState tenant(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT slug, name, purged_at IS NOT NULL OR status = 'FAILED' AS gone FROM tenants WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new TenantState(rs.getString(1), rs.getString(2), rs.getBoolean(3)) : null;
            }
        }
    }

    /** The subjects of the tenant's members signed in by this realm. */
    private Set<String> members(Connection c, UUID tenant) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT subject FROM member_index WHERE tenant_id = ? AND issuer = ?")) {
            ps.setObject(1, tenant);
            ps.setString(2, issuer);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Done, unless the tenant changed again meanwhile (then it stays due, at once). */
    private static void finish(Connection c, Due d, String organization) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE organization_sync SET organization_id = ?, attempts = 0, last_error = NULL, synced_at = now(),
                    dirty_since = CASE WHEN dirty_since = ? THEN NULL ELSE dirty_since END, next_attempt_at = now()
                WHERE tenant_id = ?""")) {
            ps.setString(1, organization);
            ps.setObject(2, d.dirtySince());
            ps.setObject(3, d.tenantId());
            ps.executeUpdate();
        }
    }

    private void failed(Connection c, Due d, String error) throws SQLException {
        long delay = Math.min(LONGEST_DELAY_SECONDS, config.retryEvery().toSeconds() * (1L << Math.min(d.attempts(), 16)));
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE organization_sync SET attempts = attempts + 1, last_error = ?,
                    next_attempt_at = now() + ? * interval '1 second'
                WHERE tenant_id = ?""")) {
            ps.setString(1, error == null ? "failed" : error.substring(0, Math.min(error.length(), 500)));
            ps.setLong(2, Math.max(1, delay));
            ps.setObject(3, d.tenantId());
            ps.executeUpdate();
        }
    }
}
