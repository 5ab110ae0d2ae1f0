package dev.keyhub.architecture;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package map of docs/ARCHITECTURE.md, kept true: no cycles between KeyHub's packages, platform REST
 * resources only in {@code admin}, and nothing below the request layer depending on it.
 */
class PackageStructureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.keyhub");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.keyhub.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theLowerLayersDoNotReachUp() {
        noClasses().that().resideInAnyPackage("dev.keyhub.catalog..", "dev.keyhub.common..", "dev.keyhub.servers..",
                "dev.keyhub.pools..", "dev.keyhub.schema..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.keyhub.admin..", "dev.keyhub.provisioning..",
                        "dev.keyhub.migration..", "dev.keyhub.tenancy..", "dev.keyhub.session..", "dev.keyhub.auth..")
                .check(MAIN);
    }

    @Test
    void onlyAdminAndFeaturePackagesServeRest() {
        noClasses().that().resideInAnyPackage("dev.keyhub.catalog..", "dev.keyhub.servers..", "dev.keyhub.pools..",
                "dev.keyhub.schema..", "dev.keyhub.provisioning..", "dev.keyhub.tenancy..")
                .should().beAnnotatedWith(jakarta.ws.rs.Path.class)
                .check(MAIN);
    }

    /**
     * Feature code built on KeyHub (the example feature) sees only the feature API, the shared problem and paging
     * types, and the roles: never pools, the catalog or request resolution, so that KeyHub's internals can change
     * under it.
     */
    @Test
    void featuresUseOnlyTheFeatureApi() {
        noClasses().that().resideInAnyPackage("dev.keyhub.example..")
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("dev.keyhub..")
                        .and(DescribedPredicate.not(JavaClass.Predicates.resideInAnyPackage("dev.keyhub.example..",
                                "dev.keyhub.feature..", "dev.keyhub.common..")))
                        .and(DescribedPredicate.not(JavaClass.Predicates.equivalentTo(dev.keyhub.tenancy.Role.class))))
                .check(MAIN);
    }

    @Test
    void resourcesWriteNoSql() {
        noClasses().that().areAnnotatedWith(jakarta.ws.rs.Path.class)
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx.mutiny.sqlclient..", "io.vertx.sqlclient..",
                        "java.sql..", "javax.sql..")
                .check(MAIN);
    }

    @Test
    void jdbcConnectionsAreOpenedInOnePlace() {
        noClasses().that().doNotHaveFullyQualifiedName("dev.keyhub.servers.ServerAddress")
                .and().doNotHaveFullyQualifiedName("dev.keyhub.embedded.EmbeddedPostgres")
                .should().callMethod(java.sql.DriverManager.class, "getConnection", String.class, String.class, String.class)
                .check(MAIN);
    }
}
