package dev.keyhub.joincode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The shape of join codes and how a typed one is read: a plain unit test, no application started. */
class JoinCodeFormatTest {

    @Test
    void aGeneratedCodeReadsBackAsItself() {
        String code = JoinCodes.generate();
        assertEquals(JoinCodes.LENGTH + JoinCodes.LENGTH / 5 - 1, code.length(), code);
        assertEquals(code.replace("-", ""), JoinCodes.normalise(code));
        assertNotEquals(code, JoinCodes.generate());
    }

    @Test
    void typingSlipsAreForgiven() {
        String canonical = "0123456789ABCDEFGHJK";
        assertEquals(canonical, JoinCodes.normalise("01234-56789-abcde-fghjk"));
        assertEquals(canonical, JoinCodes.normalise("o1234 56789 ABCDE FGHJK"));
        assertEquals("11111000001111100000", JoinCodes.normalise("IiLlI-OoOoO-1lLiI-0o0O0"));
    }

    @Test
    void whatCannotBeACodeIsNull() {
        assertNull(JoinCodes.normalise(null));
        assertNull(JoinCodes.normalise(""));
        assertNull(JoinCodes.normalise("01234-56789-ABCDE-FGHJ"));
        assertNull(JoinCodes.normalise("01234-56789-ABCDE-FGHJKM"));
        assertNull(JoinCodes.normalise("01234-56789-ABCDE-FGHJU"));
        assertNull(JoinCodes.normalise("0".repeat(65)));
    }

    @Test
    void theHashDependsOnTheWholeCode() {
        assertEquals(64, JoinCodes.hash("0123456789ABCDEFGHJK").length());
        assertNotEquals(JoinCodes.hash("0123456789ABCDEFGHJK"), JoinCodes.hash("0123456789ABCDEFGHJM"));
    }
}
