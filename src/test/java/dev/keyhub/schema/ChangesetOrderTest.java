package dev.keyhub.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import liquibase.change.core.TagDatabaseChange;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Which changesets DirectChangesets runs, in which order and cut into which releases: a plain unit test of
 * the ordering, no database and no application started.
 */
class ChangesetOrderTest {

    private final DatabaseChangeLog log = new DatabaseChangeLog("db/tenant/changelog.xml");
    private final ChangeSet a1 = change("a1");
    private final ChangeSet a2 = change("a2");
    private final ChangeSet t1 = tag("t1", "1.0.0");
    private final ChangeSet b1 = change("b1");
    private final ChangeSet t2 = tag("t2", "1.1.0");
    private final ChangeSet c1 = change("c1");
    private final ChangeSet t3 = tag("t3", "1.2.0");
    private final List<ChangeSet> all = List.of(a1, a2, t1, b1, t2, c1, t3);

    @Test
    void forwardRunsWhatIsMissingUpToTheTagOneReleaseAtATime() {
        assertEquals(List.of(List.of(a1, a2, t1), List.of(b1, t2), List.of(c1, t3)),
                DirectChangesets.forward(all, history(), "1.2.0"));
        assertEquals(List.of(List.of(b1, t2)), DirectChangesets.forward(all, history(a1, a2, t1), "1.1.0"));
        assertEquals(List.of(), DirectChangesets.forward(all, history(a1, a2, t1, b1, t2), "1.1.0"));
        assertNull(DirectChangesets.forward(all, history(), "9.9.9"), "an unknown tag is Liquibase's to report");
    }

    @Test
    void backwardUndoesWhatRanAfterTheTagNewestFirst() {
        assertEquals(List.of(List.of(t3, c1), List.of(t2, b1)),
                DirectChangesets.backward(all, history(a1, a2, t1, b1, t2, c1, t3), "1.0.0"));
        assertEquals(List.of(), DirectChangesets.backward(all, history(a1, a2, t1, b1, t2), "1.1.0"));
        assertNull(DirectChangesets.backward(all, history(a1, a2, t1), "1.1.0"), "never at that tag");
    }

    private ChangeSet change(String id) {
        return new ChangeSet(id, "keyhub", false, false, log.getFilePath(), null, null, log);
    }

    private ChangeSet tag(String id, String tag) {
        ChangeSet cs = change(id);
        TagDatabaseChange change = new TagDatabaseChange();
        change.setTag(tag);
        cs.addChange(change);
        return cs;
    }

    private static Map<String, String> history(ChangeSet... ran) {
        Map<String, String> history = new LinkedHashMap<>();
        for (ChangeSet cs : ran) {
            history.put(DirectChangesets.key(cs), "checksum");
        }
        return history;
    }
}
