package dev.keyhub.common;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Ids given as text: a plain unit test, no application started. */
class IdsTest {

    @Test
    void onlyTheCanonicalFormIsAnId() {
        UUID id = UUID.randomUUID();
        assertEquals(id, Ids.parseOrNull(id.toString()));
        assertEquals(id, Ids.parseOrNull(id.toString().toUpperCase()));
        assertNull(Ids.parseOrNull("1-2-3-4-5"));
        assertNull(Ids.parseOrNull("acme"));
        assertNull(Ids.parseOrNull(id.toString().replace('-', 'x')));
        assertNull(Ids.parseOrNull(null));
    }

    @Test
    void anIdThatIsNotOneIsA404NamingWhatWasAskedFor() {
        ProblemException e = assertThrows(ProblemException.class, () -> Ids.parse("1-2-3-4-5", "tenant_not_found", "tenant"));
        assertEquals(404, e.status());
        assertEquals("tenant_not_found", e.code());
    }
}
