package io.ringfile.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/** Buffers for the benchmarks. */
final class Buffers {
    /** The alignment O_DIRECT needs on ext4 and most block devices. */
    static final int ALIGNMENT = 4096;

    private Buffers() {
    }

    /** A direct buffer of {@code size} bytes whose address is a multiple of 4096, as O_DIRECT requires. */
    static ByteBuffer aligned(int size) {
        ByteBuffer raw = ByteBuffer.allocateDirect(size + ALIGNMENT);
        ByteBuffer slice = raw.alignedSlice(ALIGNMENT);
        slice.limit(size);
        return slice.slice();
    }

    /** Fills {@code buffer} (position to limit) with pseudo-random bytes; position and limit are unchanged. */
    static void fill(ByteBuffer buffer) {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = buffer.position(); i < buffer.limit(); i++) {
            buffer.put(i, (byte) random.nextInt());
        }
    }
}
