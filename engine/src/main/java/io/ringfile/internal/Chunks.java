package io.ringfile.internal;

import io.ringfile.internal.backend.BackendFile;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Reads or writes a byte-array range of a file as chunks with a few in flight at once, so one large transfer keeps
 * the device (or the ring) busy. Internal steps: completes on the backend thread.
 *
 * <p>The future completes only after every chunk has finished, so the array is never touched after completion.
 * For reads it yields the length of the prefix read before the first short chunk (end of file).
 */
final class Chunks {
    /** Chunk size: the largest transfer a heap buffer makes in one operation. */
    static final int CHUNK = BackendFile.HEAP_TRANSFER_LIMIT;
    /** Chunks in flight at once for one transfer. */
    static final int WINDOW = 8;

    private final AsyncFileImpl file;
    private final boolean read;
    private final byte[] array;
    private final int offset;
    private final int length;
    private final long position;
    private final int window;
    private final CompletableFuture<Integer> result = new CompletableFuture<>();

    // guarded by this
    private int nextChunk;
    private int active;
    private long contiguousEnd = Long.MAX_VALUE; // end of the first short read, relative to offset
    private Throwable error;

    private Chunks(AsyncFileImpl file, boolean read, byte[] array, int offset, int length, long position,
                   int window) {
        this.file = file;
        this.read = read;
        this.array = array;
        this.offset = offset;
        this.length = length;
        this.position = position;
        this.window = window;
    }

    /** Reads {@code array[offset, offset+length)} from {@code position}; yields the bytes read before end of file. */
    static CompletableFuture<Integer> read(AsyncFileImpl file, byte[] array, int offset, int length, long position) {
        return new Chunks(file, true, array, offset, length, position, WINDOW).start();
    }

    /** Writes {@code array[offset, offset+length)} at {@code position}; in order, one at a time, when appending. */
    static CompletableFuture<Integer> write(AsyncFileImpl file, byte[] array, int offset, int length, long position,
                                            boolean append) {
        return new Chunks(file, false, array, offset, length, position, append ? 1 : WINDOW).start();
    }

    private int chunkCount() {
        return (int) (((long) length + CHUNK - 1) / CHUNK);
    }

    private CompletableFuture<Integer> start() {
        if (length == 0) {
            result.complete(0);
            return result;
        }
        launchMore();
        return result;
    }

    private void launchMore() {
        while (true) {
            int chunk;
            synchronized (this) {
                if (error != null || active >= window || nextChunk >= chunkCount()
                        || (long) nextChunk * CHUNK >= contiguousEnd) {
                    return;
                }
                chunk = nextChunk++;
                active++;
            }
            launch(chunk);
        }
    }

    private void launch(int chunk) {
        int start = chunk * CHUNK;
        int size = Math.min(CHUNK, length - start);
        ByteBuffer slice = ByteBuffer.wrap(array, offset + start, size).slice();
        CompletableFuture<Integer> step;
        try {
            step = read ? file.read(slice, position + start, true, null)
                    : file.write(slice, position + start, true, null);
        } catch (Throwable e) { // out of memory, say: this chunk fails, and with it the transfer, once the rest end
            step = CompletableFuture.failedFuture(e);
        }
        step.whenComplete((n, e) -> finished(start, size, n, e));
    }

    private void finished(int start, int size, Integer n, Throwable e) {
        boolean done;
        synchronized (this) {
            active--;
            if (e != null) {
                if (error == null) {
                    error = e;
                }
            } else if (read && n < size) {
                contiguousEnd = Math.min(contiguousEnd, (long) start + Math.max(n, 0));
            }
            done = active == 0 && (error != null || nextChunk >= chunkCount()
                    || (long) nextChunk * CHUNK >= contiguousEnd);
        }
        if (done) {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete((int) Math.min(length, contiguousEnd));
            }
        } else {
            launchMore();
        }
    }
}
