package dev.keyhub.provisioning;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.pgclient.PgException;

import dev.keyhub.catalog.OrganizationRepository;
import dev.keyhub.catalog.SchemaVersions;
import dev.keyhub.catalog.Tenant;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.DatabaseFailures;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.schema.HistoryTables;
import dev.keyhub.schema.SchemaConfig;
import dev.keyhub.schema.TenantSchema;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.NewMember;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Creates and deletes tenants. Every step is recorded in the catalog before it is taken, and a failure
 * part-way undoes what was done: no database is left without a catalog row, and no catalog row points at
 * no database. What cannot be undone at once (the server is unreachable) is left in state FAILED or
 * DELETING for {@link ProvisioningRecovery} to finish.
 */
@ApplicationScoped
public class ProvisioningService {

    private static final Logger LOG = Logger.getLogger(ProvisioningService.class);

    /** Slugs that would collide with routes or mislead: never a tenant's. */
    static final Set<String> RESERVED_SLUGS = Set.of("current", "admin", "api", "auth", "login", "logout", "join",
            "me", "q", "health", "metrics", "openapi", "swagger", "static", "assets", "www", "root", "system",
            "keyhub", "postgres", "template", "tenant", "tenants", "public", "default", "null", "undefined");

    /** Whether a new database has the product changelog's history, as column {@code has_product}. */
    private static final String HAS_PRODUCT = "to_regclass('" + HistoryTables.PRODUCT.history()
            + "') IS NOT NULL AS has_product";

    /**
     * The owner becomes the first admin; the statement answers the database's release of KeyHub's changelog and
     * whether it has a product history.
     */
    private static final String INITIALISE_SQL = NewMember.INSERT + "SELECT (" + TenantSchema.VERSION_SQL + ") AS tag, "
            + HAS_PRODUCT + ", (SELECT id FROM u) AS owner_id";
    private static final String VERSIONS_SQL = "SELECT (" + TenantSchema.VERSION_SQL + ") AS tag, " + HAS_PRODUCT;

    private final TenantRepository tenants;
    private final DbServers servers;
    private final DatabaseAdmin databases;
    private final OrganizationRepository organizations;
    private final TenantDirectory directory;
    private final TenantPools pools;
    private final MemberIndex index;
    private final Event<ProvisioningStep.Starting> starting;
    private final Spares spares;
    private final boolean useSpares;
    private final String identityProvider;
    private final String template;
    private final MeterRegistry registry;

    public ProvisioningService(TenantRepository tenants, DbServers servers, DatabaseAdmin databases, OrganizationRepository organizations,
            TenantDirectory directory, TenantPools pools, MemberIndex index, Event<ProvisioningStep.Starting> starting, Spares spares,
            @ConfigProperty(name = "mp.jwt.verify.issuer") String identityProvider,
            ProvisioningConfig config, SchemaConfig schema, MeterRegistry registry) {
        this.registry = registry;
        this.tenants = tenants;
        this.servers = servers;
        this.databases = databases;
        this.organizations = organizations;
        this.directory = directory;
        this.pools = pools;
        this.index = index;
        this.starting = starting;
        this.spares = spares;
        this.useSpares = config.sparesPerServer() > 0;
        this.identityProvider = identityProvider;
        this.template = schema.templateDatabase();
    }

    /**
     * Creates a tenant with its own database copied from the template, its owner as first admin, and returns
     * it ACTIVE. Fails with 400 {@code slug_reserved}, 409 {@code slug_taken}, 503 {@code no_capacity}, or
     * 500 {@code provisioning_failed} naming the failed step (after undoing the earlier ones).
     */
    public Uni<Tenant> provision(CreateTenantRequest request) {
        if (RESERVED_SLUGS.contains(request.slug()) || TenantAccess.asId(request.slug()) != null) {
            return Uni.createFrom().failure(ProblemException.badRequest("slug_reserved",
                    "The slug '" + request.slug() + "' is reserved."));
        }
        UUID id = UUID.randomUUID();
        long started = System.nanoTime();
        return starting(ProvisioningStep.RECORD, id)
                .chain(() -> record(id, request))
                .invoke(recorded -> {
                    if (recorded.fromSpare()) {
                        spares.topUp();
                    }
                })
                .chain(recorded -> build(recorded, request))
                .onItemOrFailure().invoke((tenant, failure) -> timed(started, failure));
    }

