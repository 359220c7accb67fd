package io.ringfile.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The callback driver of {@link Load} with an engine that completes every call on the calling thread. */
class LoadTest {

    /** Completes each read and write before it returns, as Ringfile does for cached reads on the caller's thread. */
    private static final class SynchronousFile implements OpenFile {
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        @Override
        public boolean hasAsync() {
            return true;
        }

        @Override
        public void read(ByteBuffer dst, long position, Callback callback) {
            threads.add(Thread.currentThread());
            int n = dst.remaining();
            dst.position(dst.limit());
            callback.done(n, null);
        }

        @Override
        public void write(ByteBuffer src, long position, Callback callback) {
            read(src, position, callback);
        }

        @Override
        public void force(boolean metaData, Callback callback) {
            callback.done(0, null);
        }

        @Override
        public int readBlocking(ByteBuffer dst, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int writeBlocking(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void forceBlocking(boolean metaData) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a stuck slot never returns
    void slotsOfAnEngineThatCompletesOnTheCallersThreadAllRunAndStop() throws Exception {
        SynchronousFile file = new SynchronousFile();
        Load.Spec spec = new Load.Spec().queueDepth(4).blockSize(4096).fileSize(1 << 20)
                .buffers(new ByteBuffer[] {ByteBuffer.allocate(4096), ByteBuffer.allocate(4096),
                    ByteBuffer.allocate(4096), ByteBuffer.allocate(4096)});
        Load load = Load.start(file, spec, null); // returned: the starting thread is not held by the first slot
        try {
            load.awaitCompleted(100_000);
        } finally {
            load.close(); // every slot stops
        }
        assertTrue(load.completedOps() >= 100_000);
        assertTrue(file.threads.size() > 1, "slots went on on the common pool: " + file.threads);
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a stuck slot never returns
    void aBoundedLoadOnSuchAnEngineEndsWithExactlyItsOperations() throws Exception {
        Load.Spec spec = new Load.Spec().queueDepth(3).blockSize(4096).fileSize(1 << 20).totalOps(10_000);
        Load load = Load.start(new SynchronousFile(), spec, null);
        load.awaitDone();
        assertEquals(10_000, load.completedOps());
    }
}
