package io.ringfile.bench;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * What an {@link Engine} needs while it runs: for the Ringfile engines a {@link FileEngine} built with the
 * library's defaults (system properties {@code ringfile.bench.rings} and {@code ringfile.bench.inline} override
 * the ring count and inline completion, for experiments); nothing for the JDK channels, which use their own
 * defaults. Opens files and performs the whole-file operations of the small-files benchmark.
 */
final class EngineRuntime implements AutoCloseable {
    private final Engine engine;
    private final FileEngine ringfile;

    private final java.nio.file.FileSystem provided; // RINGFILE_PROVIDER's file system, else null

    private EngineRuntime(Engine engine, FileEngine ringfile) {
        this.engine = engine;
        this.ringfile = ringfile;
        this.provided = engine != Engine.RINGFILE_PROVIDER ? null
                : new io.ringfile.RingfileFileSystemProvider(java.nio.file.FileSystems.getDefault().provider(),
                        ringfile).getFileSystem(java.net.URI.create("file:///"));
    }

    /** {@code path} as the Ringfile provider's path, which the JDK's calls dispatch to that provider. */
    private Path provided(Path path) {
        return provided.getPath(path.toAbsolutePath().toString());
    }

    /**
     * Starts {@code engine}.
     *
     * @throws UnsupportedOperationException for {@code RINGFILE_IO_URING} where io_uring cannot run; the message
     *     says why
     */
    static EngineRuntime start(Engine engine) {
        switch (engine) {
            case RINGFILE_IO_URING:
                return new EngineRuntime(engine, ringfileEngine(FileEngine.Backend.IO_URING, false));
            case RINGFILE_IO_URING_INLINE:
                return new EngineRuntime(engine, ringfileEngine(FileEngine.Backend.IO_URING, true));
            case RINGFILE_NIO:
                return new EngineRuntime(engine, ringfileEngine(FileEngine.Backend.NIO, false));
            case RINGFILE_CHANNEL:
            case RINGFILE_PROVIDER:
                return new EngineRuntime(engine, ringfileEngine(FileEngine.Backend.IO_URING, false));
            default:
                return new EngineRuntime(engine, null);
        }
    }

    /**
     * {@code RINGFILE_IO_URING} or {@code RINGFILE_IO_URING_INLINE} with exactly {@code rings} rings, whatever the
     * machine's core count or {@code ringfile.bench.rings} says (the short report's "2 rings" target row).
     */
    static EngineRuntime withRings(Engine engine, int rings) {
        if (engine != Engine.RINGFILE_IO_URING && engine != Engine.RINGFILE_IO_URING_INLINE) {
            throw new IllegalArgumentException("not an io_uring Ringfile engine: " + engine);
        }
        FileEngine.Builder builder = FileEngine.builder().backend(FileEngine.Backend.IO_URING)
                .threadNamePrefix("bench-ringfile").rings(rings);
        if (engine == Engine.RINGFILE_IO_URING_INLINE) {
            builder.inlineCompletion(true);
        }
        return new EngineRuntime(engine, builder.build());
    }

    /** A Ringfile engine as an application would build it, with the experiment overrides applied. */
    static FileEngine ringfileEngine(FileEngine.Backend backend, boolean inline) {
        FileEngine.Builder builder = FileEngine.builder().backend(backend).threadNamePrefix("bench-ringfile")
                .metrics(!"false".equals(System.getProperty("ringfile.bench.metrics")));
        String rings = System.getProperty("ringfile.bench.rings");
        if (rings != null) {
            builder.rings(Integer.parseInt(rings));
        }
        if (inline || Boolean.getBoolean("ringfile.bench.inline")) {
            builder.inlineCompletion(true);
        }
        return builder.build();
    }

    Engine engine() {
        return engine;
    }

    /** The Ringfile engine, if this is one of the Ringfile engines. */
    Optional<FileEngine> ringfile() {
        return Optional.ofNullable(ringfile);
    }

    /** Opens {@code path} with {@code options} (READ, WRITE, CREATE, DIRECT...). */
    OpenFile open(Path path, Set<OpenOption> options) throws IOException {
        switch (engine) {
            case RINGFILE_IO_URING:
            case RINGFILE_IO_URING_INLINE:
            case RINGFILE_NIO:
                return new RingfileFile(join(ringfile.open(path, options)));
            case FILE_CHANNEL:
                return new ChannelFile(FileChannel.open(path, options));
            case RINGFILE_CHANNEL:
                return new ChannelFile(ringfile.newFileChannel(path, options));
            case RINGFILE_PROVIDER:
                return new ChannelFile(FileChannel.open(provided(path), options));
            case ASYNC_FILE_CHANNEL:
                return new AsyncChannelFile(AsynchronousFileChannel.open(path, options, null));
            default:
                throw new AssertionError(engine);
        }
    }

    /** {@code Files.readAllBytes} on this engine. */
    byte[] readAllBytes(Path path) throws IOException {
        switch (engine) {
            case RINGFILE_IO_URING:
            case RINGFILE_IO_URING_INLINE:
            case RINGFILE_NIO:
                return join(ringfile.readAllBytes(path));
            case FILE_CHANNEL:
                return Files.readAllBytes(path);
            case RINGFILE_PROVIDER:
                return Files.readAllBytes(provided(path));
            case RINGFILE_CHANNEL:
                throw new UnsupportedOperationException("whole-file reads of " + engine + ": use RINGFILE_PROVIDER");
            default:
                return readAllAsync(path);
        }
    }

