package io.ringfile.internal.provider;

import io.ringfile.internal.backend.PlatformPaths;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The file system of {@code RingfileFileSystemProvider}: the platform's default file system, wrapped so that its
 * paths belong to Ringfile's provider (which {@code Files} then calls). Everything but the provider is the wrapped
 * file system's; paths, directory streams and watch keys it returns are wrapped.
 */
public final class RingfileFileSystem extends FileSystem implements PlatformPaths.WrappingFileSystem {
    private final FileSystemProvider provider;
    private final FileSystem fs;
    /** Our keys by the platform's, so that a key taken from the watch service is the one register returned. */
    private final Map<WatchKey, Key> keys = new ConcurrentHashMap<>();

    /**
     * Wraps {@code fs}, whose paths then belong to {@code provider}.
     *
     * @param provider the provider of this file system
     * @param fs the file system to wrap
     */
    public RingfileFileSystem(FileSystemProvider provider, FileSystem fs) {
        this.provider = provider;
        this.fs = fs;
    }

    @Override
    public FileSystem wrapped() {
        return fs;
    }

    /**
     * {@code path} of the wrapped file system as a path of this one; null for null.
     *
     * @param path a path of the wrapped file system, or null
     * @return the path of this file system, or null
     */
    public Path wrap(Path path) {
        return path == null ? null : new RingfilePath(this, path);
    }

    /**
     * A path argument as the wrapped provider understands it: a path of this file system (or of another wrapper of
     * the same file system) unwrapped; a path of the wrapped file system itself as it is.
     *
     * @param path a path
     * @return the wrapped file system's path
     * @throws NullPointerException if {@code path} is null
     * @throws ProviderMismatchException if {@code path} belongs to another provider
     */
    public Path unwrap(Path path) {
        Path unwrapped = unwrapLenient(Objects.requireNonNull(path));
        if (unwrapped.getFileSystem() != fs) {
            throw new ProviderMismatchException();
        }
        return unwrapped;
    }

    /** As {@link #unwrap}, but a path of another provider is returned as it is (for the wrapped provider to judge). */
    public Path unwrapLenient(Path path) {
        return path instanceof RingfilePath ? ((RingfilePath) path).wrapped() : path;
    }

    @Override
    public FileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() throws IOException {
        fs.close(); // the default file system refuses: UnsupportedOperationException
    }

