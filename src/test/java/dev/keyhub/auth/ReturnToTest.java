package dev.keyhub.auth;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where login may send a browser back to: a plain unit test of the rule, no application started. */
class ReturnToTest {

    private static final List<String> ALLOWED = List.of("https://app.example.com/", "http://localhost:3000/ui/");

    @ParameterizedTest
    @ValueSource(strings = { "https://app.example.com/", "https://app.example.com/tenants/acme?tab=members",
            "https://APP.example.com:443/x", "http://localhost:3000/ui/", "http://localhost:3000/ui/deep/page#top" })
    void sameOriginUnderAnAllowedPathIsAllowed(String target) {
        assertTrue(ReturnTo.allowed(target, ALLOWED), target);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "/relative", "//evil.example/", "https://evil.example/", "http://app.example.com/",
            "https://app.example.com:8443/", "https://app.example.com.evil.example/",
            "https://user@app.example.com/", "https://app.example.com\\@evil.example/",
            "https://app.example.com/a/../../etc", "https://app.example.com/./x", "https://app.example.com//evil",
            "http://localhost:3000/", "http://localhost:3000/uix", "javascript:alert(1)",
            "https://app.example.com/\u0000", "https://app.example.com/ x" })
    void anythingElseIsRefused(String target) {
        assertFalse(ReturnTo.allowed(target, ALLOWED), target);
    }
}
