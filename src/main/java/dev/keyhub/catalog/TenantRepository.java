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

@ApplicationScoped
public class TenantRepository implements PanacheRepositoryBase<Tenant, UUID> {

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
