package io.ringfile.internal.backend;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * One open file of a {@link FileBackend}.
 *
 * <p>Callers validate arguments before calling (non-negative positions, writable destination buffers, open mode), so
 * a backend only reports I/O outcomes. Any thread may call; outcomes arrive through {@link Completion} on a backend
 * thread. A buffer passed in is owned by the backend until its completion is signalled; the backend advances its
 * position by the number of bytes transferred before signalling.
 */
public interface BackendFile {

    /** Position argument meaning "at the file's own offset, advancing it" (a stream read or write). */
    long CURRENT_POSITION = -1;

    /**
     * Largest transfer one operation makes with a heap buffer. Heap buffers are copied through direct memory; the
     * cap keeps that copy small, so a read or write of a larger heap buffer may be short.
     */
    int HEAP_TRANSFER_LIMIT = 1 << 20;

    /**
     * Runs one read or write. A read completes with the byte count, or -1 at end of file; a write with the byte
     * count (possibly short).
     */
    void transfer(TransferRequest request);

    /** {@link #readIfCached} result: nothing was read; make the read with {@link #transfer}. */
    int NOT_CACHED = -2;

    /**
     * One read into {@code dst} from {@code position} on the calling thread, made only if it cannot wait for a
     * device (the data is in the page cache): the bytes read (the buffer's position advanced by them, possibly
     * fewer than asked), -1 at end of file, or {@link #NOT_CACHED} with nothing read and the buffer untouched. For a
     * caller that would otherwise wait for a {@link #transfer}: a hit costs one system call and no hand-off. Errors
     * are never reported here; the transfer meets them. Backends without such a read always answer
     * {@link #NOT_CACHED}.
     */
    default int readIfCached(java.nio.ByteBuffer dst, long position) {
        return NOT_CACHED;
    }

    /** {@link #writeOnCallerThread} result: nothing was written; make the write with {@link #transfer}. */
    int NOT_WRITTEN = -2;

    /**
     * One write of {@code src} at {@code position} made on the calling thread, as {@code pwrite(2)} makes it (it may
     * wait: the caller has checked that its thread may), where this backend can make it: the bytes written (the
     * buffer's position advanced by them, possibly fewer than asked), or {@link #NOT_WRITTEN} with nothing written
     * and the buffer untouched. Errors are never reported here; the transfer meets and reports them. Backends without
     * such a write always answer {@link #NOT_WRITTEN}.
     */
    default int writeOnCallerThread(java.nio.ByteBuffer src, long position) {
        return NOT_WRITTEN;
    }

    /** Whether {@link #writeOnCallerThread} can ever write: asked once, when the file is opened. */
    default boolean writesOnCallerThread() {
        return false;
    }

    /**
     * For a file opened for direct I/O ({@code ExtendedOpenOption.DIRECT}): what file positions, transfer lengths
     * and buffer addresses must be multiples of; 0 for other files.
     */
    default int directIoAlignment() {
        return 0;
    }

    /**
     * False for a file with no offset to seek to (a pipe, FIFO or socket, or a channel that cannot be positioned),
     * known from the open on. Its transfers must use {@link #CURRENT_POSITION}, which reads or writes in order at
     * the file's own position; any other position fails with "Illegal seek", as pread(2) would.
     */
    boolean seekable();

    /**
     * Sends {@code count} bytes from {@code position} to the connected socket {@code socket} without copying them
     * through user memory, completing with the bytes sent (fewer only where the file ends first). The caller owns
     * the socket's order of writes: nothing else may write to it until this completes. Backends that cannot splice
     * fail at once with {@link UnsupportedOperationException}, before sending anything.
     *
     * @return what the socket's owner runs once it has closed the socket (any thread, any time, more than once):
     *     the send then ends, failed, instead of keeping the socket open for itself
     */
    default Runnable sendTo(int socket, long position, long count, Completion completion) {
        completion.failed(new UnsupportedOperationException("this backend cannot send a file to a socket"));
        return NO_SEND;
    }

    /** What {@link #sendTo} returns for a send that never started. */
    Runnable NO_SEND = () -> { };