    /** {@code Files.readString} (UTF-8) on this engine. */
    String readString(Path path) throws IOException {
        switch (engine) {
            case RINGFILE_IO_URING:
            case RINGFILE_IO_URING_INLINE:
            case RINGFILE_NIO:
                return join(ringfile.readString(path));
            case FILE_CHANNEL:
                return Files.readString(path);
            case RINGFILE_PROVIDER:
                return Files.readString(provided(path));
            case RINGFILE_CHANNEL:
                throw new UnsupportedOperationException("whole-file reads of " + engine + ": use RINGFILE_PROVIDER");
            default:
                return new String(readAllAsync(path), StandardCharsets.UTF_8);
        }
    }

    /** {@code Files.write} (CREATE, TRUNCATE_EXISTING, WRITE) on this engine. */
    void write(Path path, byte[] bytes) throws IOException {
        switch (engine) {
            case RINGFILE_IO_URING:
            case RINGFILE_IO_URING_INLINE:
            case RINGFILE_NIO:
                join(ringfile.write(path, bytes));
                return;
            case FILE_CHANNEL:
                Files.write(path, bytes);
                return;
            case RINGFILE_PROVIDER:
                Files.write(provided(path), bytes);
                return;
            case RINGFILE_CHANNEL:
                throw new UnsupportedOperationException("whole-file writes of " + engine + ": use RINGFILE_PROVIDER");
            default:
                writeAllAsync(path, bytes);
        }
    }

    /** What a caller of AsynchronousFileChannel writes by hand for readAllBytes: open, size, read loop, close. */
    private static byte[] readAllAsync(Path path) throws IOException {
        try (AsynchronousFileChannel channel = AsynchronousFileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining()) {
                int n = get(channel.read(buffer, buffer.position()));
                if (n < 0) {
                    break;
                }
            }
            return buffer.position() == size ? buffer.array() : java.util.Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    private static void writeAllAsync(Path path, byte[] bytes) throws IOException {
        try (AsynchronousFileChannel channel = AsynchronousFileChannel.open(path, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                get(channel.write(buffer, buffer.position()));
            }
        }
    }

    static <T> T join(java.util.concurrent.CompletableFuture<T> future) throws IOException {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw asIo(e.getCause());
        }
    }

    static <T> T get(Future<T> future) throws IOException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw asIo(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private static IOException asIo(Throwable cause) {
        if (cause instanceof IOException) {
            return (IOException) cause;
        }
        if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        return new IOException(cause);
    }

    @Override
    public void close() {
        if (ringfile != null) {
            ringfile.close();
        }
    }

    private static final class RingfileFile implements OpenFile {
        private final AsyncFile file;

        RingfileFile(AsyncFile file) {
            this.file = file;
        }

        @Override
        public boolean hasAsync() {
            return true;
        }

        @Override
        public void read(ByteBuffer dst, long position, Callback callback) {
            file.read(dst, position).whenComplete(callback);
        }

        @Override
        public void write(ByteBuffer src, long position, Callback callback) {
            file.write(src, position).whenComplete(callback);
        }

        @Override
        public void force(boolean metaData, Callback callback) {
            file.force(metaData).whenComplete(callback);
        }

        @Override
        public int readBlocking(ByteBuffer dst, long position) throws IOException {
            return join(file.read(dst, position));
        }

        @Override
        public int writeBlocking(ByteBuffer src, long position) throws IOException {
            return join(file.write(src, position));
        }

        @Override
        public void forceBlocking(boolean metaData) throws IOException {
            join(file.force(metaData));
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    private static final class ChannelFile implements OpenFile {
        private final FileChannel channel;

        ChannelFile(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public boolean hasAsync() {
            return false;
        }

        @Override
        public void read(ByteBuffer dst, long position, Callback callback) {
            throw new UnsupportedOperationException("FileChannel is driven by threads");
        }

        @Override
        public void write(ByteBuffer src, long position, Callback callback) {
            throw new UnsupportedOperationException("FileChannel is driven by threads");
        }

        @Override
        public void force(boolean metaData, Callback callback) {
            throw new UnsupportedOperationException("FileChannel is driven by threads");
        }

        @Override
        public int readBlocking(ByteBuffer dst, long position) throws IOException {
            return channel.read(dst, position);
        }

        @Override
        public int writeBlocking(ByteBuffer src, long position) throws IOException {
            return channel.write(src, position);
        }

        @Override
        public void forceBlocking(boolean metaData) throws IOException {
            channel.force(metaData);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class AsyncChannelFile implements OpenFile {
        private final AsynchronousFileChannel channel;

        AsyncChannelFile(AsynchronousFileChannel channel) {
            this.channel = channel;
        }

        @Override
        public boolean hasAsync() {
            return true;
        }

        @Override
        public void read(ByteBuffer dst, long position, Callback callback) {
            channel.read(dst, position, null, callback);
        }

        @Override
        public void write(ByteBuffer src, long position, Callback callback) {
            channel.write(src, position, null, callback);
        }

        /** AsynchronousFileChannel has no asynchronous force: like its users, call it on the completion thread. */
        @Override
        public void force(boolean metaData, Callback callback) {
            try {
                channel.force(metaData);
            } catch (IOException | RuntimeException e) {
                callback.done(0, e);
                return;
            }
            callback.done(0, null);
        }

        @Override
        public int readBlocking(ByteBuffer dst, long position) throws IOException {
            return get(channel.read(dst, position));
        }

        @Override
        public int writeBlocking(ByteBuffer src, long position) throws IOException {
            return get(channel.write(src, position));
        }

        @Override
        public void forceBlocking(boolean metaData) throws IOException {
            channel.force(metaData);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