    @Override
    public boolean isOpen() {
        return fs.isOpen();
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public String getSeparator() {
        return fs.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        List<Path> roots = new ArrayList<>();
        for (Path root : fs.getRootDirectories()) {
            roots.add(wrap(root));
        }
        return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return fs.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return fs.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(fs.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher matcher = fs.getPathMatcher(syntaxAndPattern);
        return path -> matcher.matches(unwrapLenient(path));
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return fs.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() throws IOException {
        return new Watcher(fs.newWatchService());
    }

    @Override
    public String toString() {
        return fs.toString();
    }

    // ---------------------------------------------------------------- directory streams

    /**
     * The wrapped provider's directory stream of {@code dir}, its entries wrapped (and so given to {@code filter}
     * wrapped). A secure directory stream stays one.
     */
    public DirectoryStream<Path> newDirectoryStream(FileSystemProvider platform, Path dir,
                                                    DirectoryStream.Filter<? super Path> filter) throws IOException {
        Objects.requireNonNull(filter);
        DirectoryStream<Path> stream = platform.newDirectoryStream(unwrap(dir), entry -> filter.accept(wrap(entry)));
        return stream instanceof SecureDirectoryStream ? new SecureEntries((SecureDirectoryStream<Path>) stream)
                : new Entries(stream);
    }

    private class Entries implements DirectoryStream<Path> {
        final DirectoryStream<Path> stream;

        Entries(DirectoryStream<Path> stream) {
            this.stream = stream;
        }

        @Override
        public Iterator<Path> iterator() {
            Iterator<Path> entries = stream.iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return entries.hasNext();
                }

                @Override
                public Path next() {
                    return wrap(entries.next());
                }
            };
        }

        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    /**
     * A secure directory stream: relative paths are resolved against the open directory, as the platform's are.
     * Its {@code newByteChannel} is the platform's (opened relative to the directory's descriptor, which Ringfile's
     * engine cannot do), not Ringfile's.
     */
    private final class SecureEntries extends Entries implements SecureDirectoryStream<Path> {
        private final SecureDirectoryStream<Path> secure;

        SecureEntries(SecureDirectoryStream<Path> stream) {
            super(stream);
            this.secure = stream;
        }

        @Override
        public SecureDirectoryStream<Path> newDirectoryStream(Path path, LinkOption... options) throws IOException {
            return new SecureEntries(secure.newDirectoryStream(unwrap(path), options));
        }

        @Override
        public SeekableByteChannel newByteChannel(Path path, Set<? extends java.nio.file.OpenOption> options,
                                                  FileAttribute<?>... attrs) throws IOException {
            return secure.newByteChannel(unwrap(path), options, attrs);
        }

        @Override
        public void deleteFile(Path path) throws IOException {
            secure.deleteFile(unwrap(path));
        }

        @Override
        public void deleteDirectory(Path path) throws IOException {
            secure.deleteDirectory(unwrap(path));
        }

        @Override
        public void move(Path srcpath, SecureDirectoryStream<Path> targetdir, Path targetpath) throws IOException {
            SecureDirectoryStream<Path> target = targetdir instanceof SecureEntries
                    ? ((SecureEntries) targetdir).secure : targetdir;
            secure.move(unwrap(srcpath), target, unwrap(targetpath));
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Class<V> type) {
            return secure.getFileAttributeView(type);
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type,
                                                                    LinkOption... options) {
            return secure.getFileAttributeView(unwrap(path), type, options);
        }
    }

    // ---------------------------------------------------------------- watching

    /** Registers {@code dir} with {@code watcher}, which must come from {@link #newWatchService()}. */
    WatchKey register(RingfilePath dir, WatchService watcher, WatchEvent.Kind<?>[] events,
                      WatchEvent.Modifier... modifiers) throws IOException {
        Objects.requireNonNull(watcher);
        if (!(watcher instanceof Watcher)) {
            throw new ProviderMismatchException();
        }
        Watcher ours = (Watcher) watcher;
        WatchKey key = dir.wrapped().register(ours.service, events, modifiers);
        return keys.computeIfAbsent(key, k -> new Key(k, dir, ours));
    }

    /** The wrapped file system's watch service; its keys and events name paths of this file system. */
    private final class Watcher implements WatchService {
        final WatchService service;

        Watcher(WatchService service) {
            this.service = service;
        }

        private WatchKey ours(WatchKey key) {
            return key == null ? null : keys.get(key);
        }

        @Override
        public void close() throws IOException {
            service.close();
            keys.values().removeIf(key -> key.watcher == this);
        }

        @Override
        public WatchKey poll() {
            return ours(service.poll());
        }

        @Override
        public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
            return ours(service.poll(timeout, unit));
        }

        @Override
        public WatchKey take() throws InterruptedException {
            for (;;) {
                WatchKey key = ours(service.take()); // null only for a key cancelled meanwhile: wait for the next
                if (key != null) {
                    return key;
                }
            }
        }
    }

    private final class Key implements WatchKey {
        private final WatchKey key;
        private final RingfilePath dir;
        final Watcher watcher;

        Key(WatchKey key, RingfilePath dir, Watcher watcher) {
            this.key = key;
            this.dir = dir;
            this.watcher = watcher;
        }

        @Override
        public boolean isValid() {
            return key.isValid();
        }

        @Override
        public List<WatchEvent<?>> pollEvents() {
            List<WatchEvent<?>> events = new ArrayList<>();
            for (WatchEvent<?> event : key.pollEvents()) {
                events.add(event.context() instanceof Path ? new Event<>(event) : event);
            }
            return events;
        }

        @Override
        public boolean reset() {
            boolean valid = key.reset();
            if (!valid) {
                keys.remove(key);
            }
            return valid;
        }

        @Override
        public void cancel() {
            key.cancel();
            keys.remove(key);
        }

        @Override
        public Path watchable() {
            return dir;
        }
    }

    /** An event whose context, a path relative to the watched directory, is a path of this file system. */
    private final class Event<T> implements WatchEvent<T> {
        private final WatchEvent<T> event;

        Event(WatchEvent<T> event) {
            this.event = event;
        }

        @Override
        public Kind<T> kind() {
            return event.kind();
        }

        @Override
        public int count() {
            return event.count();
        }

        @Override
        @SuppressWarnings("unchecked") // the context is a Path, so T is Path
        public T context() {
            return (T) wrap((Path) event.context());
        }
    }
}
