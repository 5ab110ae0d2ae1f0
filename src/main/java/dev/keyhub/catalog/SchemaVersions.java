package dev.keyhub.catalog;

/**
 * The releases a tenant database is at: KeyHub's changelog and the product's; {@code product} is null when the
 * database has no product release (the deployment has no product changelog, or none has reached it yet).
 */
public record SchemaVersions(String keyhub, String product) {

    public String of(Changelog changelog) {
        return changelog == Changelog.KEYHUB ? keyhub : product;
    }
}
