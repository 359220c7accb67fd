package io.ringfile.internal.backend;

/**
 * Receives the outcome of one backend operation.
 *
 * <p>Threading: a backend calls exactly one of these methods, exactly once, from one of its own threads (a ring's
 * event-loop thread or a pool thread). Implementations must be quick and must not block.
 *
 * <p>Buffer ownership: when {@link #completed} or {@link #failed} is called, the backend and the kernel are done
 * with every buffer of the operation; the receiver may release or reuse them. {@link #abandoned} is the exception.
 */
public interface Completion {

    /** The operation succeeded; {@code result} is a byte count, -1 for end of file, a size, or 0. */
    void completed(long result);

    /** The operation failed; no buffer of it is in use any more. */
    void failed(Throwable error);

    /**
     * The backend stopped waiting for the operation (forced shutdown) while the kernel may still write into its
     * buffers: the receiver must report {@code error} but must never release or reuse those buffers.
     */
    default void abandoned(Throwable error) {
        failed(error);
    }

    /**
     * After {@link #abandoned}: the kernel has finished the operation after all, so its buffers are free now. Called
     * at most once, on a backend thread, and only if the backend learns of the end (it may never).
     */
    default void reaped() {
    }
}
