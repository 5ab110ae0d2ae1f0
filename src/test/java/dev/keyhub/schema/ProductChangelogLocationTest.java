package dev.keyhub.schema;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhub.catalog.Changelog;
import dev.keyhub.common.ProblemException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the product changelog is read from: a directory, the class path, or nowhere. No database needed. */
class ProductChangelogLocationTest {

    private static SchemaConfig config(String productChangelog, Path directory) {
        return new SchemaConfig() {
            @Override
            public String changelog() {
                return "db/tenant/changelog.xml";
            }

            @Override
            public String productChangelog() {
                return productChangelog;
            }

            @Override
            public Optional<Path> productDirectory() {
                return Optional.ofNullable(directory);
            }

            @Override
            public Optional<String> productTemplateVersion() {
                return Optional.empty();
            }

            @Override
            public Optional<String> templateVersion() {
                return Optional.empty();
            }

            @Override
            public String templateDatabase() {
                return "keyhub_template";
            }
        };
    }

    @Test
    void aChangelogInAConfiguredDirectoryIsReadWithItsIncludes(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve("changelog.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                                   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                                   xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
                                   http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.33.xsd">
                    <include file="r1.sql" relativeToChangelogFile="true"/>
                    <changeSet id="tag-r1" author="shipped"><tagDatabase tag="r1"/></changeSet>
                    <changeSet id="tag-r2" author="shipped"><tagDatabase tag="r2"/></changeSet>
                </databaseChangeLog>
                """);
        Files.writeString(directory.resolve("r1.sql"), """
                --liquibase formatted sql
                --changeset shipped:r1-things
                CREATE TABLE things (id int PRIMARY KEY);
                --rollback DROP TABLE things;
                """);
        TenantSchema schema = new TenantSchema(config("changelog.xml", directory));
        TenantChangelog product = schema.product().orElseThrow();
        assertEquals(List.of("r1", "r2"), product.tags());
        assertEquals("r2", product.latest());
        assertEquals(HistoryTables.PRODUCT, product.tables());
        assertEquals(List.of(schema.keyhub(), product), schema.all(), "KeyHub's changelog first");
    }

    @Test
    void aConfiguredDirectoryWithoutTheChangelogStopsStartUp(@TempDir Path directory) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new TenantSchema(config("changelog.xml", directory)));
        assertTrue(e.getMessage().contains("product-directory"), e.getMessage());
    }

    @Test
    void withoutAProductChangelogThereAreOnlyKeyHubsTables() {
        TenantSchema schema = new TenantSchema(config("db/no-such-product/changelog.xml", null));
        assertTrue(schema.product().isEmpty());
        assertEquals(List.of(schema.keyhub()), schema.all());
        ProblemException e = assertThrows(ProblemException.class, () -> schema.changelog(Changelog.PRODUCT));
        assertEquals(400, e.status());
        assertEquals(schema.keyhub(), schema.changelog(Changelog.KEYHUB));
    }
}
