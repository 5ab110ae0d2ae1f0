package dev.keyhub;

import java.util.Map;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import liquibase.Scope;
import liquibase.ui.LoggerUIService;

/**
 * KeyHub's entry point: Quarkus, after two settings for Liquibase that must be in place before it first runs (the
 * catalog changelog runs while Quarkus starts).
 * <ul>
 * <li>Its progress ("Running Changeset", the update summary) goes through logging rather than straight to standard
 * output, so that prod's log stays one JSON object per line. Liquibase's root scope writes to the console and reads
 * no setting for it outside its command line, so this enters a scope with a logging UI, which every thread started
 * afterwards (the migration workers) shares; the update summary follows {@code liquibase.command.showSummaryOutput},
 * set to {@code LOG}.</li>
 * <li>It sends no usage data to Liquibase ({@code liquibase.analytics.enabled=false}): no outbound call from a
 * migration, which matters in a cluster without internet access. {@code -Dliquibase.analytics.enabled=true} turns
 * it back on. The test run sets the same in the surefire configuration of {@code pom.xml}.</li>
 * </ul>
 */
@QuarkusMain
public final class KeyHubMain {

    public static void main(String... args) throws Exception {
        if (System.getProperty("liquibase.analytics.enabled") == null) {
            System.setProperty("liquibase.analytics.enabled", "false");
        }
        // The update summary is written to the console unless told otherwise.
        if (System.getProperty("liquibase.command.showSummaryOutput") == null) {
            System.setProperty("liquibase.command.showSummaryOutput", "LOG");
        }
        Scope.enter(Map.of(Scope.Attr.ui.name(), new LoggerUIService()));
        Quarkus.run(args);
    }
}
