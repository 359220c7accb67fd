package io.ringfile.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.ringfile.AsyncFile;
import io.ringfile.AsyncReader;
import io.ringfile.AsyncWriter;
import io.ringfile.EngineMetrics;
import io.ringfile.FileEngine;
import io.ringfile.TempDirectory;
import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.backend.PlatformPaths;
import io.ringfile.internal.channels.RingfileAsynchronousFileChannel;
import io.ringfile.internal.channels.RingfileFileChannel;
import io.ringfile.internal.nio.NioBackend;
import io.ringfile.internal.text.Text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The engine behind {@link FileEngine}: one primary backend for file I/O, plus an NIO pool for what the primary
 * cannot do (paths of other file-system providers, blocking extras). Whole-file operations are built here, once,
 * on top of the backend contract, so every backend behaves the same.
 */
public final class EngineImpl implements FileEngine {
    private static final FileAttribute<?>[] NO_ATTRIBUTES = {};
    private static final int MAX_ARRAY_SIZE = Integer.MAX_VALUE - 8;

    private final FileBackend primary;
    private final NioBackend pool;
    private final Backend backend;
    private final Optional<String> fallbackReason;
    private final Executor completer;
    /** The group whose loops the engine shares (see FileEngine.Builder#eventLoopGroup), or null. */
    private final EventLoopGroup sharedGroup;
    private final long shutdownMillis;
    /** See {@link FileEngine.Builder#writesOnCallerThread(boolean)}. */
    private final boolean writesOnCallerThread;
    /** Each operation's deadline by default, in nanoseconds; 0 for none. */
    private final long timeoutNanos;
    private final Deadlines deadlines;
    private final Set<AsyncFileImpl> openFiles = ConcurrentHashMap.newKeySet();
    private final PathOps paths;
    private final String name;
    /** Counts and latencies (unless the builder turned them off), and the engine's JFR events. */
    private final Metrics metrics;
    /** The bound on operations under way. */
    private final Admission admission;
    /** Ends the engine's periodic JFR statistics. */
    private final Runnable unwatch;
    /** {@link #primary} and {@link #pool} as {@link #backendFor} hands them out: admitted, and counted. */
    private final FileBackend primaryView;
    private final FileBackend poolView;
    private volatile boolean closed;
    private CompletableFuture<Void> terminated;

    private EngineImpl(EngineSettings settings, FileBackend primary, NioBackend pool, Backend backend,
                       String fallbackReason) {
        boolean metricsOn = settings.metrics();
        Executor completer = settings.completer();
        EventLoopGroup sharedGroup = settings.group();
        long shutdownMillis = settings.shutdownMillis();
        this.name = settings.name();
        this.metrics = new Metrics(name, backend.name().toLowerCase(java.util.Locale.ROOT), metricsOn);
        this.admission = new Admission(name, settings.maxInFlight(), settings.maxQueued());
        this.metrics.admission = admission;
        this.timeoutNanos = settings.timeoutNanos();
        this.deadlines = new Deadlines(name, settings.threadPrefix(), settings.threads());
        this.primaryView = new AccountedBackend(primary, admission, metrics, deadlines, timeoutNanos);
        this.poolView = primary == pool ? primaryView
                : new AccountedBackend(pool, admission, metrics, deadlines, timeoutNanos);
        this.primary = primary;
        this.pool = pool;
        this.backend = backend;
        this.fallbackReason = Optional.ofNullable(fallbackReason);
        this.completer = completer;
        this.sharedGroup = sharedGroup;
        this.shutdownMillis = shutdownMillis;
        this.writesOnCallerThread = settings.callerWrites();
        this.paths = new PathOps(this, pool);
        this.unwatch = Jfr.watch(this::metrics);
    }

    /** Starts an engine with {@code settings}, as {@link FileEngine.Builder#build()} describes. */
    public static FileEngine start(EngineSettings settings) {
        NioBackend pool = new NioBackend(settings.nioThreads(), settings.threadPrefix() + "-nio", settings.threads());
        BackendSelection.Choice choice = BackendSelection.choose(settings, pool);
        EventLoopGroup group = settings.group();
        int rings = settings.rings();
        BackendSelection.log(settings.name(), choice, group != null && choice.fallbackReason == null
                ? "on the shared event loops" : rings + (rings == 1 ? " ring" : " rings") + " of "
                + settings.ringSize() + " entries on threads of its own");
        FileBackend primary = choice.backend != null ? choice.backend : pool;
        Backend running = choice.backend != null ? Backend.IO_URING : Backend.NIO;
        if (group != null) {
            io.ringfile.internal.uring.RingThreads.markLoops(group); // their futures complete there, whatever runs I/O
        }
        return new EngineImpl(settings, primary, pool, running, choice.fallbackReason);
    }

