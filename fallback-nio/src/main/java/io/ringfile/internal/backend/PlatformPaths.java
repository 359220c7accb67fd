package io.ringfile.internal.backend;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.spi.FileSystemProvider;

/**
 * Which paths name files of the platform's own file system, the one the kernel opens by name, and how to reach
 * them without going through a provider that replaces the default one.
 *
 * <p>With {@code -Djava.nio.file.spi.DefaultFileSystemProvider=io.ringfile.RingfileFileSystemProvider} the default
 * file system is a wrapper: its paths {@linkplain Wrapper wrap} the JDK's own, and its channels are Ringfile's. The
 * engine treats such a path as a path of the JDK's built-in file system and does its system calls on the wrapped
 * path, so that its own opens (the NIO backend's {@code FileChannel.open}) never come back to the provider.
 */
public final class PlatformPaths {
    /** A path that stands for a path of another file system, which it wraps. */
    public interface Wrapper {
        /**
         * The wrapped path.
         *
         * @return the path this one stands for
         */
        Path wrapped();
    }

    /** A file system whose paths are {@link Wrapper}s of another's. */
    public interface WrappingFileSystem {
        /**
         * The wrapped file system.
         *
         * @return the file system whose paths this one's wrap
         */
        FileSystem wrapped();
    }

    /** The JDK's built-in default file system, once seen; null before. */
    private static volatile FileSystem builtin;

    private PlatformPaths() {
    }

    /**
     * The path the wrapped provider understands: {@code path} with every {@link Wrapper} layer taken off.
     *
     * @param path any path
     * @return {@code path} unwrapped, or itself
     */
    public static Path unwrap(Path path) {
        while (path instanceof Wrapper) {
            path = ((Wrapper) path).wrapped();
        }
        return path;
    }

    /**
     * True when the kernel can open {@code path} by name: a path of the JDK's built-in default file system, or a
     * {@link Wrapper} of one. Paths of other providers (a zip file system, jrt, or a default-provider replacement
     * other than Ringfile's) are not: they go through their provider.
     *
     * @param path any path
     * @return whether system calls on {@code path}'s name reach the file it names
     */
    public static boolean isLocal(Path path) {
        FileSystem fs = unwrap(path).getFileSystem();
        return fs == builtin || isBuiltin(fs);
    }

    /** The built-in provider is java.base's one with scheme "file"; a replacement lives in another module. */
    private static boolean isBuiltin(FileSystem fs) {
        FileSystemProvider provider = fs.provider();
        if ("file".equals(provider.getScheme()) && provider.getClass().getModule() == Object.class.getModule()) {
            builtin = fs;
            return true;
        }
        return false;
    }

    /**
     * A path of the JDK's built-in default file system, bypassing a Ringfile provider installed as the default:
     * for the engine's own opens, which must not come back to Ringfile.
     *
     * @param first the path string
     * @return the path, of the built-in file system where it can be found
     */
    public static Path builtinPath(String first) {
        FileSystem fs = builtin;
        if (fs == null) {
            fs = FileSystems.getDefault();
            while (fs instanceof WrappingFileSystem) {
                fs = ((WrappingFileSystem) fs).wrapped();
            }
            isBuiltin(fs); // remembers it
        }
        return fs.getPath(first);
    }
}
