package io.ringfile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The subscriber behind {@link AsyncFile#writeAll(Flow.Publisher, long)}, obtained the way a user's publisher gets
 * it: {@code writeAll} is called with a publisher that only keeps the subscriber it is given, so the TCK drives the
 * very instance (and the very future) {@code writeAll} set up. One engine and directory per TCK class; the files of a
 * test are closed after it.
 */
final class WriteAllSubscriberTckSupport {
    /** The subscriber writeAll subscribed, and the future writeAll returned for it. */
    static final class Sink {
        final Flow.Subscriber<ByteBuffer> subscriber;
        final CompletableFuture<Long> written;

        Sink(Flow.Subscriber<ByteBuffer> subscriber, CompletableFuture<Long> written) {
            this.subscriber = subscriber;
            this.written = written;
        }
    }

    private final FileEngine.Backend backend;
    private FileEngine engine;
    private Path dir;
    private int files;
    private final List<AsyncFile> open = new ArrayList<>();

    WriteAllSubscriberTckSupport(FileEngine.Backend backend) {
        this.backend = backend;
    }

    void start(Class<?> testClass) {
        engine = TckSupport.startEngine(backend, testClass);
        dir = TckSupport.tempDirectory("ringfile-tck-write-all");
    }

    /** A new file, and the subscriber {@code writeAll} subscribes to write to it from position 0. */
    Sink newSink() {
        AsyncFile file = TckSupport.await(engine.open(dir.resolve("sink-" + (files++)), CREATE_NEW, WRITE));
        synchronized (open) {
            open.add(file);
        }
        AtomicReference<Flow.Subscriber<? super ByteBuffer>> given = new AtomicReference<>();
        Flow.Publisher<ByteBuffer> keepSubscriber = given::set;
        CompletableFuture<Long> written = file.writeAll(keepSubscriber, 0);
        @SuppressWarnings("unchecked") // writeAll's subscriber takes any ByteBuffer: Subscriber<? super ByteBuffer>
        Flow.Subscriber<ByteBuffer> subscriber = (Flow.Subscriber<ByteBuffer>) given.get();
        if (subscriber == null) {
            throw new AssertionError("writeAll did not subscribe to the publisher it was given");
        }
        return new Sink(subscriber, written);
    }

    /** The TCK's element {@code i}: a small heap buffer of text. */
    static ByteBuffer element(int i) {
        return ByteBuffer.wrap(("element " + i + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    void closeFiles() {
        List<AsyncFile> files;
        synchronized (open) {
            files = new ArrayList<>(open);
            open.clear();
        }
        for (AsyncFile file : files) {
            TckSupport.await(file.closeAsync());
        }
    }

    void stop() throws IOException {
        closeFiles();
        if (engine != null) {
            engine.close();
        }
        TckSupport.deleteRecursively(dir);
    }
}
