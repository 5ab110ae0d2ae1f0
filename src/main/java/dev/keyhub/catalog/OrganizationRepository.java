package dev.keyhub.catalog;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.DatabaseFailures;
import dev.keyhub.common.ProblemException;
import dev.keyhub.common.OrganizationSlug;

/** Organizations in the catalog, through Hibernate Reactive. */
@ApplicationScoped
public class OrganizationRepository implements PanacheRepositoryBase<Organization, UUID> {

    /** What an organization slug can be; anything else names no organization and is not looked up. */
    private static final Pattern SLUG = Pattern.compile(OrganizationSlug.PATTERN);

    /** At most {@code limit} organizations, by slug. */
    @WithSession
    public Uni<List<Organization>> list(int limit) {
        return findAll(Sort.by("slug")).range(0, limit - 1).list();
    }

    /** The organization with this slug; 404 {@code organization_not_found} when there is none. */
    @WithSession
    public Uni<Organization> bySlug(String slug) {
        if (!SLUG.matcher(slug).matches()) {
            return Uni.createFrom().failure(notFound(slug));
        }
        return find("slug", slug).firstResult().onItem().ifNull().failWith(() -> notFound(slug));
    }

    /** Creates an organization with no live tenants; 409 {@code organization_exists} when the slug is taken. */
    @WithTransaction
    public Uni<Organization> create(String slug, String name, int maxTenants) {
        Organization o = new Organization();
        o.slug = slug;
        o.name = name;
        o.maxTenants = maxTenants;
        o.createdAt = o.updatedAt = OffsetDateTime.now();
        return persistAndFlush(o)
                .onFailure(DatabaseFailures::uniqueViolation).transform(e -> ProblemException.conflict(
                        "organization_exists", "An organization '" + slug + "' exists."));
    }

    /** Sets the organization's quota; 404 when there is none. A quota below its live tenants only stops new ones. */
    @WithTransaction
    public Uni<Organization> changeQuota(String slug, int maxTenants) {
        if (!SLUG.matcher(slug).matches()) {
            return Uni.createFrom().failure(notFound(slug));
        }
        return find("slug", slug).firstResult().onItem().ifNull().failWith(() -> notFound(slug)).map(o -> {
            o.maxTenants = maxTenants;
            o.updatedAt = OffsetDateTime.now();
            return o;
        });
    }

    private static ProblemException notFound(String slug) {
        return ProblemException.notFound("organization_not_found", "There is no organization '" + slug + "'.");
    }
}
