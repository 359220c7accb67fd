package io.ringfile.internal.provider;

import io.ringfile.internal.backend.PlatformPaths;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Iterator;
import java.util.Objects;

/**
 * A path of {@link RingfileFileSystem}: the platform's path it wraps, with this file system (and so Ringfile's
 * provider) as its own. Every query is the wrapped path's; every path it returns is wrapped again. Paths of the
 * wrapped file system are accepted where a path argument is expected (they name the same files); paths of other
 * providers are refused as the platform's paths refuse them.
 */
final class RingfilePath implements Path, PlatformPaths.Wrapper {
    private final RingfileFileSystem fs;
    private final Path path;

    RingfilePath(RingfileFileSystem fs, Path path) {
        this.fs = fs;
        this.path = path;
    }

    @Override
    public Path wrapped() {
        return path;
    }

    private Path wrap(Path result) {
        return fs.wrap(result);
    }

    /** A path argument as the wrapped path understands it: ours unwrapped, others as they are. */
    private Path arg(Path other) {
        return fs.unwrapLenient(Objects.requireNonNull(other));
    }

    @Override
    public FileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return path.isAbsolute();
    }

    @Override
    public Path getRoot() {
        return wrap(path.getRoot());
    }

    @Override
    public Path getFileName() {
        return wrap(path.getFileName());
    }

    @Override
    public Path getParent() {
        return wrap(path.getParent());
    }

    @Override
    public int getNameCount() {
        return path.getNameCount();
    }

    @Override
    public Path getName(int index) {
        return wrap(path.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return wrap(path.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        return path.startsWith(arg(other));
    }

    @Override
    public boolean startsWith(String other) {
        return path.startsWith(other);
    }

    @Override
    public boolean endsWith(Path other) {
        return path.endsWith(arg(other));
    }

    @Override
    public boolean endsWith(String other) {
        return path.endsWith(other);
    }

    @Override
    public Path normalize() {
        return wrap(path.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(path.resolve(arg(other)));
    }

    @Override
    public Path resolve(String other) {
        return wrap(path.resolve(other));
    }

    @Override
    public Path resolveSibling(Path other) {
        return wrap(path.resolveSibling(arg(other)));
    }

    @Override
    public Path resolveSibling(String other) {
        return wrap(path.resolveSibling(other));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(path.relativize(arg(other)));
    }

    @Override
    public URI toUri() {
        return path.toUri();
    }

    @Override
    public Path toAbsolutePath() {
        return wrap(path.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return wrap(path.toRealPath(options));
    }

    /** As the default file system's paths: a {@code File} of the path's string. */
    @Override
    public File toFile() {
        return new File(path.toString());
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        return fs.register(this, watcher, events, modifiers);
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>... events) throws IOException {
        return register(watcher, events, new WatchEvent.Modifier[0]);
    }

    @Override
    public Iterator<Path> iterator() {
        Iterator<Path> names = path.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return names.hasNext();
            }

            @Override
            public Path next() {
                return wrap(names.next());
            }
        };
    }

    @Override
    public int compareTo(Path other) {
        return path.compareTo(other instanceof RingfilePath ? ((RingfilePath) other).path : other);
    }

    /** Equal to a path of this file system naming the same path, as the platform's paths compare. */
    @Override
    public boolean equals(Object other) {
        return other instanceof RingfilePath && ((RingfilePath) other).fs == fs
                && path.equals(((RingfilePath) other).path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
