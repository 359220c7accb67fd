package io.ringfile.internal.uring;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;

/**
 * Remembers the native address of recently used direct buffers. Finding a buffer's address allocates on some JDKs
 * (through {@code MemorySegment.ofBuffer} on 24+), and callers usually read into the same few buffers again and
 * again. Entries are weak, so the cache never keeps a buffer alive.
 *
 * <p>Threading: one ring's loop thread only.
 */
final class AddressCache {
    private static final int SIZE = 64; // a power of two

    private final Entry[] entries = new Entry[SIZE];

    /** The address of {@code buffer}'s first byte (not its position). */
    long address(ByteBuffer buffer) {
        int i = System.identityHashCode(buffer) & (SIZE - 1);
        Entry known = entries[i];
        if (known != null && known.get() == buffer) {
            return known.address;
        }
        long address = NativeMemory.address(buffer);
        entries[i] = new Entry(buffer, address);
        return address;
    }

    /** A buffer, held weakly, and its address. */
    private static final class Entry extends WeakReference<ByteBuffer> {
        final long address;

        Entry(ByteBuffer buffer, long address) {
            super(buffer);
            this.address = address;
        }
    }
}
