package dev.keyhub.joincode;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.keyhub.common.ProblemException;

/**
 * Counts failed join-code redemptions per caller in a fixed window, so that codes cannot be guessed: past
 * {@code keyhub.join.max-failures} in {@code keyhub.join.failure-window}, the caller gets 429 with
 * Retry-After until the window ends. Counts are per replica (Caffeine), which bounds guessing per replica
 * and is enough against 100-bit codes.
 */
@ApplicationScoped
public class RedemptionLimiter {

    private record Window(long endsAt, AtomicInteger failures) {
    }

    private final int maxFailures;
    private final Duration window;
    private final Cache<String, Window> windows;

    public RedemptionLimiter(JoinConfig config) {
        this.maxFailures = config.maxFailures();
        this.window = config.failureWindow();
        this.windows = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(100_000).build();
    }

    /** Fails with 429 when the caller has used up their failures in the current window. */
    public void check(String caller) {
        Window w = windows.getIfPresent(caller);
        long now = System.currentTimeMillis();
        if (w != null && w.endsAt() > now && w.failures().get() >= maxFailures) {
            long seconds = Math.max(1, (w.endsAt() - now + 999) / 1000);
            throw new ProblemException(429, "too_many_attempts", "Too many requests",
                    "Too many failed join attempts; try again later.").header("Retry-After", Long.toString(seconds));
        }
    }

    public void failed(String caller) {
        long now = System.currentTimeMillis();
        windows.asMap().compute(caller, (k, w) -> w == null || w.endsAt() <= now
                ? new Window(now + window.toMillis(), new AtomicInteger(1))
                : incremented(w));
    }

    private static Window incremented(Window w) {
        w.failures().incrementAndGet();
        return w;
    }
}
