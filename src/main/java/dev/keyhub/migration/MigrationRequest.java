package dev.keyhub.migration;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import dev.keyhub.common.Slug;

/**
 * Body of {@code POST /admin/migrations}. Every field is optional: the defaults roll the newest release of
 * KeyHub's changelog out to every active and suspended tenant, one canary first, four at a time, halting at
 * the first failure. {@code changelog: "product"} rolls out a release of the product's changelog instead.
 */
@Schema(example = "{\"changelog\": \"keyhub\", \"target\": \"latest\", \"direction\": \"update\", \"dryRun\": false, "
        + "\"concurrency\": 4, \"canary\": 1, \"onError\": \"halt\", \"maxFailures\": 0, "
        + "\"tenants\": {\"slugs\": [\"acme\", \"globex\"]}, \"backup\": true}")
public record MigrationRequest(
        @Pattern(regexp = "keyhub|product") String changelog,
        @Size(max = 100) String target,
        @Pattern(regexp = "update|rollback") String direction,
        Boolean dryRun,
        @Min(1) @Max(64) Integer concurrency,
        @Min(0) @Max(10_000) Integer canary,
        @Pattern(regexp = "halt|continue") String onError,
        @Min(0) Integer maxFailures,
        @Valid Selector tenants,
        @Schema(description = "Archive each tenant (POST /admin/tenants/{id}/backups) just before changing it; the "
                + "task names the archive, which POST /admin/tenants/{id}/restore takes. A failed archive fails the task, "
                + "and the tenant is not changed") Boolean backup) {

    /** Which tenants: by id or slug; none given means all active and suspended tenants. */
    @Schema(name = "MigrationSelector")
    public record Selector(@Size(max = 10_000) List<@NotNull UUID> ids,
            @Size(max = 10_000) List<@NotNull @Slug String> slugs) {
    }
}