    /**
     * Where the futures of the calling thread's operations complete: its own event loop when it is one of the
     * shared group's (right there when the outcome arrives on that loop, else by a task on it), else the completion
     * executor; null for inline completion.
     */
    Executor completer() {
        if (sharedGroup != null && completer != null) {
            EventExecutor loop = io.ringfile.internal.uring.RingThreads.currentLoop();
            if (loop != null && loop.parent() == sharedGroup) {
                return loop;
            }
        }
        return completer;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public Optional<String> fallbackReason() {
        return fallbackReason;
    }

    /**
     * Refuses a blocking call on a ring thread (of any engine): the ring could never deliver the completion it would
     * wait for. (Only reachable from code run with inline completion.)
     */
    static void checkMayBlock(String what) {
        io.ringfile.internal.uring.RingThreads.checkMayBlock(what);
    }

    /**
     * The primary backend for paths the kernel can open by name (see {@link PlatformPaths#isLocal}), else the pool;
     * its opens and path operations are counted when metrics are on.
     */
    FileBackend backendFor(Path path) {
        return PlatformPaths.isLocal(path) ? primaryView : poolView;
    }

    /** Whether {@code backend}, from {@link #backendFor}, is the NIO pool. */
    boolean isPool(FileBackend backend) {
        return backend == poolView || backend == pool;
    }

    /** Runs {@code call} (a {@code Files} method, {@code operation}) on the pool, admitted and counted as {@code kind}. */
    <T> CompletableFuture<T> poolCall(int kind, Path path, String operation,
                                      NioBackend.BlockingCall<T> call) {
        return AccountedBackend.accounted(admission, metrics, deadlines, timeoutNanos, kind, path, operation,
                () -> pool.call(path, call));
    }

    /** The engine's operation deadlines. */
    Deadlines deadlines() {
        return deadlines;
    }

    /** The engine's bound on operations under way: for ops to take their place in. */
    Admission admission() {
        return admission;
    }

    /** The engine's counters and events: for ops to count themselves. */
    Metrics recorder() {
        return metrics;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public EngineMetrics metrics() {
        List<EngineMetrics.RingMetrics> rings = primary instanceof io.ringfile.internal.uring.UringBackend
                ? ((io.ringfile.internal.uring.UringBackend) primary).ringMetrics() : List.of();
        EngineMetrics.PoolMetrics poolNow = new EngineMetrics.PoolMetrics(pool.queuedTasks(), pool.activeThreads(),
                pool.threads());
        return Metrics.snapshot(metrics, name, backend, fallbackReason, rings, poolNow, admission.underWay(),
                admission.rejected());
    }

    // ---- open

    @Override
    public CompletableFuture<AsyncFile> open(Path path, OpenOption... options) {
        Objects.requireNonNull(options, "options");
        return open(path, Arrays.asList(options), NO_ATTRIBUTES);
    }

    @Override
    public CompletableFuture<AsyncFile> open(Path path, Set<? extends OpenOption> options,
                                             FileAttribute<?>... attributes) {
        Objects.requireNonNull(options, "options");
        return open(path, (Collection<? extends OpenOption>) options, attributes);
    }

    /** Both open methods: {@code options} as given (a set, or the array's list, duplicates allowed). */
    private CompletableFuture<AsyncFile> open(Path path, Collection<? extends OpenOption> options,
                                              FileAttribute<?>[] attributes) {
        long fileTimeout = timeoutNanos;
        boolean regularFileOnly = false;
        boolean noSymlinks = false;
        Collection<? extends OpenOption> rest = options;
        for (OpenOption option : options) {
            if (option instanceof io.ringfile.OperationTimeout) {
                fileTimeout = ((io.ringfile.OperationTimeout) option).duration().toNanos();
            } else if (option == io.ringfile.RingfileOpenOption.REGULAR_FILE_ONLY) {
                regularFileOnly = true;
            } else if (option == io.ringfile.RingfileOpenOption.NO_SYMLINKS) {
                noSymlinks = true;
            } else {
                continue;
            }
            if (rest == options) {
                List<OpenOption> without = new ArrayList<>(options.size()); // once per open: no HashSet
                for (OpenOption o : options) {
                    if (!(o instanceof io.ringfile.OperationTimeout || o instanceof io.ringfile.RingfileOpenOption)) {
                        without.add(o);
                    }
                }
                rest = without;
            }
        }
        long timeout = fileTimeout;
        OpenSpec spec = OpenSpec.of(path, rest, attributes);
        if (regularFileOnly) {
            spec = spec.withRegularFileOnly();
        }
        if (noSymlinks) {
            spec = spec.withNoSymlinks();
        }
        CompletableFuture<AsyncFileImpl> opening;
        try {
            FileBackend.WholeRead here = openHere(spec);
            if (here != null && here.file() != null) {
                AsyncFileImpl file = registered(here.file(), spec);
                file.timeoutNanos(timeout);
                return EngineFuture.completedHere(file);
            }
            opening = openAfter(here, spec);
        } catch (IOException | RuntimeException e) {
            return EngineFuture.failed(e);
        }
        CompletableFuture<AsyncFile> result = new EngineFuture<>();
        Executor to = completer();
        opening.whenComplete((file, error) -> deliver(to, () -> {
            if (file != null) {
                file.timeoutNanos(timeout);
            }
            if (error != null) {
                result.completeExceptionally(unwrap(error));
            } else if (!result.complete(file)) {
                file.closeAsync(null); // the caller cancelled: nobody else will close it
            }
        }));
        return result;
    }

    /**
     * A caller's read-only open of a regular file on its own thread, where the backend can make it without waiting
     * (see {@link FileBackend#openCachedOnCallerThread}); null where the caller opens the usual way. The future then
     * comes back complete, as for {@link #readAllBytes}.
     */
    private FileBackend.WholeRead openHere(OpenSpec spec) throws IOException {
        if (closed || !spec.read() || spec.write() || spec.append() || spec.create() || spec.createNew()
                || spec.truncate() || spec.deleteOnClose() || spec.direct() || !CallerStack.mayCompleteHere()) {
            return null;
        }
        return backendFor(spec.path()).openCachedOnCallerThread(spec);
    }

    /**
     * The file a caller's-thread attempt left to be read the usual way: the one it opened, else one opened the usual
     * way, after which what the attempt held is let go (see {@link FileBackend.WholeRead#heldUntilOpened}).
     */
    private CompletableFuture<AsyncFileImpl> openAfter(FileBackend.WholeRead here, OpenSpec spec) {
        if (here != null && here.file() != null) {
            return CompletableFuture.completedFuture(registered(here.file(), spec));
        }
        CompletableFuture<AsyncFileImpl> opened = openInternal(spec);
        if (here != null && here.held() != null) {
            opened.whenComplete((file, error) -> here.held().run());
        }
        return opened;
    }

    /**
     * Opens without the completion hop; internal steps continue on the backend thread. With APPEND the cursor
     * starts at the end of the file.
     */
    CompletableFuture<AsyncFileImpl> openInternal(OpenSpec spec) {
        return openInternal(spec, true);
    }

    /** As {@link #openInternal(OpenSpec)}; without {@code cursorAtEnd} an APPEND file's cursor is left at 0. */
    private CompletableFuture<AsyncFileImpl> openInternal(OpenSpec spec, boolean cursorAtEnd) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedFileSystemException());
        }
        CompletableFuture<AsyncFileImpl> opened = backendFor(spec.path()).open(spec)
                .thenApply(backendFile -> registered(backendFile, spec));
        if (!spec.append() || !cursorAtEnd) {
            return opened;
        }
        return opened.thenCompose(file -> file.size(null).handle((size, error) -> {
            if (error != null) {
                file.closeAsync(null);
                throw new CompletionException(unwrap(error));
            }
            file.initialPosition(size);
            return file;
        }));
    }

    // ---- channels

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
            throws IOException {
        OpenSpec spec = OpenSpec.of(path, options, attributes);
        return new RingfileFileChannel(openNow(spec, "FileEngine.newFileChannel"), spec, true);
    }

    @Override
    public FileChannel newFileChannel(Path path, OpenOption... options) throws IOException {
        return newFileChannel(path, optionSet(options));
    }

    /**
     * The channel of an input or output stream: as {@link #newFileChannel}, but an interrupt neither closes nor
     * stops it, as the JDK makes the channels of {@code Files.newInputStream} and {@code Files.newOutputStream}.
     */
    public FileChannel newStreamChannel(Path path, Set<? extends OpenOption> options) throws IOException {
        OpenSpec spec = OpenSpec.of(path, options);
        return new RingfileFileChannel(openNow(spec, "FileEngine.newFileChannel"), spec, false);
    }

    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
                                                              ExecutorService executor,
                                                              FileAttribute<?>... attributes) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        if (options.contains(StandardOpenOption.APPEND)) { // as the JDK: after every option is known, before I/O
            Set<OpenOption> others = new HashSet<>(options);
            others.remove(StandardOpenOption.APPEND);
            OpenSpec.of(path, others, attributes);
            throw new UnsupportedOperationException("APPEND not allowed");
        }
        OpenSpec spec = OpenSpec.of(path, options, attributes);
        return new RingfileAsynchronousFileChannel(openNow(spec, "FileEngine.newAsynchronousFileChannel"), executor);
    }

    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(Path path, OpenOption... options) throws IOException {
        return newAsynchronousFileChannel(path, optionSet(options), null);
    }

    /** As FileChannel.open(Path, OpenOption...) makes its set: a null array or element fails as there. */
    private static Set<OpenOption> optionSet(OpenOption... options) {
        Set<OpenOption> set = new HashSet<>();
        java.util.Collections.addAll(set, options);
        return set;
    }

    /** {@code backendFile}, newly opened, as a file of this engine. */
    private AsyncFileImpl registered(BackendFile backendFile, OpenSpec spec) {
        AsyncFileImpl file = new AsyncFileImpl(this, backendFile, spec);
        file.timeoutNanos(timeoutNanos);
        openFiles.add(file);
        if (closed) { // raced with close(), which may not have seen this file
            file.closeAsync(null);
            throw new ClosedFileSystemException();
        }
        return file;
    }

    /**
     * Opens for a blocking caller: waits for the open (an interrupt does not end the wait, as it does not end
     * {@code FileChannel.open}) and throws what it failed with. A platform thread opens on its own thread where the
     * backend can ({@link io.ringfile.internal.backend.FileBackend#openOnCallerThread}); a virtual thread parks
     * while a backend thread opens.
     */
    private AsyncFileImpl openNow(OpenSpec spec, String call) throws IOException {
        checkMayBlock(call + "()");
        if (closed) {
            throw new ClosedFileSystemException();
        }
        if (!VirtualThreads.isVirtual(Thread.currentThread())) {
            BackendFile here = backendFor(spec.path()).openOnCallerThread(spec);
            if (here != null) {
                return registered(here, spec);
            }
        }
        try {
            return openInternal(spec, false).join();
        } catch (CompletionException e) {
            Throwable error = unwrap(e);
            if (error instanceof IOException) {
                throw (IOException) error;
            }
            if (error instanceof RuntimeException) {
                throw (RuntimeException) error;
            }
            if (error instanceof Error) {
                throw (Error) error;
            }
            throw new IOException(error);
        }
    }

    void forget(AsyncFileImpl file) {
        openFiles.remove(file);
    }

    // ---- whole-file operations

    /** The largest file a whole-file read, and the most bytes a read, makes on the caller's thread (a copy). */
    static final int CALLER_READ_LIMIT = 1 << 20;
    /** The most bytes a positional write makes on the caller's thread (see {@link AsyncFileImpl}'s writeHere). */
    static final int CALLER_WRITE_LIMIT = 1 << 20;

    /** Whether positional writes may be made on callers' threads that may wait (the builder's setting). */
    boolean writesOnCallerThread() {
        return writesOnCallerThread;
    }

    @Override
    public CompletableFuture<byte[]> readAllBytes(Path path) {
        OpenSpec spec = OpenSpec.of(path, Set.of(StandardOpenOption.READ));
        CompletableFuture<AsyncFileImpl> opened;
        try {
            FileBackend.WholeRead here = readAllHere(spec);
            if (here != null && here.bytes() != null) {
                return EngineFuture.completed(here.bytes());
            }
            opened = openAfter(here, spec);
        } catch (IOException | RuntimeException e) {
            return EngineFuture.failed(e);
        }
        return deliver(withFile(opened, EngineImpl::readAll));
    }

    /**
     * A whole-file read on the caller's thread, where the backend can make one without waiting for a device (see
     * {@link FileBackend#readAllOnCallerThread}): the bytes, or the file opened there to read the usual way, or null
     * to open the usual way. The future then comes back complete, as a cache would hand it back; {@link CallerStack}
     * keeps a recursive chain of such stages from growing the stack without bound.
     */
    private FileBackend.WholeRead readAllHere(OpenSpec spec) throws IOException {
        if (closed || !CallerStack.mayCompleteHere()) {
            return null;
        }
        return backendFor(spec.path()).readAllOnCallerThread(spec, CALLER_READ_LIMIT);
    }

    private static CompletableFuture<byte[]> readAll(AsyncFileImpl file) {
        if (!file.seekable()) {
            return readInOrder(file, new byte[8192], 0);
        }
        long known = file.sizeAtOpen();
        if (known >= 0) { // no stat of its own: the open learnt the size
            return readSized(file, known);
        }
        return file.size(null).thenCompose(size -> readSized(file, size));
    }

    /**
     * Reads {@code size} bytes and, in the same round trip, one byte past them: only if that byte is there has the
     * file grown, and only then does the read go on (where Files.readAllBytes makes one more read every time).
     */
    private static CompletableFuture<byte[]> readSized(AsyncFileImpl file, long size) {
        if (size > MAX_ARRAY_SIZE) {
            throw new OutOfMemoryError("Required array size too large");
        }
        byte[] array = new byte[(int) size];
        if (array.length == 0) { // empty, or a file whose size says nothing (as in /proc): read until end of file
            return readGrowth(file, array);
        }
        CompletableFuture<Integer> body = Chunks.read(file, array, 0, array.length, 0);
        CompletableFuture<Integer> past = file.read(ByteBuffer.allocate(1), size, false, null);
        return body.thenCombine(past, (n, more) -> n).thenCompose(n -> {
            if (n < array.length) { // it shrank
                return CompletableFuture.completedFuture(Arrays.copyOf(array, n));
            }
            return past.join() > 0 ? readGrowth(file, array) : CompletableFuture.completedFuture(array);
        });
    }

    /** The file may have grown since its size was read: keep reading until end of file, as Files does. */
    private static CompletableFuture<byte[]> readGrowth(AsyncFileImpl file, byte[] array) {
        int probe = (int) Math.min(Math.max(8192, Math.min(Chunks.CHUNK, array.length)),
                (long) MAX_ARRAY_SIZE - array.length);
        if (probe <= 0) {
            return CompletableFuture.failedFuture(new OutOfMemoryError("Required array size too large"));
        }
        byte[] grown = Arrays.copyOf(array, array.length + probe);
        return Chunks.read(file, grown, array.length, probe, array.length).thenCompose(n ->
                n < probe ? CompletableFuture.completedFuture(Arrays.copyOf(grown, array.length + n))
                        : readGrowth(file, grown));
    }

    /**
     * An unseekable file (a FIFO, say) has no size to go by and no positions: read it in order until end of file,
     * into {@code array} from {@code filled} on, growing it as Files.readAllBytes grows its buffer.
     */
    private static CompletableFuture<byte[]> readInOrder(AsyncFileImpl file, byte[] array, int filled) {
        int room = array.length - filled;
        return file.readInOrder(ByteBuffer.wrap(array, filled, room), true, null).thenCompose(n -> {
            if (n < room) { // a full read stops short only at end of file
                return CompletableFuture.completedFuture(Arrays.copyOf(array, filled + Math.max(n, 0)));
            }
            if (array.length >= MAX_ARRAY_SIZE) {
                throw new OutOfMemoryError("Required array size too large");
            }
            int grown = (int) Math.min(MAX_ARRAY_SIZE, Math.max(8192L, 2L * array.length));
            return readInOrder(file, Arrays.copyOf(array, grown), array.length);
        });
    }

    @Override
    public CompletableFuture<String> readString(Path path) {
        return readString(path, StandardCharsets.UTF_8);
    }

    @Override
    public CompletableFuture<String> readString(Path path, Charset charset) {
        Objects.requireNonNull(charset, "charset");
        OpenSpec spec = OpenSpec.of(path, Set.of(StandardOpenOption.READ));
        CompletableFuture<AsyncFileImpl> opened;
        try {
            FileBackend.WholeRead here = readAllHere(spec);
            if (here != null && here.bytes() != null) {
                return EngineFuture.completed(decode(here.bytes(), charset));
            }
            opened = openAfter(here, spec);
        } catch (CompletionException e) { // the decoder's
            return EngineFuture.failed(e.getCause());
        } catch (IOException | RuntimeException e) {
            return EngineFuture.failed(e);
        }
        CompletableFuture<byte[]> bytes = withFile(opened, EngineImpl::readAll);
        // Decoding can be long: it runs on the completion executor, not on an I/O thread.
        Executor to = completer();
        return to == null || to instanceof EventExecutor ? deliver(bytes.thenApply(b -> decode(b, charset)))
                : bytes.thenApplyAsync(b -> decode(b, charset), to);
    }

    private static String decode(byte[] bytes, Charset charset) {
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CompletionException(e);
        }
    }

    @Override
    public CompletableFuture<Path> write(Path path, byte[] bytes, OpenOption... options) {
        Objects.requireNonNull(bytes, "bytes"); // in the order Files.write checks them
        Objects.requireNonNull(path, "path");
        OpenSpec spec = OpenSpec.of(path, writeOptions(options));
        return deliver(withFile(openInternal(spec), file -> (file.seekable()
                ? Chunks.write(file, bytes, 0, bytes.length, 0, spec.append())
                : file.writeInOrder(ByteBuffer.wrap(bytes), null)).thenApply(n -> path)));
    }

    /**
     * As Files.newOutputStream: CREATE, TRUNCATE_EXISTING, WRITE when none are given; WRITE always; no READ. As
     * there, READ anywhere in the options is reported before a null element (OpenSpec rejects that one).
     */
    private static Set<OpenOption> writeOptions(OpenOption... options) {
        Objects.requireNonNull(options, "options");
        Set<OpenOption> set = new HashSet<>();
        if (options.length == 0) {
            set.add(StandardOpenOption.CREATE);
            set.add(StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            for (OpenOption option : options) {
                if (option == StandardOpenOption.READ) {
                    throw new IllegalArgumentException("READ not allowed");
                }
                set.add(option);
            }
        }
        set.add(StandardOpenOption.WRITE);
        return set;
    }

    @Override
    public CompletableFuture<Path> writeString(Path path, CharSequence text, OpenOption... options) {
        return writeString(path, text, StandardCharsets.UTF_8, options);
    }

    @Override
    public CompletableFuture<Path> writeString(Path path, CharSequence text, Charset charset, OpenOption... options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(charset, "charset");
        byte[] bytes;
        try {
            bytes = encode(text, charset);
        } catch (CharacterCodingException e) {
            return CompletableFuture.failedFuture(e);
        }
        return write(path, bytes, options);
    }

    /**
     * Encodes strictly, failing as Files.writeString fails: with the charset's encoder, except that the JDK's own
     * encoding of UTF-8 and ISO-8859-1 (which Files.writeString uses) reports every failure, an unpaired surrogate
     * included, as {@code UnmappableCharacterException} of length 1. Checked against Files.writeString for every
     * charset of JDK 17 and 25.
     */
    private static byte[] encode(CharSequence text, Charset charset) throws CharacterCodingException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(charset, "charset");
        ByteBuffer encoded;
        try {
            encoded = charset.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(text));
        } catch (CharacterCodingException e) {
            if (charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.ISO_8859_1)) {
                throw new UnmappableCharacterException(1);
            }
            throw e;
        }
        return Arrays.copyOfRange(encoded.array(), encoded.arrayOffset() + encoded.position(),
                encoded.arrayOffset() + encoded.limit());
    }

    @Override
    public CompletableFuture<Long> size(Path path) {
        Objects.requireNonNull(path, "path");
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedFileSystemException());
        }
        return deliver(backendFor(path).size(path));
    }

    /**
     * Runs {@code body} on an opened file and closes it after, whatever happened. A close error fails the result
     * (for writes it can be the only sign of lost data); a body error wins over it.
     */
    static <T> CompletableFuture<T> withFile(CompletableFuture<AsyncFileImpl> opened,
                                                     Function<AsyncFileImpl, CompletableFuture<T>> body) {
        return opened.thenCompose(file -> {
            CompletableFuture<T> run;
            try {
                run = body.apply(file);
            } catch (RuntimeException | Error e) {
                run = CompletableFuture.failedFuture(e);
            }
            return run.handle((value, error) -> file.closeAsync(null).handle((ignored, closeError) -> {
                if (error != null) {
                    Throwable primary = unwrap(error);
                    if (closeError != null && closeError != primary) {
                        primary.addSuppressed(unwrap(closeError));
                    }
                    throw new CompletionException(primary);
                }
                if (closeError != null) {
                    throw new CompletionException(unwrap(closeError));
                }
                return value;
            })).thenCompose(Function.identity());
        });
    }

    // ---- text and lines (see io.ringfile.internal.text)

    @Override
    public CompletableFuture<List<String>> readAllLines(Path path) {
        return readAllLines(path, StandardCharsets.UTF_8);
    }

    @Override
    public CompletableFuture<List<String>> readAllLines(Path path, Charset charset) {
        return Text.readAllLines(this, path, charset);
    }

    @Override
    public Flow.Publisher<String> lines(Path path) {
        return lines(path, StandardCharsets.UTF_8);
    }

    @Override
    public Flow.Publisher<String> lines(Path path, Charset charset) {
        return Text.lines(this, path, charset);
    }

    @Override
    public CompletableFuture<AsyncReader> newBufferedReader(Path path) {
        return newBufferedReader(path, StandardCharsets.UTF_8);
    }

    @Override
    public CompletableFuture<AsyncReader> newBufferedReader(Path path, Charset charset) {
        return Text.newBufferedReader(this, path, charset);
    }

    @Override
    public CompletableFuture<AsyncWriter> newBufferedWriter(Path path, OpenOption... options) {
        return newBufferedWriter(path, StandardCharsets.UTF_8, options);
    }

    @Override
    public CompletableFuture<AsyncWriter> newBufferedWriter(Path path, Charset charset, OpenOption... options) {
        return Text.newBufferedWriter(this, path, charset, options);
    }

    // ---- file-system operations (see PathOps)

    private <T> CompletableFuture<T> whenOpen(java.util.function.Supplier<CompletableFuture<T>> operation) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedFileSystemException());
        }
        return deliver(operation.get());
    }

    @Override
    public CompletableFuture<Boolean> exists(Path path, LinkOption... options) {
        return whenOpen(() -> paths.exists(path, options));
    }

    @Override
    public CompletableFuture<Boolean> notExists(Path path, LinkOption... options) {
        return whenOpen(() -> paths.notExists(path, options));
    }

    @Override
    public CompletableFuture<Boolean> isDirectory(Path path, LinkOption... options) {
        return whenOpen(() -> paths.isDirectory(path, options));
    }

    @Override
    public CompletableFuture<Boolean> isRegularFile(Path path, LinkOption... options) {
        return whenOpen(() -> paths.isRegularFile(path, options));
    }

    @Override
    public <A extends BasicFileAttributes> CompletableFuture<A> readAttributes(Path path, Class<A> type,
                                                                               LinkOption... options) {
        return whenOpen(() -> paths.readAttributes(path, type, options));
    }

    @Override
    public CompletableFuture<Void> delete(Path path) {
        return whenOpen(() -> paths.delete(path, false).thenApply(deleted -> (Void) null));
    }

    @Override
    public CompletableFuture<Boolean> deleteIfExists(Path path) {
        return whenOpen(() -> paths.delete(path, true));
    }

    /**
     * Deletes if present, ignoring every error: cleanup that must not mask the real outcome, and that the engine's
     * limit never refuses (as it never refuses a close).
     */
    CompletableFuture<Void> deleteQuietly(Path path) {
        FileBackend raw = PlatformPaths.isLocal(Objects.requireNonNull(path, "path")) ? primary : pool;
        return AccountedBackend.accounted(null, metrics, null, 0, Metrics.PATH, path, "delete",
                () -> raw.delete(path, true))
                .handle((deleted, error) -> null);
    }

    /** Runs a blocking step that has no ring opcode on the NIO pool, which every engine has. */
    <T> CompletableFuture<T> onPool(Path path, NioBackend.BlockingCall<T> call) {
        return poolCall(Metrics.PATH, path, "atomicWrite", call);
    }

    /** Deletes a directory tree on the pool, not following links: cleanup, never refused by the engine's limit. */
    CompletableFuture<Void> deleteTree(Path root) {
        return AccountedBackend.accounted(null, metrics, null, 0, Metrics.PATH, root, "deleteTree",
                () -> pool.call(root, () -> {
                    TempFiles.deleteTree(root);
                    return null;
                }));
    }

    @Override
    public CompletableFuture<Path> move(Path source, Path target, CopyOption... options) {
        return whenOpen(() -> paths.move(source, target, options));
    }

    @Override
    public CompletableFuture<Path> copy(Path source, Path target, CopyOption... options) {
        return whenOpen(() -> paths.copy(source, target, options));
    }

    @Override
    public CompletableFuture<Path> createDirectory(Path dir, FileAttribute<?>... attributes) {
        return whenOpen(() -> paths.createDirectory(dir, attributes));
    }

    @Override
    public CompletableFuture<Path> createDirectories(Path dir, FileAttribute<?>... attributes) {
        return whenOpen(() -> paths.createDirectories(dir, attributes));
    }

    @Override
    public CompletableFuture<List<Path>> list(Path dir) {
        return whenOpen(() -> paths.list(dir));
    }

    @Override
    public CompletableFuture<Path> createLink(Path link, Path existing) {
        return whenOpen(() -> paths.createLink(link, existing));
    }

    @Override
    public CompletableFuture<Path> createSymbolicLink(Path link, Path target, FileAttribute<?>... attributes) {
        return whenOpen(() -> paths.createSymbolicLink(link, target, attributes));
    }

    @Override
    public CompletableFuture<Path> readSymbolicLink(Path link) {
        Objects.requireNonNull(link, "link");
        return whenOpen(() -> poolCall(Metrics.PATH, link, "readSymbolicLink",
                () -> Files.readSymbolicLink(link)));
    }

    @Override
    public CompletableFuture<Path> setLastModifiedTime(Path path, FileTime time) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(time, "time");
        return whenOpen(() -> poolCall(Metrics.PATH, path, "setLastModifiedTime",
                () -> Files.setLastModifiedTime(path, time)));
    }

    @Override
    public CompletableFuture<Set<PosixFilePermission>> getPosixFilePermissions(Path path, LinkOption... options) {
        Objects.requireNonNull(path, "path");
        for (LinkOption option : options) { // checked now, as Files does, not on the pool
            Objects.requireNonNull(option, "option");
        }
        return whenOpen(() -> poolCall(Metrics.STAT, path, "getPosixFilePermissions",
                () -> Files.getPosixFilePermissions(path, options)));
    }

    @Override
    public CompletableFuture<Path> setPosixFilePermissions(Path path, Set<PosixFilePermission> permissions) {
        Objects.requireNonNull(path, "path");
        for (PosixFilePermission permission : permissions) { // checked now, as Files does, not on the pool
            Objects.requireNonNull(permission, "permission");
        }
        return whenOpen(() -> poolCall(Metrics.PATH, path, "setPosixFilePermissions",
                () -> Files.setPosixFilePermissions(path, permissions)));
    }

    // ---- temporary files (see TempFiles)

    @Override
    public CompletableFuture<Path> createTempFile(Path dir, String prefix, String suffix,
                                                  FileAttribute<?>... attributes) {
        Objects.requireNonNull(dir, "dir");
        TempFiles.name(dir, prefix, suffix, ".tmp"); // rejects a bad prefix or suffix now
        return whenOpen(() -> TempFiles.open(this, dir, prefix, suffix, attributes)
                .thenCompose(file -> file.closeAsync(null).thenApply(closed -> file.path())));
    }

    @Override
    public CompletableFuture<Path> createTempFile(String prefix, String suffix, FileAttribute<?>... attributes) {
        return createTempFile(TempFiles.defaultDirectory(), prefix, suffix, attributes);
    }

    @Override
    public CompletableFuture<Path> createTempDirectory(Path dir, String prefix, FileAttribute<?>... attributes) {
        Objects.requireNonNull(dir, "dir");
        TempFiles.name(dir, prefix, "", "");
        FileAttribute<?>[] attrs = TempFiles.directoryAttributes(attributes);
        return whenOpen(() -> TempFiles.retryWhileTaken(
                () -> paths.createDirectory(TempFiles.name(dir, prefix, "", ""), attrs)));
    }

    @Override
    public CompletableFuture<Path> createTempDirectory(String prefix, FileAttribute<?>... attributes) {
        return createTempDirectory(TempFiles.defaultDirectory(), prefix, attributes);
    }

    @Override
    public CompletableFuture<AsyncFile> openTempFile(Path dir, String prefix, String suffix) {
        Path where = dir != null ? dir : TempFiles.defaultDirectory();
        TempFiles.name(where, prefix, suffix, ".tmp");
        return whenOpen(() -> TempFiles.open(this, where, prefix, suffix).thenApply(file -> {
            file.deleteAfterClose();
            return file;
        }));
    }

    @Override
    public CompletableFuture<TempDirectory> openTempDirectory(Path dir, String prefix) {
        Path where = dir != null ? dir : TempFiles.defaultDirectory();
        return createTempDirectory(where, prefix).thenApply(path -> new TempFiles.Directory(this, path));
    }

    // ---- durable replacement (see AtomicWrite)

    @Override
    public CompletableFuture<Path> writeAtomically(Path target, byte[] bytes) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(bytes, "bytes");
        return whenOpen(() -> AtomicWrite.run(this, backendFor(target), target, bytes));
    }

    @Override
    public CompletableFuture<Path> writeAtomically(Path target, CharSequence text) {
        return writeAtomically(target, text, StandardCharsets.UTF_8);
    }

    @Override
    public CompletableFuture<Path> writeAtomically(Path target, CharSequence text, Charset charset) {
        Objects.requireNonNull(target, "target");
        byte[] bytes;
        try {
            bytes = encode(text, charset);
        } catch (CharacterCodingException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writeAtomically(target, bytes);
    }

    // ---- completion

    /**
     * A future for the caller that completes on the completion executor when {@code source} does (at once with
     * inline completion), and refuses blocking waits on ring threads.
     */
    /**
     * A request of an open file's backend that yields a value (not a {@link ValueOp}): admitted, counted, watched
     * for {@code timeoutNanos} as the engine's own requests are, and delivered as path operations are.
     */
    <T> CompletableFuture<T> fileCall(int kind, Path path, String operation, long timeoutNanos,
                                      java.util.function.Supplier<CompletableFuture<T>> request) {
        return deliver(AccountedBackend.accounted(admission(), recorder(), deadlines(), timeoutNanos, kind, path,
                operation, request));
    }

    private <T> CompletableFuture<T> deliver(CompletableFuture<T> source) {
        Executor to = completer();
        if (to == null && source instanceof EngineFuture || EngineFuture.isCompletedHere(source)) {
            return source; // inline completion; or made on the caller's thread, handed back as a cache would
        }
        CompletableFuture<T> result = new EngineFuture<>();
        source.whenComplete((value, error) -> deliver(to, () -> {
            if (error != null) {
                result.completeExceptionally(unwrap(error));
            } else {
                result.complete(value);
            }
        }));
        return result;
    }

    /** Runs {@code completion} on {@code to}: at once with inline completion or on that very loop, else as a task. */
    private static void deliver(Executor to, Runnable completion) {
        if (to == null || Op.onLoopOrEnding(to)) {
            completion.run();
            return;
        }
        try {
            to.execute(completion);
        } catch (Throwable e) { // a shut-down executor must not leave the future hanging
            completion.run();
        }
    }

    static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    // ---- shutdown

    @Override
    public void close() {
        checkMayBlock("FileEngine.close()");
        CompletableFuture<Void> done = shutdown();
        try {
            // The shutdown bounds itself; the extra margin only guards against a bug hanging the caller forever.
            done.get(shutdownMillis * 2 + 4 * FileBackend.REAP_MILLIS + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            System.getLogger("io.ringfile").log(System.Logger.Level.WARNING, "engine shutdown did not finish", e);
        }
    }

    /**
     * Refuses new calls, starts the close of every open file (through its user-visible close future), then lets the
     * primary backend and the pool stop within the one shutdown timeout: each finishes what it holds until then and
     * fails or abandons the rest (see {@link FileBackend#shutdown}).
     */
    private synchronized CompletableFuture<Void> shutdown() {
        if (terminated != null) {
            return terminated;
        }
        closed = true;
        unwatch.run(); // no more periodic JFR statistics for this engine
        deadlines.stop();
        for (AsyncFileImpl file : openFiles) {
            file.closeAsync();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(shutdownMillis);
        CompletableFuture<Void> first = primary == pool ? CompletableFuture.completedFuture(null)
                : primary.shutdown(shutdownMillis);
        terminated = first.thenCompose(ignored ->
                pool.shutdown(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
        return terminated;
    }

    @Override
    public String toString() {
        return "FileEngine[" + backend + fallbackReason.map(r -> ", " + r).orElse("") + "]";
    }
}
