package dev.keyhub.common;

import java.time.OffsetDateTime;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Keyset cursors and page sizes: a plain unit test, no application started. */
class CursorTest {

    @Test
    void aCursorSurvivesItsEncoding() {
        Cursor c = new Cursor(OffsetDateTime.parse("2026-12-01T03:04:05.123456Z"), UUID.randomUUID());
        assertEquals(c, Cursor.decode(c.encode()));
        assertNull(Cursor.decode(null));
        assertNull(Cursor.decode(" "));
    }

    @ParameterizedTest
    @ValueSource(strings = { "x", "not-base64!", "MjAyNg", "fA" })
    void aMalformedCursorIs400(String value) {
        ProblemException e = assertThrows(ProblemException.class, () -> Cursor.decode(value));
        assertEquals("invalid_cursor", e.code());
    }

    @Test
    void pageSizesAreBounded() {
        assertEquals(20, Cursor.size(null, 20, 100));
        assertEquals(1, Cursor.size("1", 20, 100));
        assertEquals(100, Cursor.size("100", 20, 100));
        for (String bad : new String[] { "0", "101", "-1", "ten", "1.5" }) {
            ProblemException e = assertThrows(ProblemException.class, () -> Cursor.size(bad, 20, 100), bad);
            assertEquals("invalid_size", e.code());
        }
    }
}
