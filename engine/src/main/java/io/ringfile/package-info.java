/**
 * Asynchronous file I/O on Linux io_uring, with automatic fallback to an NIO thread pool.
 *
 * <p>{@link io.ringfile.AsyncFiles} is the asynchronous twin of {@link java.nio.file.Files};
 * {@link io.ringfile.AsyncFile} the twin of {@link java.nio.channels.AsynchronousFileChannel};
 * {@link io.ringfile.FileEngine} owns the rings or threads underneath. For blocking code and virtual threads,
 * {@link io.ringfile.FileEngine#newFileChannel(java.nio.file.Path, java.nio.file.OpenOption...)} and
 * {@link io.ringfile.FileEngine#newAsynchronousFileChannel(java.nio.file.Path, java.nio.file.OpenOption...)} give the
 * JDK's channel types on the engine, and {@link io.ringfile.RingfileFileSystemProvider} makes every
 * {@code FileChannel.open} and {@code Files} read and write of the JVM Ringfile's.
 *
 * <h2>What Ringfile deliberately does not do</h2>
 * <ul>
 *   <li>It does not cancel I/O: cancelling a future detaches the caller, the operation runs to its end and its
 *       buffer stays owned by the engine until then.
 *   <li>It does not share a cursor with the kernel: {@code AsyncFile}'s cursor lives in the object, one cursor
 *       operation at a time; positional calls are the fast path and may run concurrently.
 *   <li>{@code AsyncFile} does not lock files or map them into memory; the engine's {@code FileChannel}
 *       ({@link io.ringfile.FileEngine#newFileChannel(java.nio.file.Path, java.nio.file.OpenOption...)}) does, with
 *       the JDK's own locks and mappings.
 *   <li>It does not cache file data: every {@code AsyncFile} call reaches the kernel. Only {@code AsyncReader} and
 *       {@code AsyncWriter} buffer text, and a writer's text reaches the file on {@code flush()} or close.
 * </ul>
 */
package io.ringfile;
