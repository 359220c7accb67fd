package io.ringfile;

import java.nio.charset.Charset;
import java.nio.file.CopyOption;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * The asynchronous twin of {@link java.nio.file.Files}: the same method names and parameters, with results as
 * {@link CompletableFuture}s and failures as the same {@code java.nio.file} exceptions.
 *
 * <p>Every method runs on the default engine, which starts on first use (any method, {@link #engine()} included)
 * and lives as long as the JVM; it is never closed, so its threads are daemon threads. It is configured by:
 * <ul>
 * <li>the system property {@code ringfile.backend}: {@code auto} (the default), {@code io_uring} or {@code nio},
 * case ignored;</li>
 * <li>the system property {@code ringfile.threadFactory}: the fully qualified name of a public
 * {@link java.util.concurrent.ThreadFactory} class with a public no-argument constructor, loaded by the system class
 * loader and instantiated, as the JDK does for {@code java.nio.channels.DefaultThreadPool.threadFactory}; it makes
 * the default engine's ring and pool threads (see {@link FileEngine.Builder#threadFactory});</li>
 * <li>{@link #configureDefault}, in code, before the first use: any builder setting, the completion executor and the
 * thread factory included.</li>
 * </ul>
 * An invalid property never makes this class fail to load: every use fails with {@link IllegalStateException}
 * naming the property, its value and what is wrong, until the property is corrected (each use before the start reads
 * the properties again). Build a {@link FileEngine} of your own to control threads and lifetime fully.
 */
public final class AsyncFiles {
    private AsyncFiles() {
    }

    /**
     * The default engine, started if it was not yet; {@code engine().backend()} tells which backend runs.
     *
     * @return the default engine
     * @throws IllegalStateException if a system property that configures it is invalid (the message names it)
     * @throws UnsupportedOperationException if {@code io_uring} was required and cannot run here
     */
    public static FileEngine engine() {
        return DefaultEngine.get();
    }

    /**
     * Configures the default engine before its first use. {@code configuration} is called at once, on this thread,
     * with a builder holding the settings so far: those of the system properties (as they are at the first call)
     * and of earlier calls. It may change any setting, for example
     * {@code AsyncFiles.configureDefault(b -> b.completionExecutor(myExecutor).threadFactory(myFactory))}. The
     * engine starts with the result at the first use of this class. A configuration that throws changes nothing;
     * the builder must not be used after it returns. The default engine's threads are always daemon threads (a
     * thread factory's other settings are kept).
     *
     * <p>Race-free: configuring and starting hold one lock, so a call either takes effect before the start or
     * fails. Call it early (in {@code main}, before any library may use {@code AsyncFiles}).
     *
     * @param configuration changes the default engine's settings
     * @throws IllegalStateException if the default engine has already started, or a system property that
     *     configures it is invalid
     */
    public static void configureDefault(Consumer<? super FileEngine.Builder> configuration) {
        DefaultEngine.configure(configuration);
    }

    /** See {@link FileEngine#open(Path, OpenOption...)}. */
    public static CompletableFuture<AsyncFile> open(Path path, OpenOption... options) {
        return engine().open(path, options);
    }

    /** See {@link FileEngine#open(Path, Set, FileAttribute...)}. */
    public static CompletableFuture<AsyncFile> open(Path path, Set<? extends OpenOption> options,
                                                    FileAttribute<?>... attributes) {
        return engine().open(path, options, attributes);
    }

    /** See {@link java.nio.file.Files#readAllBytes(Path)}. */
    public static CompletableFuture<byte[]> readAllBytes(Path path) {
        return engine().readAllBytes(path);
    }

    /** See {@link java.nio.file.Files#readString(Path)}. */
    public static CompletableFuture<String> readString(Path path) {
        return engine().readString(path);
    }

    /** See {@link java.nio.file.Files#readString(Path, Charset)}. */
    public static CompletableFuture<String> readString(Path path, Charset charset) {
        return engine().readString(path, charset);
    }

    /** See {@link java.nio.file.Files#write(Path, byte[], OpenOption...)}. */
    public static CompletableFuture<Path> write(Path path, byte[] bytes, OpenOption... options) {
        return engine().write(path, bytes, options);
    }

    /** See {@link java.nio.file.Files#writeString(Path, CharSequence, OpenOption...)}. */
    public static CompletableFuture<Path> writeString(Path path, CharSequence text, OpenOption... options) {
        return engine().writeString(path, text, options);
    }

    /** See {@link java.nio.file.Files#writeString(Path, CharSequence, Charset, OpenOption...)}. */
    public static CompletableFuture<Path> writeString(Path path, CharSequence text, Charset charset,
                                                      OpenOption... options) {
        return engine().writeString(path, text, charset, options);
    }

    /** See {@link java.nio.file.Files#size(Path)}. */
    public static CompletableFuture<Long> size(Path path) {
        return engine().size(path);
    }

    /** See {@link FileEngine#readAllLines(Path)}. */
    public static CompletableFuture<List<String>> readAllLines(Path path) {
        return engine().readAllLines(path);
    }

    /** See {@link FileEngine#readAllLines(Path, Charset)}. */
    public static CompletableFuture<List<String>> readAllLines(Path path, Charset charset) {
        return engine().readAllLines(path, charset);
    }

    /** See {@link FileEngine#lines(Path)}. */
    public static Flow.Publisher<String> lines(Path path) {
        return engine().lines(path);
    }

    /** See {@link FileEngine#lines(Path, Charset)}. */
    public static Flow.Publisher<String> lines(Path path, Charset charset) {
        return engine().lines(path, charset);
    }

    /** See {@link FileEngine#newBufferedReader(Path)}. */
    public static CompletableFuture<AsyncReader> newBufferedReader(Path path) {
        return engine().newBufferedReader(path);
    }

    /** See {@link FileEngine#newBufferedReader(Path, Charset)}. */
    public static CompletableFuture<AsyncReader> newBufferedReader(Path path, Charset charset) {
        return engine().newBufferedReader(path, charset);
    }

    /** See {@link FileEngine#newBufferedWriter(Path, OpenOption...)}. */
    public static CompletableFuture<AsyncWriter> newBufferedWriter(Path path, OpenOption... options) {
        return engine().newBufferedWriter(path, options);
    }

    /** See {@link FileEngine#newBufferedWriter(Path, Charset, OpenOption...)}. */
    public static CompletableFuture<AsyncWriter> newBufferedWriter(Path path, Charset charset, OpenOption... options) {
        return engine().newBufferedWriter(path, charset, options);
    }

    /** See {@link FileEngine#exists(Path, LinkOption...)}. */
    public static CompletableFuture<Boolean> exists(Path path, LinkOption... options) {
        return engine().exists(path, options);
    }

    /** See {@link FileEngine#notExists(Path, LinkOption...)}. */
    public static CompletableFuture<Boolean> notExists(Path path, LinkOption... options) {
        return engine().notExists(path, options);
    }

    /** See {@link FileEngine#isDirectory(Path, LinkOption...)}. */
    public static CompletableFuture<Boolean> isDirectory(Path path, LinkOption... options) {
        return engine().isDirectory(path, options);
    }

    /** See {@link FileEngine#isRegularFile(Path, LinkOption...)}. */
    public static CompletableFuture<Boolean> isRegularFile(Path path, LinkOption... options) {
        return engine().isRegularFile(path, options);
    }

    /** See {@link FileEngine#readAttributes(Path, Class, LinkOption...)}. */
    public static <A extends BasicFileAttributes> CompletableFuture<A> readAttributes(Path path, Class<A> type,
                                                                                      LinkOption... options) {
        return engine().readAttributes(path, type, options);
    }

    /** See {@link FileEngine#delete(Path)}. */
    public static CompletableFuture<Void> delete(Path path) {
        return engine().delete(path);
    }

    /** See {@link FileEngine#deleteIfExists(Path)}. */
    public static CompletableFuture<Boolean> deleteIfExists(Path path) {
        return engine().deleteIfExists(path);
    }

    /** See {@link FileEngine#move(Path, Path, CopyOption...)}. */
    public static CompletableFuture<Path> move(Path source, Path target, CopyOption... options) {
        return engine().move(source, target, options);
    }

    /** See {@link FileEngine#copy(Path, Path, CopyOption...)}. */
    public static CompletableFuture<Path> copy(Path source, Path target, CopyOption... options) {
        return engine().copy(source, target, options);
    }

    /** See {@link FileEngine#createDirectory(Path, FileAttribute...)}. */
    public static CompletableFuture<Path> createDirectory(Path dir, FileAttribute<?>... attributes) {
        return engine().createDirectory(dir, attributes);
    }

    /** See {@link FileEngine#createDirectories(Path, FileAttribute...)}. */
    public static CompletableFuture<Path> createDirectories(Path dir, FileAttribute<?>... attributes) {
        return engine().createDirectories(dir, attributes);
    }

    /** See {@link FileEngine#list(Path)}. */
    public static CompletableFuture<List<Path>> list(Path dir) {
        return engine().list(dir);
    }

    /** See {@link FileEngine#createLink(Path, Path)}. */
    public static CompletableFuture<Path> createLink(Path link, Path existing) {
        return engine().createLink(link, existing);
    }

    /** See {@link FileEngine#createSymbolicLink(Path, Path, FileAttribute...)}. */
    public static CompletableFuture<Path> createSymbolicLink(Path link, Path target, FileAttribute<?>... attributes) {
        return engine().createSymbolicLink(link, target, attributes);
    }

    /** See {@link FileEngine#readSymbolicLink(Path)}. */
    public static CompletableFuture<Path> readSymbolicLink(Path link) {
        return engine().readSymbolicLink(link);
    }

    /** See {@link FileEngine#setLastModifiedTime(Path, FileTime)}. */
    public static CompletableFuture<Path> setLastModifiedTime(Path path, FileTime time) {
        return engine().setLastModifiedTime(path, time);
    }

    /** See {@link FileEngine#getPosixFilePermissions(Path, LinkOption...)}. */
    public static CompletableFuture<Set<PosixFilePermission>> getPosixFilePermissions(Path path,
                                                                                   LinkOption... options) {
        return engine().getPosixFilePermissions(path, options);
    }

    /** See {@link FileEngine#setPosixFilePermissions(Path, Set)}. */
    public static CompletableFuture<Path> setPosixFilePermissions(Path path, Set<PosixFilePermission> permissions) {
        return engine().setPosixFilePermissions(path, permissions);
    }

    /** See {@link FileEngine#createTempFile(Path, String, String, FileAttribute...)}. */
    public static CompletableFuture<Path> createTempFile(Path dir, String prefix, String suffix,
                                                         FileAttribute<?>... attributes) {
        return engine().createTempFile(dir, prefix, suffix, attributes);
    }

    /** See {@link FileEngine#createTempFile(String, String, FileAttribute...)}. */
    public static CompletableFuture<Path> createTempFile(String prefix, String suffix, FileAttribute<?>... attributes) {
        return engine().createTempFile(prefix, suffix, attributes);
    }

    /** See {@link FileEngine#createTempDirectory(Path, String, FileAttribute...)}. */
    public static CompletableFuture<Path> createTempDirectory(Path dir, String prefix, FileAttribute<?>... attributes) {
        return engine().createTempDirectory(dir, prefix, attributes);
    }

    /** See {@link FileEngine#createTempDirectory(String, FileAttribute...)}. */
    public static CompletableFuture<Path> createTempDirectory(String prefix, FileAttribute<?>... attributes) {
        return engine().createTempDirectory(prefix, attributes);
    }

    /** See {@link FileEngine#openTempFile(Path, String, String)}. */
    public static CompletableFuture<AsyncFile> openTempFile(Path dir, String prefix, String suffix) {
        return engine().openTempFile(dir, prefix, suffix);
    }

    /** See {@link FileEngine#openTempDirectory(Path, String)}. */
    public static CompletableFuture<TempDirectory> openTempDirectory(Path dir, String prefix) {
        return engine().openTempDirectory(dir, prefix);
    }

    /** See {@link FileEngine#writeAtomically(Path, byte[])}. */
    public static CompletableFuture<Path> writeAtomically(Path target, byte[] bytes) {
        return engine().writeAtomically(target, bytes);
    }

    /** See {@link FileEngine#writeAtomically(Path, CharSequence)}. */
    public static CompletableFuture<Path> writeAtomically(Path target, CharSequence text) {
        return engine().writeAtomically(target, text);
    }

    /** See {@link FileEngine#writeAtomically(Path, CharSequence, Charset)}. */
    public static CompletableFuture<Path> writeAtomically(Path target, CharSequence text, Charset charset) {
        return engine().writeAtomically(target, text, charset);
    }
}
