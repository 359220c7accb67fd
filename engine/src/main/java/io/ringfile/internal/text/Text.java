package io.ringfile.internal.text;

import io.ringfile.AsyncFile;
import io.ringfile.AsyncReader;
import io.ringfile.AsyncWriter;
import io.ringfile.FileEngine;
import io.ringfile.internal.EngineFuture;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Text, lines and byte streams over the public {@link FileEngine} / {@link AsyncFile} API (positional reads and
 * writes only), so they behave the same on every backend. The entry points {@code FileEngine} and
 * {@code AsyncFiles} delegate to.
 *
 * <p>Decoding is strict, as in {@code Files.readAllLines}: malformed input fails with
 * {@link java.nio.charset.MalformedInputException}, unmappable input with
 * {@link java.nio.charset.UnmappableCharacterException}. Lines end at {@code \n}, {@code \r\n} or a lone
 * {@code \r}, as in {@link java.io.BufferedReader}. Null arguments throw {@code NullPointerException} at once;
 * I/O failures (for example {@code NoSuchFileException}) fail the returned future or reach {@code onError}.
 */
public final class Text {
    /** Bytes read per chunk by readers and line publishers. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    /** Bytes a writer buffers before writing to the file. */
    public static final int DEFAULT_BUFFER_SIZE = 64 * 1024;

    private static final Set<OpenOption> DEFAULT_WRITE_OPTIONS = Set.of(
            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);

    private Text() {
    }

    // ---------------------------------------------------------------- whole files

    /** As {@link java.nio.file.Files#readAllLines(Path, Charset)}; the list is mutable, as the JDK's is. */
    public static CompletableFuture<List<String>> readAllLines(FileEngine engine, Path path, Charset charset) {
        return readAllLines(engine, path, charset, DEFAULT_CHUNK_SIZE);
    }

