package io.ringfile.internal.text;

import io.ringfile.AsyncFile;
import io.ringfile.internal.AsyncFileImpl;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Decoded text of a file, read chunk by chunk at explicit positions (an unseekable file, such as a FIFO, in order
 * at its own position) and split into lines as {@link java.io.BufferedReader} splits them.
 *
 * <p>Not thread-safe: one caller at a time, and no poll while a {@link #fill()} is pending. The poll methods never do
 * I/O: when they need bytes that have not been read they answer {@link #NEED_INPUT}, and the caller runs
 * {@link #fill()}, which reads one chunk, and polls again. So the text held is at most one chunk of bytes, its
 * decoded characters and the current line.
 */
final class TextSource {
    /** Poll answer: nothing more without reading the next chunk. */
    static final Object NEED_INPUT = new Object();
    /** Poll answer: the text has ended. */
    static final Object END = new Object();
    /** Poll answer: decoding or reading failed; see {@link #failure()}. */
    static final Object FAILED = new Object();

    /** {@link #pollChars} answer: nothing more without reading the next chunk. */
    static final int CHARS_NEED_INPUT = -2;
    /** {@link #pollChars} answer: decoding or reading failed. */
    static final int CHARS_FAILED = -3;

    /** Room kept past a chunk for the bytes of a character split by the previous chunk. */
    private static final int SLACK = 16;

    private final AsyncFile file;
    private final int chunkSize;
    private final CharsetDecoder decoder;
    private long position;
    private ByteBuffer bytes; // write mode: [0, position) read but not yet decoded
    private final CharBuffer chars; // read mode: decoded, not yet handed out

    private boolean inputEnded; // the file has no more bytes
    private boolean endDecoded; // the decoder has seen the end of input
    private boolean flushed; // ... and has been flushed: no character will follow
    private boolean skipLF; // the last line ended at '\r': a '\n' next belongs to it
    private StringBuilder line; // the start of a line whose end is not yet decoded
    private Throwable error;

    TextSource(AsyncFile file, long position, Charset charset, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be positive: " + chunkSize);
        }
        this.file = file;
        this.position = position;
        this.chunkSize = chunkSize;
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        this.bytes = ByteBuffer.allocate(chunkSize + SLACK);
        int charCapacity = (int) Math.min(Integer.MAX_VALUE - 16,
                (long) Math.ceil((chunkSize + SLACK) * (double) decoder.maxCharsPerByte()));
        this.chars = CharBuffer.allocate(Math.max(16, charCapacity)).flip();
    }

    AsyncFile file() {
        return file;
    }

    /** Why a poll answered {@link #FAILED}: the decoding or I/O exception. */
    Throwable failure() {
        return error;
    }

    /**
     * The next line, without its terminator; or {@link #END}, {@link #NEED_INPUT} or {@link #FAILED}. A line cut by
     * a chunk boundary is kept and completed by the next polls.
     */
    Object pollLine() {
        while (true) {
            if (!chars.hasRemaining() && !decodeMore()) {
                if (error != null) {
                    return FAILED;
                }
                if (flushed) {
                    if (line != null) {
                        String last = line.toString();
                        line = null;
                        return last;
                    }
                    return END;
                }
                return NEED_INPUT;
            }
            char[] a = chars.array();
            int base = chars.arrayOffset();
            int p = chars.position();
            int limit = chars.limit();
            if (skipLF) {
                skipLF = false;
                if (a[base + p] == '\n') {
                    chars.position(p + 1);
                    continue;
                }
            }
            int i = p;
            while (i < limit) {
                char c = a[base + i];
                if (c == '\n' || c == '\r') {
                    break;
                }
                i++;
            }
            if (i == limit) {
                if (line == null) {
                    line = new StringBuilder(Math.max(80, 2 * (limit - p)));
                }
                line.append(a, base + p, limit - p);
                chars.position(limit);
                continue;
            }
            String result;
            if (line == null) {
                result = new String(a, base + p, i - p);
            } else {
                result = line.append(a, base + p, i - p).toString();
                line = null;
            }
            skipLF = a[base + i] == '\r';
            chars.position(i + 1);
            return result;
        }
    }

    /**
     * Without taking anything or doing I/O: {@link #END} if no line is left, {@link #FAILED} if the next poll
     * fails, null if that cannot be told without reading more.
     */
    Object peekEnd() {
        if (line != null || chars.hasRemaining()) {
            return null;
        }
        if (!decodeMore()) { // decodes what was read: may reach the end of input, never reads
            if (error != null) {
                return FAILED;
            }
            if (flushed) {
                return END;
            }
        }
        return null;
    }

    /**
     * Moves decoded characters into {@code dst}, as {@link java.io.Reader#read(CharBuffer)}.
     *
     * @return the number moved (0 if {@code dst} has no room), -1 at end of text, {@link #CHARS_NEED_INPUT} or
     *     {@link #CHARS_FAILED}
     */
    int pollChars(CharBuffer dst) {
        if (!dst.hasRemaining()) {
            return 0;
        }
        while (true) {
            if (!chars.hasRemaining() && !decodeMore()) {
                if (error != null) {
                    return CHARS_FAILED;
                }
                return flushed ? -1 : CHARS_NEED_INPUT;
            }
            int p = chars.position();
            if (skipLF) {
                skipLF = false;
                if (chars.get(p) == '\n') {
                    chars.position(p + 1);
                    continue;
                }
            }
            int n = Math.min(dst.remaining(), chars.remaining());
            dst.put(chars.array(), chars.arrayOffset() + p, n);
            chars.position(p + n);
            return n;
        }
    }

    /** Decodes what has been read into the (empty) character buffer; true if that produced characters. */
    private boolean decodeMore() {
        if (error != null || flushed) {
            return false;
        }
        chars.clear();
        bytes.flip();
        try {
            if (!endDecoded) {
                CoderResult result = decoder.decode(bytes, chars, inputEnded);
                if (result.isError()) {
                    try {
                        result.throwException();
                    } catch (CharacterCodingException e) {
                        error = e; // reported once the characters decoded before it are handed out
                    }
                } else if (result.isUnderflow() && inputEnded) {
                    endDecoded = true;
                }
            }
            if (endDecoded && decoder.flush(chars).isUnderflow()) {
                flushed = true;
            }
        } finally {
            bytes.compact();
            chars.flip();
        }
        return chars.hasRemaining();
    }

    /**
     * Runs {@code poll} (one of the poll methods, or a loop over them) until it answers something other than
     * {@link #NEED_INPUT}, reading a chunk before each retry; completes with that answer. Reads that complete at once
     * are handled in a loop, so a long line costs no stack.
     */
    CompletableFuture<Object> drive(Supplier<Object> poll) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        step(poll, result);
        return result;
    }

    private void step(Supplier<Object> poll, CompletableFuture<Object> result) {
        try {
            while (true) {
                Object answer = poll.get();
                if (answer != NEED_INPUT) {
                    result.complete(answer);
                    return;
                }
                CompletableFuture<Void> read = fill();
                if (!read.isDone()) {
                    read.whenComplete((v, e) -> step(poll, result));
                    return;
                }
            }
        } catch (Throwable e) {
            result.completeExceptionally(e);
        }
    }

    /**
     * Reads the next chunk into the byte buffer. Call only after a poll answered {@code NEED_INPUT}. The future
     * always completes normally; a failure is kept and reported by the next poll.
     */
    CompletableFuture<Void> fill() {
        if (!bytes.hasRemaining()) { // a character longer than the slack: make room
            ByteBuffer larger = ByteBuffer.allocate(bytes.capacity() * 2);
            bytes.flip();
            larger.put(bytes);
            bytes = larger;
        }
        int room = Math.min(chunkSize, bytes.remaining());
        ByteBuffer dst = bytes.slice(bytes.position(), room);
        // A pipe or FIFO has no positions: read what it has at its own position; only -1 means the end.
        boolean inOrder = file instanceof AsyncFileImpl && !((AsyncFileImpl) file).seekable();
        CompletableFuture<Integer> read;
        try {
            read = inOrder ? ((AsyncFileImpl) file).readInOrder(dst, false) : file.readFully(dst, position);
        } catch (Throwable e) {
            error = e;
            return CompletableFuture.completedFuture(null);
        }
        return read.handle((n, e) -> {
            if (e != null) {
                error = Failures.unwrap(e);
            } else if (n < 0) {
                inputEnded = true;
            } else {
                bytes.position(bytes.position() + n);
                position += n;
                if (n < room && !inOrder) { // readFully stops short only at end of file
                    inputEnded = true;
                }
            }
            return null;
        });
    }
}
