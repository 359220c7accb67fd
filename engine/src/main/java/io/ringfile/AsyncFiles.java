package io.ringfile;

import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
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
import java.util.concurrent.ExecutorService;
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

    /**
     * See {@link FileEngine#open(Path, OpenOption...)}.
     *
     * @param path the file
     * @param options how to open the file, as for {@code Files.newByteChannel}
     * @return a future of the open file
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option or attribute is not supported
     */
    public static CompletableFuture<AsyncFile> open(Path path, OpenOption... options) {
        return engine().open(path, options);
    }

    /**
     * See {@link FileEngine#open(Path, Set, FileAttribute...)}.
     *
     * @param path the file
     * @param options how to open the file, as for {@code Files.newByteChannel}
     * @param attributes attributes to set atomically when the file is created
     * @return a future of the open file
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option or attribute is not supported
     */
    public static CompletableFuture<AsyncFile> open(Path path, Set<? extends OpenOption> options,
                                                    FileAttribute<?>... attributes) {
        return engine().open(path, options, attributes);
    }

    /**
     * See {@link FileEngine#newFileChannel(Path, Set, FileAttribute...)}: a {@code FileChannel} on the default
     * engine.
     *
     * @param path the file
     * @param options how to open the file, as for {@code FileChannel.open}
     * @param attributes attributes to set atomically when the file is created
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option or attribute is not supported
     * @throws IOException if the file cannot be opened
     */
    public static FileChannel newFileChannel(Path path, Set<? extends OpenOption> options,
                                             FileAttribute<?>... attributes) throws IOException {
        return engine().newFileChannel(path, options, attributes);
    }

    /**
     * See {@link FileEngine#newFileChannel(Path, OpenOption...)}.
     *
     * @param path the file
     * @param options how to open the file, as for {@code FileChannel.open}
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option is not supported
     * @throws IOException if the file cannot be opened
     */
    public static FileChannel newFileChannel(Path path, OpenOption... options) throws IOException {
        return engine().newFileChannel(path, options);
    }

    /**
     * See {@link FileEngine#newAsynchronousFileChannel(Path, Set, ExecutorService, FileAttribute...)}: an
     * {@code AsynchronousFileChannel} on the default engine.
     *
     * @param path the file
     * @param options how to open the file; APPEND is not allowed
     * @param executor where completion handlers run, or null for the default pool
     * @param attributes attributes to set atomically when the file is created
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination
     * @throws UnsupportedOperationException if an option or attribute is not supported, or APPEND is given
     * @throws IOException if the file cannot be opened
     */
    public static AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
                                                                     ExecutorService executor,
                                                                     FileAttribute<?>... attributes)
            throws IOException {
        return engine().newAsynchronousFileChannel(path, options, executor, attributes);
    }

    /**
     * See {@link FileEngine#newAsynchronousFileChannel(Path, OpenOption...)}.
     *
     * @param path the file
     * @param options how to open the file; APPEND is not allowed
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported, or APPEND is given
     * @throws IOException if the file cannot be opened
     */
    public static AsynchronousFileChannel newAsynchronousFileChannel(Path path, OpenOption... options)
            throws IOException {
        return engine().newAsynchronousFileChannel(path, options);
    }

    /**
     * See {@link java.nio.file.Files#readAllBytes(Path)}.
     *
     * @param path the file
     * @return a future of the file's bytes
     */
    public static CompletableFuture<byte[]> readAllBytes(Path path) {
        return engine().readAllBytes(path);
    }

    /**
     * See {@link java.nio.file.Files#readString(Path)}.
     *
     * @param path the file
     * @return a future of the file's text
     */
    public static CompletableFuture<String> readString(Path path) {
        return engine().readString(path);
    }

    /**
     * See {@link java.nio.file.Files#readString(Path, Charset)}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a future of the file's text
     */
    public static CompletableFuture<String> readString(Path path, Charset charset) {
        return engine().readString(path, charset);
    }

    /**
     * See {@link java.nio.file.Files#write(Path, byte[], OpenOption...)}.
     *
     * @param path the file
     * @param bytes the bytes to write
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of {@code path}, completed once the bytes are written
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    public static CompletableFuture<Path> write(Path path, byte[] bytes, OpenOption... options) {
        return engine().write(path, bytes, options);
    }

    /**
     * See {@link java.nio.file.Files#writeString(Path, CharSequence, OpenOption...)}.
     *
     * @param path the file
     * @param text the text to write
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of {@code path}, completed once the text is written
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    public static CompletableFuture<Path> writeString(Path path, CharSequence text, OpenOption... options) {
        return engine().writeString(path, text, options);
    }

    /**
     * See {@link java.nio.file.Files#writeString(Path, CharSequence, Charset, OpenOption...)}.
     *
     * @param path the file
     * @param text the text to write
     * @param charset the charset to encode with
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of {@code path}, completed once the text is written
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    public static CompletableFuture<Path> writeString(Path path, CharSequence text, Charset charset,
                                                      OpenOption... options) {
        return engine().writeString(path, text, charset, options);
    }

    /**
     * See {@link java.nio.file.Files#size(Path)}.
     *
     * @param path the file
     * @return a future of the file's size in bytes
     */
    public static CompletableFuture<Long> size(Path path) {
        return engine().size(path);
    }

    /**
     * See {@link FileEngine#readAllLines(Path)}.
     *
     * @param path the file
     * @return a future of the file's lines
     */
    public static CompletableFuture<List<String>> readAllLines(Path path) {
        return engine().readAllLines(path);
    }

    /**
     * See {@link FileEngine#readAllLines(Path, Charset)}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a future of the file's lines
     */
    public static CompletableFuture<List<String>> readAllLines(Path path, Charset charset) {
        return engine().readAllLines(path, charset);
    }

    /**
     * See {@link FileEngine#lines(Path)}.
     *
     * @param path the file
     * @return a publisher of the file's lines
     */
    public static Flow.Publisher<String> lines(Path path) {
        return engine().lines(path);
    }

    /**
     * See {@link FileEngine#lines(Path, Charset)}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a publisher of the file's lines
     */
    public static Flow.Publisher<String> lines(Path path, Charset charset) {
        return engine().lines(path, charset);
    }

    /**
     * See {@link FileEngine#newBufferedReader(Path)}.
     *
     * @param path the file
     * @return a future of the reader, completed once the file is open
     */
    public static CompletableFuture<AsyncReader> newBufferedReader(Path path) {
        return engine().newBufferedReader(path);
    }

    /**
     * See {@link FileEngine#newBufferedReader(Path, Charset)}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a future of the reader, completed once the file is open
     */
    public static CompletableFuture<AsyncReader> newBufferedReader(Path path, Charset charset) {
        return engine().newBufferedReader(path, charset);
    }

    /**
     * See {@link FileEngine#newBufferedWriter(Path, OpenOption...)}.
     *
     * @param path the file
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of the writer, completed once the file is open
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    public static CompletableFuture<AsyncWriter> newBufferedWriter(Path path, OpenOption... options) {
        return engine().newBufferedWriter(path, options);
    }

    /**
     * See {@link FileEngine#newBufferedWriter(Path, Charset, OpenOption...)}.
     *
     * @param path the file
     * @param charset the charset to encode with
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of the writer, completed once the file is open
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    public static CompletableFuture<AsyncWriter> newBufferedWriter(Path path, Charset charset, OpenOption... options) {
        return engine().newBufferedWriter(path, charset, options);
    }

    /**
     * See {@link FileEngine#exists(Path, LinkOption...)}.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file exists, false if it does not or that cannot be told
     */
    public static CompletableFuture<Boolean> exists(Path path, LinkOption... options) {
        return engine().exists(path, options);
    }

    /**
     * See {@link FileEngine#notExists(Path, LinkOption...)}.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file does not exist, false if it does or that cannot be told
     */
    public static CompletableFuture<Boolean> notExists(Path path, LinkOption... options) {
        return engine().notExists(path, options);
    }

    /**
     * See {@link FileEngine#isDirectory(Path, LinkOption...)}.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file is a directory, false if it is not, does not exist or that cannot be told
     */
    public static CompletableFuture<Boolean> isDirectory(Path path, LinkOption... options) {
        return engine().isDirectory(path, options);
    }

    /**
     * See {@link FileEngine#isRegularFile(Path, LinkOption...)}.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file is a regular file, false if it is not, does not exist or that cannot be told
     */
    public static CompletableFuture<Boolean> isRegularFile(Path path, LinkOption... options) {
        return engine().isRegularFile(path, options);
    }

    /**
     * See {@link FileEngine#readAttributes(Path, Class, LinkOption...)}.
     *
     * @param <A> the type of the attributes
     * @param path the file
     * @param type the type of attributes to read, such as {@code BasicFileAttributes.class}
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of the file's attributes
     */
    public static <A extends BasicFileAttributes> CompletableFuture<A> readAttributes(Path path, Class<A> type,
                                                                                      LinkOption... options) {
        return engine().readAttributes(path, type, options);
    }

    /**
     * See {@link FileEngine#delete(Path)}.
     *
     * @param path the file
     * @return a future completed once the file is deleted
     */
    public static CompletableFuture<Void> delete(Path path) {
        return engine().delete(path);
    }

    /**
     * See {@link FileEngine#deleteIfExists(Path)}.
     *
     * @param path the file
     * @return a future of true if the file was deleted, false if it did not exist
     */
    public static CompletableFuture<Boolean> deleteIfExists(Path path) {
        return engine().deleteIfExists(path);
    }

    /**
     * See {@link FileEngine#move(Path, Path, CopyOption...)}.
     *
     * @param source the file to move
     * @param target where to move it
     * @param options how to move: {@code REPLACE_EXISTING}, {@code ATOMIC_MOVE}
     * @return a future of {@code target}, completed once the file is moved
     * @throws UnsupportedOperationException if an option is not supported
     */
    public static CompletableFuture<Path> move(Path source, Path target, CopyOption... options) {
        return engine().move(source, target, options);
    }

    /**
     * See {@link FileEngine#copy(Path, Path, CopyOption...)}.
     *
     * @param source the file to copy
     * @param target the path of the copy
     * @param options how to copy, as for {@code Files.copy}
     * @return a future of {@code target}, completed once the file is copied
     */
    public static CompletableFuture<Path> copy(Path source, Path target, CopyOption... options) {
        return engine().copy(source, target, options);
    }

    /**
     * See {@link FileEngine#createDirectory(Path, FileAttribute...)}.
     *
     * @param dir the directory to create
     * @param attributes attributes to set atomically when the directory is created
     * @return a future of {@code dir}, completed once the directory is created
     */
    public static CompletableFuture<Path> createDirectory(Path dir, FileAttribute<?>... attributes) {
        return engine().createDirectory(dir, attributes);
    }

    /**
     * See {@link FileEngine#createDirectories(Path, FileAttribute...)}.
     *
     * @param dir the directory to create, with its missing parents
     * @param attributes attributes to set atomically when each directory is created
     * @return a future of {@code dir}, completed once it exists
     */
    public static CompletableFuture<Path> createDirectories(Path dir, FileAttribute<?>... attributes) {
        return engine().createDirectories(dir, attributes);
    }

    /**
     * See {@link FileEngine#list(Path)}.
     *
     * @param dir the directory
     * @return a future of the directory's entries, each resolved against {@code dir}
     */
    public static CompletableFuture<List<Path>> list(Path dir) {
        return engine().list(dir);
    }

    /**
     * See {@link FileEngine#createLink(Path, Path)}.
     *
     * @param link the link (directory entry) to create
     * @param existing an existing file
     * @return a future of {@code link}, completed once it is created
     */
    public static CompletableFuture<Path> createLink(Path link, Path existing) {
        return engine().createLink(link, existing);
    }

    /**
     * See {@link FileEngine#createSymbolicLink(Path, Path, FileAttribute...)}.
     *
     * @param link the symbolic link to create
     * @param target what the link points to
     * @param attributes attributes to set on the link; none are supported
     * @return a future of {@code link}, completed once it is created
     * @throws UnsupportedOperationException if {@code attributes} is not empty
     */
    public static CompletableFuture<Path> createSymbolicLink(Path link, Path target, FileAttribute<?>... attributes) {
        return engine().createSymbolicLink(link, target, attributes);
    }

    /**
     * See {@link FileEngine#readSymbolicLink(Path)}.
     *
     * @param link the symbolic link
     * @return a future of the link's target
     */
    public static CompletableFuture<Path> readSymbolicLink(Path link) {
        return engine().readSymbolicLink(link);
    }

    /**
     * See {@link FileEngine#setLastModifiedTime(Path, FileTime)}.
     *
     * @param path the file
     * @param time the new last-modified time
     * @return a future of {@code path}, completed once the time is set
     */
    public static CompletableFuture<Path> setLastModifiedTime(Path path, FileTime time) {
        return engine().setLastModifiedTime(path, time);
    }

    /**
     * See {@link FileEngine#getPosixFilePermissions(Path, LinkOption...)}.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of the file's permissions
     */
    public static CompletableFuture<Set<PosixFilePermission>> getPosixFilePermissions(Path path,
                                                                                   LinkOption... options) {
        return engine().getPosixFilePermissions(path, options);
    }

    /**
     * See {@link FileEngine#setPosixFilePermissions(Path, Set)}.
     *
     * @param path the file
     * @param permissions the new permissions
     * @return a future of {@code path}, completed once the permissions are set
     */
    public static CompletableFuture<Path> setPosixFilePermissions(Path path, Set<PosixFilePermission> permissions) {
        return engine().setPosixFilePermissions(path, permissions);
    }

    /**
     * See {@link FileEngine#createTempFile(Path, String, String, FileAttribute...)}.
     *
     * @param dir the directory to create the file in
     * @param prefix the start of the file's name, or null for none
     * @param suffix the end of the file's name, or null for {@code ".tmp"}
     * @param attributes attributes to set atomically when the file is created; none means mode 0600
     * @return a future of the new file's path
     * @throws IllegalArgumentException if the prefix or suffix would make the name leave the directory
     */
    public static CompletableFuture<Path> createTempFile(Path dir, String prefix, String suffix,
                                                         FileAttribute<?>... attributes) {
        return engine().createTempFile(dir, prefix, suffix, attributes);
    }

    /**
     * See {@link FileEngine#createTempFile(String, String, FileAttribute...)}.
     *
     * @param prefix the start of the file's name, or null for none
     * @param suffix the end of the file's name, or null for {@code ".tmp"}
     * @param attributes attributes to set atomically when the file is created; none means mode 0600
     * @return a future of the new file's path
     * @throws IllegalArgumentException if the prefix or suffix would make the name leave the directory
     */
    public static CompletableFuture<Path> createTempFile(String prefix, String suffix, FileAttribute<?>... attributes) {
        return engine().createTempFile(prefix, suffix, attributes);
    }

    /**
     * See {@link FileEngine#createTempDirectory(Path, String, FileAttribute...)}.
     *
     * @param dir the directory to create the directory in
     * @param prefix the start of the directory's name, or null for none
     * @param attributes attributes to set atomically when the directory is created; none means mode 0700
     * @return a future of the new directory's path
     * @throws IllegalArgumentException if the prefix would make the name leave the directory
     */
    public static CompletableFuture<Path> createTempDirectory(Path dir, String prefix, FileAttribute<?>... attributes) {
        return engine().createTempDirectory(dir, prefix, attributes);
    }

    /**
     * See {@link FileEngine#createTempDirectory(String, FileAttribute...)}.
     *
     * @param prefix the start of the directory's name, or null for none
     * @param attributes attributes to set atomically when the directory is created; none means mode 0700
     * @return a future of the new directory's path
     * @throws IllegalArgumentException if the prefix would make the name leave the directory
     */
    public static CompletableFuture<Path> createTempDirectory(String prefix, FileAttribute<?>... attributes) {
        return engine().createTempDirectory(prefix, attributes);
    }

    /**
     * See {@link FileEngine#openTempFile(Path, String, String)}.
     *
     * @param dir the directory to create the file in, or null for {@code java.io.tmpdir}
     * @param prefix the start of the file's name, or null for none
     * @param suffix the end of the file's name, or null for {@code ".tmp"}
     * @return a future of the new file, open for reading and writing
     * @throws IllegalArgumentException if the prefix or suffix would make the name leave the directory
     */
    public static CompletableFuture<AsyncFile> openTempFile(Path dir, String prefix, String suffix) {
        return engine().openTempFile(dir, prefix, suffix);
    }

    /**
     * See {@link FileEngine#openTempDirectory(Path, String)}.
     *
     * @param dir the directory to create the directory in, or null for {@code java.io.tmpdir}
     * @param prefix the start of the directory's name, or null for none
     * @return a future of the new directory
     * @throws IllegalArgumentException if the prefix would make the name leave the directory
     */
    public static CompletableFuture<TempDirectory> openTempDirectory(Path dir, String prefix) {
        return engine().openTempDirectory(dir, prefix);
    }

    /**
     * See {@link FileEngine#writeAtomically(Path, byte[])}.
     *
     * @param target the file to replace or create
     * @param bytes the file's new content
     * @return a future of {@code target}, completed once the new content is durable
     */
    public static CompletableFuture<Path> writeAtomically(Path target, byte[] bytes) {
        return engine().writeAtomically(target, bytes);
    }

    /**
     * See {@link FileEngine#writeAtomically(Path, CharSequence)}.
     *
     * @param target the file to replace or create
     * @param text the file's new content
     * @return a future of {@code target}, completed once the new content is durable
     */
    public static CompletableFuture<Path> writeAtomically(Path target, CharSequence text) {
        return engine().writeAtomically(target, text);
    }

    /**
     * See {@link FileEngine#writeAtomically(Path, CharSequence, Charset)}.
     *
     * @param target the file to replace or create
     * @param text the file's new content
     * @param charset the charset to encode with
     * @return a future of {@code target}, completed once the new content is durable
     */
    public static CompletableFuture<Path> writeAtomically(Path target, CharSequence text, Charset charset) {
        return engine().writeAtomically(target, text, charset);
    }
}
