package io.ringfile.internal.text;

import io.ringfile.AsyncReader;
import io.ringfile.internal.EngineFuture;

import java.io.IOException;
import java.nio.CharBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** {@link AsyncReader} over a {@link TextSource}; calls run in order through a {@link SerialQueue}. */
final class BufferedTextReader implements AsyncReader {
    private final TextSource source;
    private final SerialQueue queue = new SerialQueue();

    BufferedTextReader(TextSource source) {
        this.source = source;
    }

    @Override
    public CompletableFuture<String> readLine() {
        return queue.submit(() -> source.drive(source::pollLine).thenCompose(answer -> {
            if (answer == TextSource.END) {
                return CompletableFuture.completedFuture(null);
            }
            if (answer == TextSource.FAILED) {
                return CompletableFuture.failedFuture(source.failure());
            }
            return CompletableFuture.completedFuture((String) answer);
        }));
    }

    @Override
    public CompletableFuture<Integer> read(CharBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only destination");
        }
        return queue.submit(() -> source.drive(() -> {
            int n = source.pollChars(dst);
            if (n == TextSource.CHARS_NEED_INPUT) {
                return TextSource.NEED_INPUT;
            }
            return n == TextSource.CHARS_FAILED ? TextSource.FAILED : (Object) n;
        }).thenCompose(answer -> answer == TextSource.FAILED
                ? CompletableFuture.failedFuture(source.failure())
                : CompletableFuture.completedFuture((Integer) answer)));
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return queue.submitLast(() -> source.file().closeAsync());
    }

    @Override
    public void close() throws IOException {
        EngineFuture.checkMayBlock("AsyncReader.close()");
        Failures.awaitClose(closeAsync());
    }

    @Override
    public String toString() {
        return "AsyncReader[" + source.file().path() + "]";
    }
}
