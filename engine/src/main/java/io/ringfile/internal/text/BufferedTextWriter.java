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
 *
 * <p>The fast path: a write whose text is sure to encode (see {@link #stageable}) and fits in the staged characters
 * is copied there by the calling thread, under the queue's lock while no step is queued or running, and its future
 * is complete when the call returns; no step, no encoder call. The staged characters are encoded by the next step
 * that needs the byte buffer, before anything else, so the order of the text is the order of the calls.
 */
final class BufferedTextWriter implements AsyncWriter {
    private static final String LINE_SEPARATOR = System.lineSeparator();

    private final AsyncFile file;
    private final CharsetEncoder encoder;
    private ByteBuffer buffer; // write mode: [0, position) encoded, not yet written
    /** The other buffer, made at the first write behind; while {@link #behind} runs, the one being written. */
    private ByteBuffer spare;
    /**
     * The write of a buffer that held only the text of calls already complete, running while the next buffer fills
     * (see {@link #writeBehind}); null when none. It always completes normally: an error becomes {@link #failure}.
     * Every other write waits for it, so one write at most is in flight and the file grows in order.
     */
    private CompletableFuture<Void> behind;
    private final SerialQueue queue = new SerialQueue();
    /** Characters written by the fast path, not yet encoded: [0, staged). Each is known to encode. */
    private final char[] stage;
    private int staged;
    /** Which characters the fast path may stage without asking the encoder; see {@link #stageable}. */
    private final int stageRule;
    private long position; // where the next buffer goes: advanced as each write starts
    private String pending; // a high surrogate at the end of the last write, waiting for its pair
    /** An I/O error: every later step fails with it. Volatile: a write behind sets it outside any step. */
    private volatile Throwable failure;

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
        this.stageRule = stageRule(charset);
        this.stage = new char[stageRule == STAGE_NONE ? 0 : Math.min(MAX_STAGE, buffer.capacity())];
    }

    private static final int MAX_STAGE = 8192;
    private static final int STAGE_NONE = 0;
    /** A Unicode encoding: every character but a surrogate encodes alone. */
    private static final int STAGE_NO_SURROGATE = 1;
    private static final int STAGE_LATIN_1 = 2;
    private static final int STAGE_ASCII = 3;

    private static int stageRule(Charset charset) {
        switch (charset.name()) {
            case "UTF-8":
            case "UTF-16":
            case "UTF-16BE":
            case "UTF-16LE":
            case "UTF-32":
            case "UTF-32BE":
            case "UTF-32LE":
                return STAGE_NO_SURROGATE;
            case "ISO-8859-1":
                return STAGE_LATIN_1;
            case "US-ASCII":
                return STAGE_ASCII;
            default:
                return STAGE_NONE; // the encoder decides, in a step
        }
    }

    /**
     * The fast path's step, run under the queue's lock with nothing queued: stages {@code text} if it fits and every
     * character of it encodes on its own (so encoding it later cannot fail); false, with nothing changed, if not.
     */
    private boolean stage(String text) {
        int length = text.length();
        if (failure != null || pending != null || length > stage.length - staged) {
            return false;
        }
        text.getChars(0, length, stage, staged);
        if (!stageable(stage, staged, staged + length)) {
            return false; // the copy past 'staged' is ignored
        }
        staged += length;
        return true;
    }

    private boolean stageable(char[] chars, int from, int to) {
        switch (stageRule) {
            case STAGE_NO_SURROGATE:
                for (int i = from; i < to; i++) {
                    if (Character.isSurrogate(chars[i])) {
                        return false;
                    }
                }
                return true;
            case STAGE_LATIN_1:
                for (int i = from; i < to; i++) {
                    if (chars[i] > 0xFF) {
                        return false;
                    }
                }
                return true;
            case STAGE_ASCII:
                for (int i = from; i < to; i++) {
                    if (chars[i] > 0x7F) {
                        return false;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    /**
     * Encodes the staged characters into the byte buffer; they cannot fail to encode. The staged text belongs to
     * calls that have completed, so a buffer they fill is written behind ({@link #writeBehind}): the step goes on.
     */
    private CompletableFuture<Void> encodeStaged() {
        if (staged == 0) {
            return CompletableFuture.completedFuture(null);
        }
        CharBuffer in = CharBuffer.wrap(stage, 0, staged);
        return code(() -> encoder.encode(in, buffer, false), true).whenComplete((v, e) -> staged = 0);
    }

    @Override
    public CompletableFuture<Void> write(CharSequence text) {
        String captured = text.toString(); // NullPointerException at once for null
        if (stageRule != STAGE_NONE && queue.runIfIdle(() -> stage(captured))) {
            return EngineFuture.done();
        }
        return queue.submit(() -> encode(captured));
    }

    @Override
    public CompletableFuture<Void> newLine() {
        return write(LINE_SEPARATOR);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return queue.submit(() -> failure != null ? CompletableFuture.failedFuture(failure)
                : encodeStaged().thenCompose(v -> writeBuffer()));
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
        if (staged > 0) {
            return encodeStaged().thenCompose(v -> stageRule != STAGE_NONE && stage(text)
                    ? CompletableFuture.completedFuture(null) : encode(text));
        }
        CharBuffer in = CharBuffer.wrap(pending == null ? text : pending + text);
        pending = null;
        return code(() -> encoder.encode(in, buffer, false), false).thenRun(() -> {
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
            flushed = encodeStaged()
                    .thenCompose(v -> code(() -> encoder.encode(in, buffer, true), false))
                    .thenCompose(v -> code(() -> encoder.flush(buffer), false))
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
     * Runs an encoder call until it underflows, writing the buffer whenever it overflows: behind
     * ({@link #writeBehind}) when the text is of calls already complete, else waiting for the write. A coding error
     * fails the future (the encoder stays usable; the characters before the bad one are buffered).
     */
    private CompletableFuture<Void> code(Supplier<CoderResult> coder, boolean completedText) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        codeStep(coder, completedText, result);
        return result;
    }

    private void codeStep(Supplier<CoderResult> coder, boolean completedText, CompletableFuture<Void> result) {
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
            CompletableFuture<Void> written = completedText ? writeBehind() : writeBuffer(); // overflow: make room
            if (!written.isDone() || written.isCompletedExceptionally()) {
                written.whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(Failures.unwrap(e));
                    } else {
                        codeStep(coder, completedText, result);
                    }
                });
                return;
            }
        }
    }

    /**
     * Writes the buffered bytes at the next position and completes when they are in the file, after any write behind;
     * an error becomes the writer's failure.
     */
    private CompletableFuture<Void> writeBuffer() {
        return afterWriteBehind(() -> {
            if (buffer.position() == 0) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            startWrite(buffer).whenComplete((v, e) -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                } else {
                    done.complete(null);
                }
            });
            return done;
        });
    }

    /**
     * Makes room in a full buffer of text whose calls have completed: hands it to a write that runs while the next
     * buffer fills, and completes at once, unless the write behind before it is still running (then when that one
     * ends). Its error, if any, fails the next step that writes, flushes or closes, and every call after.
     */
    private CompletableFuture<Void> writeBehind() {
        return afterWriteBehind(() -> {
            if (buffer.position() == 0) {
                return CompletableFuture.completedFuture(null);
            }
            ByteBuffer full = buffer;
            buffer = spare != null ? spare : ByteBuffer.allocate(full.capacity());
            spare = full;
            behind = startWrite(full);
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Runs {@code next} once the write behind, if any, has ended; fails instead if the writer has failed. */
    private CompletableFuture<Void> afterWriteBehind(Supplier<CompletableFuture<Void>> next) {
        CompletableFuture<Void> running = behind;
        if (running == null || running.isDone()) {
            behind = null;
            return failure != null ? CompletableFuture.failedFuture(failure) : next.get();
        }
        return running.thenCompose(v -> {
            behind = null;
            return failure != null ? CompletableFuture.failedFuture(failure) : next.get();
        });
    }

    /**
     * Writes {@code full} (write mode) at the next position, which it advances at once; the future completes normally
     * when the write has ended, {@code full} cleared, an error kept as the writer's failure.
     */
    private CompletableFuture<Void> startWrite(ByteBuffer full) {
        full.flip();
        long at = position;
        position += full.remaining();
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean inOrder = file instanceof AsyncFileImpl && !((AsyncFileImpl) file).seekable(); // a FIFO, say
        Failures.guard(() -> inOrder ? ((AsyncFileImpl) file).writeInOrder(full)
                : file.writeFully(full, at)).whenComplete((n, e) -> {
            if (e != null) {
                failure = Failures.unwrap(e);
            }
            full.clear();
            done.complete(null);
        });
        return done;
    }

    @Override
    public String toString() {
        return "AsyncWriter[" + file.path() + "]";
    }
}
