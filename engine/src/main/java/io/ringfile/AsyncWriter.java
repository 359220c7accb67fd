package io.ringfile;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Text encoded and written to a file through a buffer: the asynchronous twin of {@link java.io.BufferedWriter} as
 * returned by {@link java.nio.file.Files#newBufferedWriter(java.nio.file.Path, java.nio.charset.Charset,
 * java.nio.file.OpenOption...)}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Order.</b> Calls may be made from any thread and need not wait for the previous call's future: they are
 *       queued and run one at a time in the order they were made, so {@code write("a"); write("b"); closeAsync()}
 *       leaves {@code ab} in the file. A queued write holds its text until it runs; wait for the futures to bound
 *       that memory. The text is captured when {@code write} is called: changing a {@code StringBuilder} afterwards
 *       does not change what is written. Never block (join, get) inside a dependent stage of one call waiting for a
 *       later call on the same writer; chain it instead.
 *   <li><b>Buffering.</b> Text is encoded into a buffer (64 KiB) and reaches the file only when
 *       the buffer fills, on {@link #flush()} and on close: a small write that has completed is not yet in the file.
 *       A full buffer that holds only the text of calls already complete is written while a second buffer (of the
 *       same size, made then) fills,
 *       so the calls after it need not wait for the file; one write at most is in flight, in the file's order.
 *       A write's future completes once its text is in the buffer or the file, so a write larger than the buffer
 *       completes only after the full buffers it produced have been written. A short write of text that is sure to
 *       encode (UTF-8, UTF-16 and UTF-32 text without surrogates, ISO-8859-1 and US-ASCII text in range), made while
 *       no earlier call is pending, is copied on the calling thread and returns a future already complete: one
 *       shared instance, whose outcome cannot be changed ({@code obtrudeValue} and {@code obtrudeException} throw
 *       {@link UnsupportedOperationException}).
 *   <li><b>Flush.</b> {@link #flush()} writes the buffered bytes to the file, as {@code BufferedWriter.flush()}
 *       does; it does not force them to the storage device. A high surrogate at the end of a write is held back
 *       until the next write brings its low surrogate; one still held at close fails the close with
 *       {@link java.nio.charset.MalformedInputException}, after the text before it has been written.
 *   <li><b>Errors.</b> A character the charset cannot encode fails that write with
 *       {@link java.nio.charset.UnmappableCharacterException} (a lone surrogate with
 *       {@link java.nio.charset.MalformedInputException}), as {@code Files.newBufferedWriter} does: the characters
 *       before it may already be buffered, the rest of that write is dropped, and the writer stays usable. An I/O
 *       error is final: it fails the call whose write met it (for a buffer written while the next filled, the first
 *       call after it that writes, flushes or closes, or any write made after the error is known), and every later
 *       write, newLine and flush fails with the same exception; close still closes the file, and fails with it. The
 *       file then holds a prefix of the text. Calls after {@link #closeAsync()} fail with
 *       {@link java.nio.channels.ClosedChannelException}.
 * </ul>
 */
public interface AsyncWriter extends AutoCloseable {

    /**
     * Writes {@code text}, encoded in the writer's charset, after the text of earlier calls.
     *
     * @param text the text to write; it is captured now
     * @return a future completed once the text is in the buffer or the file
     */
    CompletableFuture<Void> write(CharSequence text);

    /**
     * Writes the line separator, {@link System#lineSeparator()}, as {@code BufferedWriter.newLine()} does.
     *
     * @return a future completed once the separator is in the buffer or the file
     */
    CompletableFuture<Void> newLine();

    /**
     * Writes the buffered bytes to the file; completes when the file has them.
     *
     * @return a future completed once the file has the buffered bytes
     */
    CompletableFuture<Void> flush();

    /**
     * Flushes, then closes the file, after the calls made before it have run. The file is closed even if the
     * flush fails; the future then fails with the flush's exception. Every call returns the same future.
     *
     * @return the future of the close; it fails with the flush's exception if the flush failed
     */
    CompletableFuture<Void> closeAsync();

    /**
     * Closes as {@link #closeAsync()} does and waits for it. Idempotent. Do not call it inside a dependent stage
     * running on an engine I/O thread (inline completion); use {@link #closeAsync()} there.
     *
     * @throws IOException if the flush or the close failed: the exception {@link #closeAsync()}'s future failed with
     */
    @Override
    void close() throws IOException;
}
