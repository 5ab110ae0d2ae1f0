package dev.keyhub.catalog;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A customer that owns tenants, with a quota of live tenants. {@code liveTenants} is kept by a trigger on
 * {@code tenants} (catalog 1.1.0), so the application reads it and never writes it.
 */
@Entity
@Table(name = "organizations")
public class Organization {

    @Id
    @GeneratedValue
    public UUID id;
    public String slug;
    public String name;
    @Column(name = "max_tenants")
    public int maxTenants;
    @Column(name = "live_tenants", insertable = false, updatable = false)
    public int liveTenants;
    @Column(name = "created_at", updatable = false)
    public OffsetDateTime createdAt;
    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
}
