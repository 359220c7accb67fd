package io.ringfile.internal.backend;

import java.nio.ByteBuffer;

/**
 * One read or write for {@link BackendFile#transfer}: the request names its buffer and position and receives its
 * own outcome, so a backend needs no other object per transfer.
 *
 * <p>Ownership: from {@link BackendFile#transfer} until the outcome is reported the backend owns {@link #buffer()};
 * it advances the buffer's position by the bytes transferred before reporting. The request's answers do not change
 * in that time.
 */
public interface TransferRequest extends Completion {

    /** The file the request is given to. */
    BackendFile target();

    /** True for a read into {@link #buffer()}, false for a write from it. */
    boolean isRead();

    /** The bytes between position and limit are read into or written from. */
    ByteBuffer buffer();

    /**
     * The native address of {@link #buffer()}'s first byte (not its position) when the request knows it without a
     * lookup (a Netty buffer does), else 0.
     */
    default long bufferAddress() {
        return 0;
    }

    /** Where in the file, or {@link BackendFile#CURRENT_POSITION}. */
    long position();
}
