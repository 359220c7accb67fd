package io.ringfile;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * One open file, read and written at explicit positions: the asynchronous twin of
 * {@link java.nio.channels.AsynchronousFileChannel}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Threads.</b> Every method may be called from any thread and returns without waiting for a device,
 *       except {@link #close()} and, on a platform thread that runs no event loop, a positional write the engine
 *       makes on that thread ({@link FileEngine.Builder#writesOnCallerThread(boolean)}, on by default): a copy into
 *       the page cache that may wait as {@code FileChannel.write} may. A read of cached data, or such a write, may
 *       come back complete; its dependent stages then run on the caller's thread. Futures complete with a value or
 *       an exception, never hang, and never on an I/O thread unless the engine was built with inline completion:
 *       a future is completed by the engine's completion executor, or, when a thread is blocked in its
 *       {@code join()} or {@code get()} and no dependent stage is registered on it, by that thread itself (which
 *       saves a thread hop per blocking call). On an io_uring thread (a dependent stage run with inline
 *       completion) a blocking wait for an unfinished future, or {@link #close()}, throws
 *       {@link IllegalStateException}: that thread would have to deliver the outcome.
 *   <li><b>Buffers.</b> A buffer passed to an operation belongs to the engine until the returned future completes:
 *       do not read, write or reuse it before then. Cancelling the future does not stop the kernel: the engine keeps
 *       the buffer referenced until the operation's completion arrives. A Netty {@link ByteBuf} is retained for that
 *       time and released by the engine after, so its reference count tells you when it is free again.
 *   <li><b>Positions.</b> As in {@code AsynchronousFileChannel}: the buffer's position (a {@code ByteBuf}'s writer
 *       index for reads, reader index for writes) advances by the number of bytes transferred; the file has no
 *       position of its own.
 *   <li><b>Short transfers.</b> A single read or write may transfer fewer bytes than requested (at end of file,
 *       on a full disk, and for heap buffers larger than 1 MiB, which are copied through direct memory in pieces).
 *       {@link #readFully} and {@link #writeFully} loop until done.
 *   <li><b>Errors.</b> Invalid arguments throw at once ({@code NullPointerException},
 *       {@code IllegalArgumentException} for a negative position or a read-only destination,
 *       {@code NonReadableChannelException}/{@code NonWritableChannelException} for the wrong open mode). I/O
 *       errors complete the future with the JDK's exception for the error, naming the path: {@code
 *       NoSuchFileException}, {@code AccessDeniedException}, {@code FileSystemException} with the system's message
 *       for others. On a closed file, futures fail with {@code ClosedChannelException}; operations that were
 *       pending when the file was closed fail with {@code AsynchronousCloseException} if they could be stopped.
 * </ul>
 */
public interface AsyncFile extends AutoCloseable {

    /**
     * The path this file was opened with.
     *
     * @return the path
     */
    Path path();

    /**
     * True until {@link #close()} or {@link #closeAsync()} is first called.
     *
     * @return true if the file is open
     */
    boolean isOpen();

    /**
     * Reads bytes at {@code position} into {@code dst}.
     *
     * @param dst the buffer to read into; the engine's until the future completes
     * @param position the file position to read at; not negative
     * @return the number of bytes read, possibly zero, or -1 if {@code position} is at or past the end of the file
     * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     */
    CompletableFuture<Integer> read(ByteBuffer dst, long position);

    /**
     * As {@link #read(ByteBuffer, long)}, into {@code dst}'s writable bytes; the writer index advances.
     *
     * @param dst the buffer to read into; the engine's until the future completes
     * @param position the file position to read at; not negative
     * @return a future of the number of bytes read, possibly zero, or -1 if {@code position} is at or past the end of
     *     the file
     * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     */
    CompletableFuture<Integer> read(ByteBuf dst, long position);

    /**
     * Reads until {@code dst} is full or the end of the file is reached.
     *
     * @param dst the buffer to read into; the engine's until the future completes
     * @param position the file position to start reading at; not negative
     * @return the number of bytes read, less than requested only at end of file; -1 if {@code position} is already
     *     at or past the end and {@code dst} has room
     * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     */
    CompletableFuture<Integer> readFully(ByteBuffer dst, long position);

    /**
     * As {@link #readFully(ByteBuffer, long)} for a {@code ByteBuf}'s writable bytes.
     *
     * @param dst the buffer to read into; the engine's until the future completes
     * @param position the file position to start reading at; not negative
     * @return a future of the number of bytes read, as for {@link #readFully(ByteBuffer, long)}
     * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     */
    CompletableFuture<Integer> readFully(ByteBuf dst, long position);

    /**
     * Writes bytes from {@code src} at {@code position}, growing the file if needed.
     *
     * @param src the bytes to write; the buffer is the engine's until the future completes
     * @param position the file position to write at; not negative
     * @return the number of bytes written, possibly fewer than remaining
     * @throws IllegalArgumentException if {@code position} is negative
     * @throws java.nio.channels.NonWritableChannelException if the file was not opened for writing
     */
    CompletableFuture<Integer> write(ByteBuffer src, long position);

    /**
     * As {@link #write(ByteBuffer, long)}, from {@code src}'s readable bytes; the reader index advances.
     *
     * @param src the bytes to write; the buffer is the engine's until the future completes
     * @param position the file position to write at; not negative
     * @return a future of the number of bytes written, possibly fewer than remaining
     * @throws IllegalArgumentException if {@code position} is negative
     * @throws java.nio.channels.NonWritableChannelException if the file was not opened for writing
     */
    CompletableFuture<Integer> write(ByteBuf src, long position);

    /**
     * Writes all of {@code src}, looping over short writes; completes with the number of bytes written.
     *
     * @param src the bytes to write; the buffer is the engine's until the future completes
     * @param position the file position to start writing at; not negative
     * @return a future of the number of bytes written: all of them
     * @throws IllegalArgumentException if {@code position} is negative
     * @throws java.nio.channels.NonWritableChannelException if the file was not opened for writing
     */
    CompletableFuture<Integer> writeFully(ByteBuffer src, long position);

    /**
     * As {@link #writeFully(ByteBuffer, long)} for a {@code ByteBuf}'s readable bytes.
     *
     * @param src the bytes to write; the buffer is the engine's until the future completes
     * @param position the file position to start writing at; not negative
     * @return a future of the number of bytes written: all of them
     * @throws IllegalArgumentException if {@code position} is negative
     * @throws java.nio.channels.NonWritableChannelException if the file was not opened for writing
     */
    CompletableFuture<Integer> writeFully(ByteBuf src, long position);

    // ---- cursor I/O, in the stream style of aiofiles: tell, seek, read, write

    /**
     * The cursor: where {@link #read(ByteBuffer)} and {@link #write(ByteBuffer)} transfer next. Starts at 0, or at
     * the file's size when opened with APPEND. Positional calls neither use nor move it. A pipe, FIFO or socket has
     * no position to go to: its cursor reads and writes go in order, as a stream's do, and the cursor only counts
     * the bytes they moved.
     *
     * @return the cursor
     */
    long position();

    /**
     * Moves the cursor (seek). A position past the end is allowed: reads there return -1, writes grow the file.
     *
     * @param newPosition the new cursor; not negative
     * @return this file
     * @throws IllegalArgumentException if {@code newPosition} is negative
     * @throws IllegalStateException if a cursor read or write is pending
     */
    AsyncFile position(long newPosition);

    /**
     * Reads at the cursor and advances it by the bytes read. One cursor operation at a time: a call while another
     * cursor read or write is pending throws {@link java.nio.channels.ReadPendingException}; chain the next call on
     * the returned future instead.
     *
     * @param dst the buffer to read into; the engine's until the future completes
     * @return the number of bytes read, or -1 at end of file
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     * @throws java.nio.channels.ReadPendingException if a cursor read or write is pending
     */
    CompletableFuture<Integer> read(ByteBuffer dst);

    /**
     * Writes at the cursor (at the end of the file when opened with APPEND) and advances it by the bytes written,
     * which may be fewer than remaining. A call while another cursor operation is pending throws
     * {@link java.nio.channels.WritePendingException}.
     *
     * @param src the bytes to write; the buffer is the engine's until the future completes
     * @return a future of the number of bytes written
     * @throws java.nio.channels.NonWritableChannelException if the file was not opened for writing
     * @throws java.nio.channels.WritePendingException if a cursor read or write is pending
     */
    CompletableFuture<Integer> write(ByteBuffer src);

    // ---- streams

    /**
     * The file's bytes from {@code position} as a publisher of buffers of {@code chunkSize} bytes (the last may be
     * shorter), with backpressure: one read per requested buffer, nothing read ahead. Each buffer is new and
     * belongs to the subscriber. The file stays open; it is the caller's. Read errors reach {@code onError}; a
     * subscription made after the file was closed gets {@code onError} with ClosedChannelException at once.
     *
     * @param position the file position to start reading at; not negative
     * @param chunkSize the size of each buffer in bytes; positive
     * @return a publisher of the file's bytes
     * @throws IllegalArgumentException if {@code position} is negative or {@code chunkSize} is not positive
     */
    Flow.Publisher<ByteBuffer> publisher(long position, int chunkSize);

    /**
     * Writes everything {@code source} publishes, in order, from {@code position}, requesting more only as writes
     * complete. Completes with the number of bytes written, or fails with the publisher's error or a write error
     * (which cancels the subscription). The file is neither forced nor closed.
     *
     * @param source the buffers to write
     * @param position the file position to start writing at; not negative
     * @return a future of the number of bytes written
     * @throws IllegalArgumentException if {@code position} is negative
     */
    CompletableFuture<Long> writeAll(Flow.Publisher<? extends ByteBuffer> source, long position);

    // ---- to a socket

    /**
     * Sends {@code count} bytes of the file from {@code position} to {@code channel}'s socket through the kernel
     * (io_uring {@code SPLICE} file to pipe to socket): the bytes never pass through Java memory, a slow client only
     * makes the send wait for its socket to drain, and on an engine sharing the channel's event loop (see
     * {@link FileEngine.Builder#eventLoopGroup}) every step runs on that loop with no thread hop. Offsets and lengths
     * are 64-bit: files past 4 GiB are sent whole.
     *
     * <p>The bytes go to the socket directly, not through the channel's pipeline: call this on the channel's event
     * loop after every earlier write to the channel has completed (wait for its future), and write nothing to the
     * channel until the returned future completes, or the bytes would interleave. Cancelling the future does not
     * stop the send.
     *
     * <p>The send holds a descriptor of its own for the socket (a duplicate), so that it never writes to whatever the
     * kernel gives the channel's descriptor number once the channel is closed. Closing the channel ends the send:
     * the socket is shut down and the future fails with an {@link IOException}.
     *
     * <p>Where the engine cannot splice to the channel (the NIO backend, a channel with no socket descriptor such as
     * a local or embedded channel, a file that is not a regular file, a JVM where the engine makes no foreign calls
     * and so cannot duplicate the descriptor: before JDK 22, or without native access) the future fails with
     * {@link UnsupportedOperationException} before anything is sent: send the bytes through the channel instead
     * (for example read into pooled {@code ByteBuf}s with {@link #read(ByteBuf, long)}).
     *
     * @param channel a connected channel of Netty's io_uring or epoll transport
     * @param position where in the file to start
     * @param count how many bytes to send
     * @return a future of the bytes sent: {@code count}, or fewer where the file ends first; a failure of the
     *     socket (the peer went away) fails it with an {@link IOException}
     * @throws IllegalArgumentException if {@code position} or {@code count} is negative
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     */
    CompletableFuture<Long> sendTo(io.netty.channel.Channel channel, long position, long count);

    // ---- direct I/O

    /**
     * For a file opened with {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}: what file positions, transfer
     * lengths and buffer addresses must be multiples of. On io_uring it is what the kernel reports for the file
     * ({@code statx} {@code STATX_DIOALIGN}, Linux 6.1+; else the file system's block size); on NIO it is the block
     * size the JDK checks against. A transfer that breaks it fails with an {@link IOException} saying which value is
     * not a multiple of what, as {@code FileChannel} does. Empty for a file not opened for direct I/O.
     *
     * @return the alignment in bytes, or empty
     */
    OptionalInt directIoAlignment();

    /**
     * A new direct buffer of {@code capacity} bytes whose address is aligned for this file's direct I/O (to
     * {@link #directIoAlignment()}; to the page size when the file is not opened for direct I/O). Its capacity is not
     * rounded: choose a multiple of the alignment for transfers.
     *
     * @param capacity the buffer's capacity in bytes
     * @return a new direct buffer, position 0, limit and capacity {@code capacity}
     * @throws IllegalArgumentException if {@code capacity} is negative
     */
    ByteBuffer allocateAligned(int capacity);

    /**
     * The file's current size in bytes.
     *
     * @return a future of the file's size in bytes
     */
    CompletableFuture<Long> size();

    /**
     * The attributes of the file this object has open, as {@code Files.readAttributes(path,
     * BasicFileAttributes.class)} gives them for a path, but read from the open file itself ({@code fstat(2)}):
     * a file renamed, replaced or deleted since the open still reports its own type, size, times and
     * {@linkplain BasicFileAttributes#fileKey() file key}, so comparing keys tells whether this is the file a name
     * named when it was looked up. On the io_uring backend, on a local file system, the call is made on the caller's
     * thread, where it cannot wait (the open file's inode is in memory), and the future comes back complete. The
     * NIO backend has no descriptor to ask: it reads the attributes of the file's path, not following a final
     * symbolic link if the open did not follow one.
     *
     * @return a future of the open file's attributes; it fails with {@link java.nio.channels.ClosedChannelException}
     *         if the file is closed
     */
    CompletableFuture<BasicFileAttributes> readAttributes();

    /**
     * The attributes the open read of this file, where it read them: type, size, times and file key as
     * {@link #readAttributes()} would have given them at that moment, at no further cost (no system call, no
     * future). They are never refreshed: a write, truncation or change of times made since the open, by this file or
     * anyone, is not in them; call {@link #readAttributes()} for the attributes now. For code that answers from the
     * file it opened (a static-file server's length and validators) and wants the file as it was when opened.
     *
     * <p>On the io_uring backend every open reads them ({@code statx(2)} of the new descriptor, to learn its type and
     * size), so they are there unless the file system left a basic attribute out. The NIO backend has no descriptor
     * to ask at open: there it is empty.
     *
     * @return the attributes of the open file as of its open, or empty
     */
    java.util.Optional<BasicFileAttributes> attributesAtOpen();

    /**
     * Truncates the file to {@code size} bytes if it is larger; a file already that size or smaller is left as it
     * is. Requires a file opened for writing. As {@code FileChannel.truncate} moves the channel's position, a
     * {@linkplain #position() cursor} beyond {@code size} is moved back to {@code size} (whether or not the file
     * shrank) by the time the future completes; a failed truncation leaves it where it was.
     *
     * @param size the new size in bytes; not negative
     * @return this file
     * @throws IllegalArgumentException if {@code size} is negative
     * @throws java.nio.channels.NonWritableChannelException if the file was not opened for writing
     */
    CompletableFuture<AsyncFile> truncate(long size);

    /**
     * Forces written data to the storage device: {@code fdatasync} when {@code metaData} is false, {@code fsync}
     * when true. An error completes the future exceptionally; it is never reported as success. A file of a
     * file-system provider without {@code FileChannel} (whose byte channel cannot force) fails with
     * {@code UnsupportedOperationException} when opened for writing, and completes when opened only for reading.
     *
     * @param metaData true to force the file's metadata too ({@code fsync}), false for data only
     * @return a future completed once the storage device has the data
     */
    CompletableFuture<Void> force(boolean metaData);

    /**
     * Closes the file. Operations in flight finish first (or fail with {@code AsynchronousCloseException} where the
     * kernel can stop them); the descriptor is released after. Every call returns the same future.
     *
     * @return the future of the close
     */
    CompletableFuture<Void> closeAsync();

    /**
     * Closes the file and waits for it, as {@link #closeAsync()} does. Idempotent.
     *
     * @throws IllegalStateException if called on an I/O thread (from a callback run with inline completion), where
     *     waiting would deadlock; use {@link #closeAsync()} there
     * @throws IOException if closing failed: the exception {@link #closeAsync()}'s future failed with
     */
    @Override
    void close() throws IOException;
}
