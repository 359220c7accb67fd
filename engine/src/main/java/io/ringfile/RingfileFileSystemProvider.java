package io.ringfile;

import io.ringfile.internal.EngineImpl;
import io.ringfile.internal.provider.RingfileFileSystem;
import io.ringfile.internal.uring.RingThreads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * A {@link FileSystemProvider} that makes the JVM's file channels Ringfile's: installed as the default provider,
 * every {@code FileChannel.open}, {@code Files.newByteChannel}, {@code Files.newInputStream},
 * {@code Files.newOutputStream}, {@code AsynchronousFileChannel.open}, and every {@code Files} method built on them
 * ({@code readAllBytes}, {@code readString}, {@code readAllLines}, {@code lines}, {@code newBufferedReader},
 * {@code write}, {@code writeString}, {@code newBufferedWriter}, {@code copy} to and from streams,
 * {@code createFile}, {@code createTempFile}, {@code mismatch}...) goes through a Ringfile engine, with no change to
 * the code that calls them:
 *
 * <pre>{@code java -Djava.nio.file.spi.DefaultFileSystemProvider=io.ringfile.RingfileFileSystemProvider ...}</pre>
 *
 * <p>The JDK loads the class with the system class loader (so the Ringfile jars go on the class path, or on the
 * module path with module {@code io.ringfile} resolved) and calls the one-argument constructor with the platform's
 * provider. The default file system then is a wrapper of the platform's whose paths belong to this provider;
 * everything other than opening channels (attributes, directories, links, moves, copies between files, watch
 * services, file stores) is the platform provider's, called with the wrapped paths.
 *
 * <p>Engine: the one given to {@link #RingfileFileSystemProvider(FileSystemProvider, FileEngine)}, or, for the
 * default provider, the default engine of {@link AsyncFiles} (configured as {@code AsyncFiles} describes). The
 * provider never waits for that engine to start: the first channel opened starts it on a thread of its own, and
 * until it runs the wrapped provider opens the channels. To have every channel Ringfile's from the first, start it
 * in {@code main} with {@code AsyncFiles.engine()}. If the default engine cannot start (a bad {@code ringfile.*}
 * property, say) the wrapped provider opens every channel, and a WARNING on logger {@code io.ringfile} says why.
 * The wrapped provider also opens the channels asked for on an engine's io_uring thread, which must never wait.
 * The engine's own opens never come back here: it opens the wrapped paths with the platform's provider.
 *
 * <p>The channels behave as described at {@link FileEngine#newFileChannel(Path, Set, FileAttribute...)} and
 * {@link FileEngine#newAsynchronousFileChannel(Path, Set, ExecutorService, FileAttribute...)}. As the JDK does for
 * its own, the channels of {@code newInputStream} and {@code newOutputStream} (and so of {@code Files.write},
 * {@code Files.newBufferedReader}...) are not interruptible; those of {@code newByteChannel} and
 * {@code newFileChannel} are. One difference remains: the JDK also makes the channel of {@code Files.readAllBytes}
 * (and {@code Files.readString}) uninterruptible, by a check of its own channel class; through this provider an
 * interrupt during {@code readAllBytes} closes the channel and throws {@code ClosedByInterruptException}, as for
 * any {@code Files.newByteChannel} channel.
 *
 * <p>Not covered: {@code java.io} ({@code FileInputStream}, {@code FileOutputStream}, {@code RandomAccessFile},
 * {@code FileReader}, {@code FileWriter}), which does not use providers; memory mapping, file locks and
 * {@code Files.copy} between two files, which stay the platform's; the channels of a
 * {@link java.nio.file.SecureDirectoryStream}; and {@code FileChannel.map} with an {@code Arena}.
 *
 * <p>Seeing that it is active: {@code FileSystems.getDefault().provider()} is this class;
 * {@code FileChannel.open(path)} returns a {@code RingfileFileChannel} (its {@code toString()} says so); a thread
 * waiting in {@code Files.readAllBytes} shows {@code io.ringfile} frames in a thread dump; and
 * {@code AsyncFiles.engine().backend()} tells whether io_uring or the NIO fallback does the I/O.
 */
public final class RingfileFileSystemProvider extends FileSystemProvider {
    private final FileSystemProvider platform;
    private final RingfileFileSystem fileSystem;
    /** The engine given, or null for the default engine. */
    private final FileEngine given;
    /** Set once the default engine's start was asked for (it may have failed: then it never becomes available). */
    private volatile boolean startRequested;

    /**
     * The provider the JDK makes when {@code java.nio.file.spi.DefaultFileSystemProvider} names this class, on the
     * default engine of {@link AsyncFiles}, started at the first channel opened. Does no I/O and starts nothing.
     *
     * @param platform the provider to wrap: the platform's default provider, whose scheme is {@code file}
     * @throws IllegalArgumentException if {@code platform}'s scheme is not {@code file}
     */
    public RingfileFileSystemProvider(FileSystemProvider platform) {
        this(null, platform);
    }

    /**
     * A provider on {@code engine}, for use without installing it as the default: open files through the paths of
     * its file system, {@code provider.getFileSystem(URI.create("file:///")).getPath(...)}, with {@code Files} as
     * usual. Closing the engine makes those channels fail; the provider never closes it.
     *
     * @param platform the provider to wrap: the platform's default provider, whose scheme is {@code file}
     * @param engine the engine of every channel this provider opens
     * @throws IllegalArgumentException if {@code platform}'s scheme is not {@code file}
     */
    public RingfileFileSystemProvider(FileSystemProvider platform, FileEngine engine) {
        this(Objects.requireNonNull(engine, "engine"), platform);
    }

    /** {@code engine} null: the default engine. */
    private RingfileFileSystemProvider(FileEngine engine, FileSystemProvider platform) {
        this.platform = Objects.requireNonNull(platform, "platform");
        if (!"file".equalsIgnoreCase(platform.getScheme())) {
            throw new IllegalArgumentException("not a provider of scheme 'file': " + platform);
        }
        this.given = engine;
        this.fileSystem = new RingfileFileSystem(this, platform.getFileSystem(URI.create("file:///")));
    }

    /**
     * The engine for a channel opened now, or null when the platform provider must open it (see the class
     * description). Never waits: the default engine is started by a thread of its own, at the first call.
     */
    private FileEngine engine() {
        if (given != null) {
            return RingThreads.isCurrent() ? null : given;
        }
        FileEngine started = DefaultEngine.startedOrNull();
        if (started != null) {
            return RingThreads.isCurrent() ? null : started;
        }
        if (!startRequested) {
            startDefaultEngine();
        }
        return null;
    }

    /**
     * Starts the default engine on a thread of its own. Not on the caller's thread: the first channel of a JVM is
     * often opened from inside the JDK's own class initialization (JDK 25 reads its security properties through
     * {@code Files.newInputStream} while it initializes {@code SecureRandom}), where starting an engine (which
     * loads a native library through {@code Files.createTempFile}) would meet classes that are half initialized.
     * The caller, and every caller until the engine runs, uses the platform's provider meanwhile.
     */
    private synchronized void startDefaultEngine() {
        if (startRequested) {
            return;
        }
        startRequested = true;
        Thread starter = new Thread(() -> {
            try {
                DefaultEngine.get();
            } catch (RuntimeException | LinkageError e) {
                System.getLogger("io.ringfile").log(System.Logger.Level.WARNING, "Ringfile's default engine cannot "
                        + "start; " + RingfileFileSystemProvider.class.getName() + " leaves every file to the "
                        + "platform's provider", e);
            }
        }, "ringfile-provider-start");
        starter.setDaemon(true);
        starter.start();
    }

    private Path unwrap(Path path) {
        return fileSystem.unwrap(path);
    }

    // ---------------------------------------------------------------- channels: Ringfile's

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Path platformPath = unwrap(path);
        FileEngine engine = engine();
        return engine == null ? platform.newFileChannel(platformPath, options, attrs)
                : engine.newFileChannel(path, options, attrs);
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
                                              FileAttribute<?>... attrs) throws IOException {
        Path platformPath = unwrap(path);
        FileEngine engine = engine();
        return engine == null ? platform.newByteChannel(platformPath, options, attrs)
                : engine.newFileChannel(path, options, attrs);
    }

    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
                                                              ExecutorService executor, FileAttribute<?>... attrs)
            throws IOException {
        Path platformPath = unwrap(path);
        FileEngine engine = engine();
        return engine == null ? platform.newAsynchronousFileChannel(platformPath, options, executor, attrs)
                : engine.newAsynchronousFileChannel(path, options, executor, attrs);
    }

    /** As {@link FileSystemProvider#newInputStream}, on a channel that an interrupt does not close (as the JDK's). */
    @Override
    public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        for (OpenOption option : options) {
            if (option == StandardOpenOption.APPEND || option == StandardOpenOption.WRITE) {
                throw new UnsupportedOperationException("'" + option + "' not allowed");
            }
        }
        Path platformPath = unwrap(path);
        FileEngine engine = engine();
        if (engine == null) {
            return platform.newInputStream(platformPath, options);
        }
        Set<OpenOption> set = new HashSet<>();
        Collections.addAll(set, options);
        return Channels.newInputStream(streamChannel(engine, path, set));
    }

    /**
     * As {@link FileSystemProvider#newOutputStream}: CREATE, TRUNCATE_EXISTING and WRITE when no options are given,
     * WRITE always, READ refused; on a channel that an interrupt does not close (as the JDK's).
     */
    @Override
    public OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
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
        Path platformPath = unwrap(path);
        FileEngine engine = engine();
        if (engine == null) {
            return platform.newOutputStream(platformPath, options);
        }
        return Channels.newOutputStream(streamChannel(engine, path, set));
    }

    private static FileChannel streamChannel(FileEngine engine, Path path, Set<OpenOption> options)
            throws IOException {
        return engine instanceof EngineImpl ? ((EngineImpl) engine).newStreamChannel(path, options)
                : engine.newFileChannel(path, options);
    }

    // ---------------------------------------------------------------- the file system

    @Override
    public String getScheme() {
        return platform.getScheme();
    }

    /** The platform's answer (the default file system exists already, so it refuses). */
    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        return platform.newFileSystem(uri, env);
    }

    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) throws IOException {
        return platform.newFileSystem(unwrap(path), env);
    }

    /**
     * The file system of this provider, for every URI the platform's provider accepts.
     *
     * @param uri a {@code file:} URI naming the root, as the platform requires
     * @return this provider's file system
     */
    @Override
    public FileSystem getFileSystem(URI uri) {
        platform.getFileSystem(uri); // checks the URI
        return fileSystem;
    }

    @Override
    public Path getPath(URI uri) {
        return fileSystem.wrap(platform.getPath(uri));
    }

    // ---------------------------------------------------------------- everything else: the platform's

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        return fileSystem.newDirectoryStream(platform, dir, filter);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        platform.createDirectory(unwrap(dir), attrs);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        platform.createSymbolicLink(unwrap(link), unwrap(target), attrs);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        platform.createLink(unwrap(link), unwrap(existing));
    }

    @Override
    public void delete(Path path) throws IOException {
        platform.delete(unwrap(path));
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return platform.deleteIfExists(unwrap(path));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        return fileSystem.wrap(platform.readSymbolicLink(unwrap(link)));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        platform.copy(unwrap(source), unwrap(target), options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        platform.move(unwrap(source), unwrap(target), options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        return platform.isSameFile(unwrap(path), path2 == null ? null : fileSystem.unwrapLenient(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        return platform.isHidden(unwrap(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        return platform.getFileStore(unwrap(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        platform.checkAccess(unwrap(path), modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return platform.getFileAttributeView(unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return platform.readAttributes(unwrap(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
            throws IOException {
        return platform.readAttributes(unwrap(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        platform.setAttribute(unwrap(path), attribute, value, options);
    }

    @Override
    public String toString() {
        return "RingfileFileSystemProvider[" + (given != null ? given : "default engine") + ", wrapping " + platform
                + "]";
    }
}
