package dev.keyhub.catalog;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The tenants of the catalog. Reads go through Hibernate Reactive, except {@link #liveRef}: a named statement on
 * the catalog pool, because it also runs while a request is authenticated, where no Hibernate session can be
 * opened.
 */
@ApplicationScoped
public class TenantRepository implements PanacheRepositoryBase<Tenant, UUID> {

    private static final String LIVE_REF = """
            SELECT id, slug, status, db_server_id, database_name, schema_version, frozen_for FROM tenants
            WHERE id = $1 AND status NOT IN ('DELETED', 'FAILED')""";

    private final Pool catalog;

    public TenantRepository(Pool catalog) {
        this.catalog = catalog;
    }

    /** The live (not deleted, not failed) tenant with this id, as the request path needs it. */
    public Uni<Optional<TenantRef>> liveRef(UUID id) {
        return catalog.preparedQuery(LIVE_REF).execute(Tuple.of(id)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row r = rows.iterator().next();
            String frozen = r.getString("frozen_for");
            return Optional.of(new TenantRef(r.getUUID("id"), r.getString("slug"), TenantStatus.valueOf(r.getString("status")),
                    r.getString("db_server_id"), r.getString("database_name"), r.getString("schema_version"),
                    frozen == null ? null : Freeze.valueOf(frozen)));
        });
    }

    /** The live (not deleted, not failed) tenant with this slug, or an empty optional. */
    @WithSession
    public Uni<Optional<Tenant>> findLiveBySlug(String slug) {
        return find("slug = ?1 and status not in (?2, ?3)", slug, TenantStatus.DELETED, TenantStatus.FAILED)
                .firstResult().map(Optional::ofNullable);
    }

    @WithSession
    public Uni<Boolean> existsDeletedWithSlug(String slug) {
        return count("slug = ?1 and status = ?2", slug, TenantStatus.DELETED).map(n -> n > 0);
    }

    /** A page of tenants, newest first, optionally only those in one state. */
    @WithSession
    public Uni<List<Tenant>> page(Optional<TenantStatus> status, int page, int size) {
        Sort order = Sort.descending("createdAt").and("id");
        return (status.isPresent() ? find("status", order, status.get()) : findAll(order))
                .page(Page.of(page, size)).list();
    }

    @WithSession
    public Uni<Long> countPage(Optional<TenantStatus> status) {
        return status.isPresent() ? count("status", status.get()) : count();
    }

    @WithSession
    public Uni<Optional<Tenant>> findOne(UUID id) {
        return findById(id).map(Optional::ofNullable);
    }
}