    /**
     * Times a provisioning in {@code keyhub.provisioning}: outcome {@code created}, {@code refused} (the request
     * was wrong: a 4xx, such as a taken slug) or {@code failed} (KeyHub or a database failed: no capacity, a
     * failed step), with the problem's code.
     */
    private void timed(long started, Throwable failure) {
        String outcome = failure == null ? "created"
                : failure instanceof ProblemException p && p.status() < 500 ? "refused" : "failed";
        String code = failure == null ? "none" : failure instanceof ProblemException p ? p.code() : "internal_error";
        Timer.builder("keyhub.provisioning").description("Tenant provisionings: how long each took, by outcome")
                .tag("outcome", outcome).tag("code", code)
                .register(registry).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    private Uni<Tenant> build(Recorded recorded, CreateTenantRequest request) {
        Tenant tenant = recorded.tenant();
        return servers.address(tenant.dbServerId).chain(server -> step(ProvisioningStep.CREATE_DATABASE, tenant,
                recorded.fromSpare() ? Uni.createFrom().voidItem()
                        : databases.createFromTemplate(server, tenant.databaseName, template))
                .chain(() -> step(ProvisioningStep.INITIALISE, tenant, initialise(server, tenant, request)))
                .chain(version -> step(ProvisioningStep.ACTIVATE, tenant, activate(tenant, version))))
                .onFailure(e -> !(e instanceof StepFailure)).transform(e -> new StepFailure(ProvisioningStep.ACTIVATE, e))
                .onFailure().call(e -> undo(tenant, (StepFailure) e))
                .onFailure().transform(e -> failure((StepFailure) e));
    }

    /**
     * Creates a new tenant with a copy of another's data (members, groups, settings, audit log) on the same
     * server. The copy's sessions are dropped and its join codes revoked: they belong to the source. The
     * source refuses connections for the moment of the copy. Same failure handling as {@link #provision}.
     */
    public Uni<Tenant> clone(UUID sourceId, String slug, String name) {
        if (RESERVED_SLUGS.contains(slug) || TenantAccess.asId(slug) != null) {
            return Uni.createFrom().failure(ProblemException.badRequest("slug_reserved", "The slug '" + slug + "' is reserved."));
        }
        return directory.byId(sourceId).chain(source -> {
            if (source.status != TenantStatus.ACTIVE && source.status != TenantStatus.SUSPENDED) {
                return Uni.createFrom().failure(notCloneable());
            }
            UUID id = UUID.randomUUID();
            Tenant t = new Tenant();
            t.id = id;
            t.slug = slug;
            t.name = name.strip();
            t.status = TenantStatus.PROVISIONING;
            t.databaseName = databaseName(id);
            return tenants.recordClone(id, slug, t.name, t.databaseName, sourceId)
                    .map(found -> {
                        TenantRepository.Cloned cloned = found.orElseThrow(ProvisioningService::notCloneable);
                        t.dbServerId = cloned.dbServerId();
                        t.createdAt = cloned.createdAt();
                        t.updatedAt = t.createdAt;
                        t.type = cloned.type();
                        return t;
                    })
                    .onFailure(DatabaseFailures::uniqueViolation)
                    .transform(e -> ProblemException.conflict("slug_taken", "The slug '" + slug + "' is taken."))
                    .chain(tenant -> copy(source, tenant));
        });
    }

    private Uni<Tenant> copy(Tenant source, Tenant tenant) {
        return servers.address(tenant.dbServerId).chain(server -> step(ProvisioningStep.CREATE_DATABASE, tenant,
                pools.evict(source.id).chain(() -> databases.copy(server, source.databaseName, tenant.databaseName)))
                .chain(() -> step(ProvisioningStep.INITIALISE, tenant, databases.onDatabase(server, tenant.databaseName,
                        c -> c.query("DELETE FROM sessions").execute()
                                .chain(() -> c.query("UPDATE join_codes SET revoked_at = coalesce(revoked_at, now())").execute())
                                .chain(() -> index.rebuild(tenant.id, c, null))
                                .chain(() -> c.query(VERSIONS_SQL).execute())
                                .chain(rows -> versions(c, rows.iterator().next())))))
                .chain(version -> step(ProvisioningStep.ACTIVATE, tenant, activate(tenant, version))))
                .onFailure(e -> !(e instanceof StepFailure)).transform(e -> new StepFailure(ProvisioningStep.ACTIVATE, e))
                .onFailure().call(e -> undo(tenant, (StepFailure) e))
                .onFailure().transform(e -> failure((StepFailure) e));
    }

    private static ProblemException notCloneable() {
        return ProblemException.conflict("invalid_state", "Only an active or suspended tenant can be cloned.");
    }

    private <T> Uni<T> step(ProvisioningStep step, Tenant tenant, Uni<T> work) {
        return starting(step, tenant.id).chain(() -> work)
                .onFailure(e -> !(e instanceof StepFailure)).transform(e -> new StepFailure(step, e));
    }

    /** Fires {@link ProvisioningStep.Starting}; an observer that throws fails the step. */
    private Uni<Void> starting(ProvisioningStep step, UUID tenantId) {
        return Uni.createFrom().item(() -> {
            starting.fire(new ProvisioningStep.Starting(step, tenantId));
            return tenantId;
        }).replaceWithVoid();
    }

    private record Recorded(Tenant tenant, boolean fromSpare) {
    }

    private Uni<Recorded> record(UUID id, CreateTenantRequest request) {
        Tenant t = new Tenant();
        t.id = id;
        t.slug = request.slug();
        t.name = request.name().strip();
        t.type = request.typeOrDefault();
        t.status = TenantStatus.PROVISIONING;
        return organization(request.organization()).chain(org -> tenants.record(id, t.slug, t.name, t.type,
                        DATABASE_PREFIX, useSpares, request.region(), org, servers.configuredCredentials()))
                .map(found -> {
                    TenantRepository.Placed placed = found.orElseThrow(() -> ProblemException.unavailable("no_capacity",
                            "No database server has room for another tenant.", 60));
                    t.id = placed.id();
                    t.dbServerId = placed.dbServerId();
                    t.databaseName = placed.databaseName();
                    t.createdAt = placed.createdAt();
                    t.updatedAt = t.createdAt;
                    return new Recorded(t, placed.fromSpare());
                })
                .onFailure(DatabaseFailures::uniqueViolation)
                .transform(e -> ProblemException.conflict("slug_taken",
                        "The slug '" + request.slug() + "' is taken."))
                .onFailure(e -> e instanceof PgException pg && "KH001".equals(pg.getSqlState()))
                .transform(e -> ProblemException.conflict("organization_quota_exceeded", "The organization '"
                        + request.organization() + "' has as many tenants as its quota allows."));
    }

    /** The id of the organization with this slug, null for none; 400 {@code unknown_organization}. */
    private Uni<UUID> organization(String slug) {
        if (slug == null) {
            return Uni.createFrom().nullItem();
        }
        return organizations.bySlug(slug).map(org -> org.id)
                .onFailure(e -> e instanceof ProblemException p && p.status() == 404)
                .transform(e -> ProblemException.badRequest("unknown_organization", "There is no organization '" + slug + "'."));
    }

    private Uni<SchemaVersions> initialise(ServerAddress server, Tenant tenant, CreateTenantRequest request) {
        CreateTenantRequest.Owner owner = request.owner();
        return databases.onDatabase(server, tenant.databaseName, c -> c.preparedQuery(INITIALISE_SQL)
                .execute(NewMember.params(owner.email().strip(), owner.name(), identityProvider, owner.subject(), Role.ADMIN))
                .chain(rows -> {
                    Row row = rows.iterator().next();
                    return index.addFirst(tenant.id, new MemberIndex.Entry(identityProvider, owner.subject(),
                            row.getUUID("owner_id"), Role.ADMIN)).chain(() -> versions(c, row));
                }));
    }

    /**
     * The releases of a new database: KeyHub's from {@code row}, and the product's in one more statement when
     * the row says the database has a product history.
     */
    private static Uni<SchemaVersions> versions(PgConnection c, Row row) {
        String keyhub = row.getString("tag");
        if (!row.getBoolean("has_product")) {
            return Uni.createFrom().item(new SchemaVersions(keyhub, null));
        }
        return c.query(HistoryTables.PRODUCT.versionSql()).execute().map(rows -> new SchemaVersions(keyhub,
                rows.size() == 0 ? null : rows.iterator().next().getString("tag")));
    }

    private Uni<Tenant> activate(Tenant tenant, SchemaVersions versions) {
        return tenants.activate(tenant.id, versions).map(updated -> {
            tenant.updatedAt = updated.orElseThrow(
                    () -> new IllegalStateException("tenant " + tenant.id + " is no longer PROVISIONING"));
            tenant.status = TenantStatus.ACTIVE;
            tenant.schemaVersion = versions.keyhub();
            tenant.productVersion = versions.product();
            return tenant;
        });
    }

    /** Undoes a failed provisioning: drop the database, then the catalog row; FAILED if the drop fails. */
    private Uni<Void> undo(Tenant tenant, StepFailure failure) {
        LOG.warnf(failure.getCause(), "Provisioning of tenant %s failed at step %s; undoing", tenant.id,
                failure.step.wireName());
        return servers.address(tenant.dbServerId)
                .chain(server -> databases.dropIfExists(server, tenant.databaseName))
                .chain(() -> tenants.remove(tenant.id))
                .onFailure().call(e -> {
                    LOG.errorf(e, "Could not undo provisioning of tenant %s; marking it FAILED", tenant.id);
                    return tenants.markFailed(tenant.id, "failed at " + failure.step.wireName()).onFailure().recoverWithNull();
                })
                .onFailure().recoverWithNull();
    }

    private static ProblemException failure(StepFailure failure) {
        if (failure.getCause() instanceof ProblemException p) {
            return p.with("step", failure.step.wireName());
        }
        return new ProblemException(500, "provisioning_failed", "Provisioning failed",
                "Creating the tenant failed at step '" + failure.step.wireName() + "'; nothing was kept.")
                .with("step", failure.step.wireName());
    }

    static final String DATABASE_PREFIX = "kh_t_";

    /** Database names come from the tenant id only, never from input. */
    static String databaseName(UUID id) {
        return DATABASE_PREFIX + id.toString().replace("-", "");
    }

    /** A failure tagged with the provisioning step it happened in. */
    static final class StepFailure extends RuntimeException {
        final ProvisioningStep step;

        StepFailure(ProvisioningStep step, Throwable cause) {
            super(cause.getMessage(), cause, false, false);
            this.step = step;
        }
    }
}
