package io.ringfile.internal.text;

import io.ringfile.AsyncFile;
import io.ringfile.AsyncWriter;
import io.ringfile.internal.AsyncFileImpl;
import io.ringfile.internal.EngineFuture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@link AsyncWriter} that encodes into one byte buffer and writes it at consecutive positions of the file when it
 * fills, on flush and on close. Calls run in order through a {@link SerialQueue}, so the fields below are touched by
 * one step at a time (the queue's futures order the steps' memory effects).
 */
final class BufferedTextWriter implements AsyncWriter {
    private static final String LINE_SEPARATOR = System.lineSeparator();

    private final AsyncFile file;
    private final CharsetEncoder encoder;
    private final ByteBuffer buffer; // write mode: [0, position) encoded, not yet written
    private final SerialQueue queue = new SerialQueue();
    private long position;
    private String pending; // a high surrogate at the end of the last write, waiting for its pair
    private Throwable failure; // an I/O error: every later step fails with it

    BufferedTextWriter(AsyncFile file, long position, Charset charset, int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("buffer size must be positive: " + bufferSize);
        }
        this.file = file;
        this.position = position;
        this.encoder = charset.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        // Room for at least a few characters, so an overflow always leaves something to write.
        int minimum = 4 * (int) Math.ceil(encoder.maxBytesPerChar()) + 16;
        this.buffer = ByteBuffer.allocate(Math.max(bufferSize, minimum));
    }

    @Override
    public CompletableFuture<Void> write(CharSequence text) {
        String captured = text.toString(); // NullPointerException at once for null
        return queue.submit(() -> encode(captured));
    }

    @Override
    public CompletableFuture<Void> newLine() {
        return queue.submit(() -> encode(LINE_SEPARATOR));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return queue.submit(() -> failure != null ? CompletableFuture.failedFuture(failure) : writeBuffer());
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return queue.submitLast(this::finish);
    }

    @Override
    public void close() throws IOException {
        EngineFuture.checkMayBlock("AsyncWriter.close()");
        Failures.awaitClose(closeAsync());
    }

    private CompletableFuture<Void> encode(String text) {
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        CharBuffer in = CharBuffer.wrap(pending == null ? text : pending + text);
        pending = null;
        return code(() -> encoder.encode(in, buffer, false)).thenRun(() -> {
            if (in.hasRemaining()) { // a high surrogate whose low one may come with the next write
                pending = in.toString();
            }
        });
    }

    /** The close step: ends the encoding, writes what is buffered, closes the file whatever happened before. */
    private CompletableFuture<Void> finish() {
        CompletableFuture<Void> flushed;
        if (failure != null) {
            flushed = CompletableFuture.failedFuture(failure);
        } else {
            CharBuffer in = CharBuffer.wrap(pending == null ? "" : pending);
            pending = null;
            // A lone high surrogate left at the end fails the close, after the text before it is written.
            flushed = code(() -> encoder.encode(in, buffer, true))
                    .thenCompose(v -> code(() -> encoder.flush(buffer)))
                    .handle((v, codingError) -> codingError)
                    .thenCompose(codingError -> writeBuffer().thenCompose(v -> codingError == null
                            ? CompletableFuture.<Void>completedFuture(null)
                            : CompletableFuture.<Void>failedFuture(Failures.unwrap(codingError))));
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        flushed.whenComplete((v, flushError) -> Failures.guard(file::closeAsync).whenComplete((c, closeError) -> {
            Throwable error = flushError != null ? flushError : closeError;
            if (error != null) {
                result.completeExceptionally(Failures.unwrap(error));
            } else {
                result.complete(null);
            }
        }));
        return result;
    }

    /**
     * Runs an encoder call until it underflows, writing the buffer whenever it overflows. A coding error fails the
     * future (the encoder stays usable; the characters before the bad one are buffered).
     */
    private CompletableFuture<Void> code(Supplier<CoderResult> coder) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        codeStep(coder, result);
        return result;
    }

    private void codeStep(Supplier<CoderResult> coder, CompletableFuture<Void> result) {
        while (true) {
            CoderResult r;
            try {
                r = coder.get();
            } catch (Throwable e) {
                result.completeExceptionally(e);
                return;
            }
            if (r.isUnderflow()) {
                result.complete(null);
                return;
            }
            if (r.isError()) {
                try {
                    r.throwException();
                } catch (CharacterCodingException e) {
                    result.completeExceptionally(e);
                }
                return;
            }
            CompletableFuture<Void> written = writeBuffer(); // overflow: make room
            if (!written.isDone() || written.isCompletedExceptionally()) {
                written.whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(Failures.unwrap(e));
                    } else {
                        codeStep(coder, result);
                    }
                });
                return;
            }
        }
    }

    /** Writes the buffered bytes at the next position; an error becomes the writer's failure. */
    private CompletableFuture<Void> writeBuffer() {
        if (buffer.position() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        buffer.flip();
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean inOrder = file instanceof AsyncFileImpl && !((AsyncFileImpl) file).seekable(); // a FIFO, say
        Failures.guard(() -> inOrder ? ((AsyncFileImpl) file).writeInOrder(buffer)
                : file.writeFully(buffer, position)).whenComplete((n, e) -> {
            if (e != null) {
                failure = Failures.unwrap(e);
                buffer.clear();
                done.completeExceptionally(failure);
            } else {
                position += n;
                buffer.clear();
                done.complete(null);
            }
        });
        return done;
    }

    @Override
    public String toString() {
        return "AsyncWriter[" + file.path() + "]";
    }
}