    /**
     * The file's size as its open found it (from the stat the open makes anyway), or -1 where the open did not learn
     * it. Not kept current: whole-file reads start from it instead of asking again, as {@code Files.readAllBytes}
     * starts from the size it reads right after its open.
     */
    default long sizeAtOpen() {
        return -1;
    }

    /**
     * The file's current size, asked on the calling thread, for a platform thread that waits for it anyway; -1 where
     * this backend does not ask on the caller's thread or the call failed (the caller then uses {@link #size}, which
     * reports the error).
     */
    default long sizeOnCallerThread() {
        return -1;
    }

    /**
     * Closes the file on the calling thread, for a platform thread that waits for the close anyway, if nothing of
     * this file is in flight or closing: then {@code completion} has heard the outcome when this returns true.
     * False where it cannot (the caller then uses {@link #close}).
     */
    default boolean closeOnCallerThread(Completion completion) {
        return false;
    }

    /**
     * As {@link #closeOnCallerThread}, for any caller (an event loop included), where the close cannot wait: a file
     * only read, on a file system whose close sends nothing to a daemon or a server. False where it cannot (the
     * caller then uses {@link #close}).
     */
    default boolean closeReadOnlyWithoutWaiting(Completion completion) {
        return false;
    }

    /** Completes with the file's current size. */
    void size(Completion completion);

    /**
     * The attributes of this open file: of what its descriptor refers to (fstat(2)), not of whatever its name names
     * by now. The future completes on a backend thread, or at once. The NIO backend has no descriptor to ask: it
     * reads its path's attributes, not following a final symbolic link where the open did not either.
     */
    java.util.concurrent.CompletableFuture<java.nio.file.attribute.BasicFileAttributes> readAttributes();

    /**
     * {@link #readAttributes()} on the calling thread, any thread an event loop's included, where that cannot wait
     * (a local file system's inode is in memory while the file is open); null where the backend does not ask here,
     * or the call failed ({@link #readAttributes()} then reports it).
     */
    default java.nio.file.attribute.BasicFileAttributes readAttributesWithoutWaiting() {
        return null;
    }

    /**
     * The attributes the open read of this open file (its descriptor's, as {@link #readAttributes()} would have
     * given them then), or null where the open did not read them all. Never refreshed.
     */
    default java.nio.file.attribute.BasicFileAttributes attributesAtOpen() {
        return null;
    }

    /** Shrinks the file to {@code size} if it is larger; completes with 0. */
    void truncate(long size, Completion completion);

    /** Flushes file data (and metadata when {@code metaData}) to the device; completes with 0. */
    void force(boolean metaData, Completion completion);

    /**
     * A JDK {@link FileChannel} on this very open file (not on its name, which may since name another file), with
     * the access given, for what the backend has no operation for: file locks and memory mapping. Blocks the
     * calling thread while it opens. Closing the returned channel may close this file too (the NIO backend returns
     * its own channel), so callers close it only when they close this file.
     *
     * @param read open it for reading
     * @param write open it for writing
     * @return a channel on this open file
     * @throws IOException if it cannot be opened
     * @throws UnsupportedOperationException if the file's provider has no {@code FileChannel}
     */
    FileChannel platformChannel(boolean read, boolean write) throws IOException;

    /**
     * Closes the file. Operations already accepted finish first (or fail with
     * {@link java.nio.channels.AsynchronousCloseException} where they can be interrupted); later ones fail with
     * {@link java.nio.channels.ClosedChannelException}. Completes once the descriptor is closed. Idempotent.
     */
    void close(Completion completion);

    /**
     * Asks the backend, from any thread, to stop the operation that reports to {@code completion} (a timed-out
     * one): where it still waits to be submitted it fails now with {@code error}; where the kernel has it, the
     * kernel is asked to cancel it. Best effort: its outcome still comes, and the operation keeps its buffer until
     * then. Does nothing where the backend cannot (the NIO pool's threads are in a blocking call).
     */
    default void cancel(Completion completion, Throwable error) {
    }
}
