package io.ringfile.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BackendSelectionTest {

    @Test
    void theReasonIsTheInnermostMessageOfTheCauseChain() {
        Throwable netty = new UnsatisfiedLinkError("failed to load the required native library");
        netty.initCause(new IllegalStateException("probe failed",
                new IOException("failed to create io_uring ring fd: Operation not permitted")));
        assertEquals("failed to create io_uring ring fd: Operation not permitted", BackendSelection.describe(netty));
    }

    @Test
    void aCauseWithoutMessageIsNamedByItsType() {
        assertEquals("java.lang.IllegalStateException", BackendSelection.describe(new IllegalStateException()));
        assertEquals("outer", BackendSelection.describe(new RuntimeException("outer", new IllegalStateException())));
    }
}