    /** As {@link #readAllLines(FileEngine, Path, Charset)}, reading {@code chunkSize} bytes at a time. */
    public static CompletableFuture<List<String>> readAllLines(FileEngine engine, Path path, Charset charset,
                                                               int chunkSize) {
        checkText(engine, path, charset);
        checkSize(chunkSize, "chunk size");
        return engine.open(path, StandardOpenOption.READ).thenCompose(file -> {
            List<String> lines = new ArrayList<>();
            TextSource source = new TextSource(file, 0, charset, chunkSize);
            CompletableFuture<Object> all = source.drive(() -> {
                while (true) {
                    Object answer = source.pollLine();
                    if (!(answer instanceof String)) {
                        return answer;
                    }
                    lines.add((String) answer);
                }
            });
            CompletableFuture<List<String>> result = new EngineFuture<>();
            all.whenComplete((answer, e) -> {
                Throwable error = e != null ? Failures.unwrap(e)
                        : answer == TextSource.FAILED ? source.failure() : null;
                Failures.guard(file::closeAsync).whenComplete((v, closeError) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else if (closeError != null) {
                        result.completeExceptionally(Failures.unwrap(closeError));
                    } else {
                        result.complete(lines);
                    }
                });
            });
            return result;
        });
    }

    // ---------------------------------------------------------------- lines with backpressure

    /**
     * The lines of a file as a cold {@link Flow.Publisher}: every subscription opens the file (a failure to open
     * reaches {@code onError}, for example {@code NoSuchFileException}), reads it in chunks of
     * {@link #DEFAULT_CHUNK_SIZE} bytes only while the subscriber has unmet demand, and closes it before
     * {@code onComplete} or {@code onError}, or when cancelled. Memory per subscription stays one chunk plus the
     * current line whatever the file size. Signals follow {@link java.util.concurrent.Flow}'s rules: no more
     * {@code onNext} than requested, {@code request(n <= 0)} ends with {@code IllegalArgumentException} through
     * {@code onError}, one terminal signal. A decoding error reaches {@code onError} after the lines before it.
     * {@code onComplete} comes without further demand when the end of the file has already been read; otherwise
     * it needs one more request after the last line (the end is found by a read, and nothing is read without
     * demand): keep requesting until {@code onComplete}. Signals arrive on the thread that calls {@code request} when the line is already decoded, otherwise on the
     * thread that completes the read (the engine's completion executor, or an I/O thread with inline completion).
     */
    public static Flow.Publisher<String> lines(FileEngine engine, Path path, Charset charset) {
        return lines(engine, path, charset, DEFAULT_CHUNK_SIZE);
    }

    /** As {@link #lines(FileEngine, Path, Charset)}, reading {@code chunkSize} bytes at a time. */
    public static Flow.Publisher<String> lines(FileEngine engine, Path path, Charset charset, int chunkSize) {
        checkText(engine, path, charset);
        checkSize(chunkSize, "chunk size");
        return new LinePublisher(engine, path, charset, chunkSize);
    }

    // ---------------------------------------------------------------- reader and writer

    /**
     * As {@link java.nio.file.Files#newBufferedReader(Path, Charset)}: opens the file for reading; the future
     * fails as the open does.
     */
    public static CompletableFuture<AsyncReader> newBufferedReader(FileEngine engine, Path path, Charset charset) {
        return newBufferedReader(engine, path, charset, DEFAULT_CHUNK_SIZE);
    }

    /** As {@link #newBufferedReader(FileEngine, Path, Charset)}, reading {@code chunkSize} bytes at a time. */
    public static CompletableFuture<AsyncReader> newBufferedReader(FileEngine engine, Path path, Charset charset,
                                                                   int chunkSize) {
        checkText(engine, path, charset);
        checkSize(chunkSize, "chunk size");
        return engine.open(path, StandardOpenOption.READ)
                .thenApply(file -> new BufferedTextReader(new TextSource(file, 0, charset, chunkSize)));
    }

    /** A reader of an already open file from {@code position} on; closing the reader closes the file. */
    public static AsyncReader newReader(AsyncFile file, long position, Charset charset, int chunkSize) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(charset, "charset");
        checkPosition(position);
        checkSize(chunkSize, "chunk size");
        return new BufferedTextReader(new TextSource(file, position, charset, chunkSize));
    }

    /**
     * As {@link java.nio.file.Files#newBufferedWriter(Path, Charset, OpenOption...)}: with no options CREATE,
     * TRUNCATE_EXISTING and WRITE; otherwise the options given plus WRITE. With APPEND the writer starts at the
     * file's size. The future fails as the open does.
     *
     * @throws IllegalArgumentException at once if the options contain READ
     */
    public static CompletableFuture<AsyncWriter> newBufferedWriter(FileEngine engine, Path path, Charset charset,
                                                                   OpenOption... options) {
        return newBufferedWriter(engine, path, charset, DEFAULT_BUFFER_SIZE, options);
    }

    /** As {@link #newBufferedWriter(FileEngine, Path, Charset, OpenOption...)} with a buffer of {@code bufferSize}. */
    public static CompletableFuture<AsyncWriter> newBufferedWriter(FileEngine engine, Path path, Charset charset,
                                                                   int bufferSize, OpenOption... options) {
        checkText(engine, path, charset);
        checkSize(bufferSize, "buffer size");
        Set<OpenOption> opts;
        if (options.length == 0) {
            opts = DEFAULT_WRITE_OPTIONS;
        } else {
            opts = new HashSet<>();
            for (OpenOption option : options) { // READ anywhere wins over a null element, as in Files
                if (option == StandardOpenOption.READ) {
                    throw new IllegalArgumentException("READ not allowed");
                }
                opts.add(option);
            }
            if (opts.contains(null)) {
                throw new NullPointerException("option");
            }
            opts.add(StandardOpenOption.WRITE);
            opts = Collections.unmodifiableSet(opts);
        }
        boolean append = opts.contains(StandardOpenOption.APPEND);
        return engine.open(path, opts).thenCompose(file -> {
            if (!append) {
                return CompletableFuture.completedFuture(new BufferedTextWriter(file, 0, charset, bufferSize));
            }
            return Failures.guard(file::size).handle((size, e) -> {
                if (e != null) {
                    file.closeAsync();
                    return CompletableFuture.<AsyncWriter>failedFuture(Failures.unwrap(e));
                }
                return CompletableFuture.<AsyncWriter>completedFuture(
                        new BufferedTextWriter(file, size, charset, bufferSize));
            }).thenCompose(f -> f);
        });
    }

    /** A writer to an already open file from {@code position} on; closing the writer closes the file. */
    public static AsyncWriter newWriter(AsyncFile file, long position, Charset charset, int bufferSize) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(charset, "charset");
        checkPosition(position);
        checkSize(bufferSize, "buffer size");
        return new BufferedTextWriter(file, position, charset, bufferSize);
    }

    // ---------------------------------------------------------------- byte streams

    /**
     * The bytes of {@code file} from {@code position} to its end as a cold {@link Flow.Publisher}: each
     * subscription reads on its own, one chunk per item requested and never ahead of demand. Each item is a new
     * heap buffer (position 0, limit the bytes read) that the subscriber owns: {@code chunkSize} bytes, except
     * the last which may be shorter. As for lines, the end is found by a read: {@code onComplete} comes without
     * demand after a short last chunk, otherwise on the next request. The file stays open
     * (it belongs to the caller); read errors reach {@code onError}. A file already closed when a subscriber
     * subscribes fails that subscription at once, without demand, with {@code ClosedChannelException}.
     *
     * @throws IllegalArgumentException if {@code position} is negative or {@code chunkSize} not positive
     */
    public static Flow.Publisher<ByteBuffer> bytes(AsyncFile file, long position, int chunkSize) {
        Objects.requireNonNull(file, "file");
        checkPosition(position);
        checkSize(chunkSize, "chunk size");
        return new BytePublisher(file, position, chunkSize);
    }

    /** See {@link FileSubscriber#writingTo(AsyncFile, long)}. */
    public static FileSubscriber writingTo(AsyncFile file, long position) {
        return FileSubscriber.writingTo(file, position);
    }

    // ---------------------------------------------------------------- argument checks

    private static void checkText(FileEngine engine, Path path, Charset charset) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(charset, "charset");
    }

    private static void checkSize(int size, String what) {
        if (size < 1) {
            throw new IllegalArgumentException(what + " must be positive: " + size);
        }
    }

    private static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position: " + position);
        }
    }
}
