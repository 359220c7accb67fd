package io.ringfile;

import java.io.IOException;
import java.nio.CharBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Text read from a file, decoded and buffered: the asynchronous twin of {@link java.io.BufferedReader} as returned by
 * {@link java.nio.file.Files#newBufferedReader(java.nio.file.Path, java.nio.charset.Charset)}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Order.</b> Calls may be made from any thread and need not wait for the previous call's future: they are
 *       queued and run one at a time in the order they were made, each seeing the text the previous one left. Never
 *       block (join, get) inside a dependent stage of one call waiting for a later call on the same reader: the
 *       later call runs only after that stage returns. Chain it instead.
 *   <li><b>Buffering.</b> The file is read in chunks of a few tens of kilobytes, only when a call needs text that
 *       is not yet buffered; the reader never reads further ahead than one chunk.
 *   <li><b>Lines.</b> A line ends at {@code \n}, {@code \r\n} or a lone {@code \r}, as in {@code BufferedReader};
 *       the terminator is not part of the line. A last line without a terminator is still a line; an empty file
 *       has no lines.
 *   <li><b>Errors.</b> Bytes that are not valid in the charset fail the call that reaches them with
 *       {@link java.nio.charset.MalformedInputException} (or {@link java.nio.charset.UnmappableCharacterException}),
 *       as {@code Files.readAllLines} does; text before them is delivered first. I/O errors fail with the
 *       exception the {@link AsyncFile} reported. After either error every later read fails with the same
 *       exception. Calls after {@link #closeAsync()} fail with {@link java.nio.channels.ClosedChannelException}.
 * </ul>
 */
public interface AsyncReader extends AutoCloseable {

    /**
     * Reads the next line.
     *
     * @return the line without its terminator, or {@code null} at end of file (and on every call after)
     */
    CompletableFuture<String> readLine();

    /**
     * Reads characters into {@code dst}, as {@link java.io.Reader#read(CharBuffer)}: at least one if {@code dst}
     * has room and the file has text left, at most {@code dst.remaining()}. The buffer belongs to the reader until
     * the future completes.
     *
     * @param dst the buffer to read into; the reader's until the future completes
     * @return the number of characters read, 0 if {@code dst} has no room, or -1 at end of file
     * @throws IllegalArgumentException if {@code dst} is read-only
     */
    CompletableFuture<Integer> read(CharBuffer dst);

    /**
     * Closes the reader and its file, after the calls made before it have run. Every call returns the same future.
     *
     * @return the future of the close
     */
    CompletableFuture<Void> closeAsync();

    /**
     * Closes as {@link #closeAsync()} does and waits for it. Idempotent. Do not call it inside a dependent stage
     * running on an engine I/O thread (inline completion); use {@link #closeAsync()} there.
     *
     * @throws IOException if closing failed: the exception {@link #closeAsync()}'s future failed with
     */
    @Override
    void close() throws IOException;
}
