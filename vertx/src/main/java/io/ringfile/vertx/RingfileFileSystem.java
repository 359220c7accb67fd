package io.ringfile.vertx;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.ringfile.FileEngine;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileProps;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.file.FileSystemProps;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.File;
import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Vert.x's {@link FileSystem} on Ringfile: the operations that io_uring can do (open, read and write whole files,
 * stat, delete, rename, create directories, links and temporary files) go through a {@link FileEngine} instead of
 * Vert.x's worker pool; the others run exactly as {@code vertx.fileSystem()} runs them.
 *
 * <h2>Vert.x's semantics</h2>
 * <ul>
 *   <li><b>Contexts.</b> Each asynchronous method returns a Vert.x {@link Future} completed on the context that was
 *       current when the method was called (an event loop, a worker, a virtual thread's context), so its handlers
 *       run there. Called off any context, the method does what Vert.x does there: it takes
 *       {@link VertxInternal#getOrCreateContext()}, an event-loop context on the calling thread's sticky event loop.
 *       Handlers never run on a Ringfile thread.</li>
 *   <li><b>Failures.</b> An I/O error fails the future with Vert.x's {@link FileSystemException}, with Vert.x's
 *       message ("Unable to read file at path 'a.txt'") and, as its cause, the {@code java.nio.file} exception that
 *       {@code vertx.fileSystem()} gives for the same input ({@code NoSuchFileException},
 *       {@code FileAlreadyExistsException}, {@code DirectoryNotEmptyException}, {@code AccessDeniedException}...).
 *       Other exceptions ({@code IllegalArgumentException} for a bad temporary-file prefix,
 *       {@code UnsupportedOperationException} for an option the file system refuses) fail the future as they are,
 *       as in Vert.x. Null arguments and malformed permission strings throw at once, where Vert.x throws them.</li>
 *   <li><b>Paths.</b> A path is resolved as Vert.x resolves it: relative to the working directory, or, for a
 *       relative path that names no file there, through Vert.x's file resolver (class-path resources, extracted to
 *       its cache). Without blocking: an absolute path is used as it is (Vert.x's resolver changes an absolute path
 *       only inside its own file-cache directory, where this class does not look); a relative path is first
 *       checked with a stat through the engine, and only when no such file exists is Vert.x's resolver called, as a
 *       blocking action on Vert.x's internal worker pool. With a custom {@code FileResolver} (not Vert.x's own),
 *       every path goes through it that way.</li>
 * </ul>
 *
 * <h2>Where each operation runs</h2>
 * <ul>
 *   <li><b>Through the engine</b> (an io_uring opcode on the io_uring backend; the engine's NIO pool on its NIO
 *       backend): {@code open}, {@code readFile}, {@code writeFile}, {@code props}, {@code lprops},
 *       {@code exists}, {@code delete}, {@code unlink}, {@code move}, {@code mkdir}, {@code mkdirs},
 *       {@code link}, {@code symlink}, {@code createFile}, {@code createTempFile},
 *       {@code createTempDirectory}.</li>
 *   <li><b>As Vert.x runs them</b>, by Vert.x's own {@code vertx.fileSystem()}: a blocking action on Vert.x's
 *       internal worker pool, because io_uring has no opcode for them and Ringfile would run them on a pool too:
 *       {@code copy}, {@code copyRecursive}, {@code truncate} (Vert.x's grows a file as well as shrinking it),
 *       {@code chmod}, {@code chmodRecursive}, {@code chown}, {@code readSymlink}, {@code deleteRecursive},
 *       {@code readDir} (Vert.x's returns canonical paths, one {@code realpath} per entry), {@code fsProps}.</li>
 *   <li><b>The {@code ...Blocking} methods</b> block their caller by definition, so they are Vert.x's own: a
 *       system call on the calling thread is the quickest way to block. {@link #openBlocking} opens through the
 *       engine and waits, so it refuses to run on an event loop (see there).</li>
 * </ul>
 *
 * <h2>The engine and Vert.x's event loops</h2>
 * {@link #create(Vertx)} builds an engine on Vert.x's event loop group ({@link #engineBuilder(Vertx)}). When Vert.x
 * runs its io_uring transport ({@code VertxOptions.setPreferNativeTransport(true)} with Netty's io_uring native
 * library on the class path and epoll's absent, or {@code Vertx.builder().withTransport(Transport.IO_URING)}), its
 * event loops are Netty io_uring loops and the engine shares them: it starts no ring threads of its own, and an
 * operation issued on an event loop is submitted into that loop's ring and completes on that loop, where its
 * handlers run at once, with no thread hop. Otherwise (NIO or epoll transport) the engine runs rings of its own
 * where io_uring works, else its NIO pool ({@link FileEngine#fallbackReason()} says why), and each result is handed
 * to the caller's context.
 */
public final class RingfileFileSystem implements FileSystem {
    private static final CopyOptions DEFAULT_COPY_OPTIONS = new CopyOptions();
    /** The class of Vert.x's own file resolver, whose behaviour {@link #resolve} reproduces without blocking. */
    private static final String VERTX_FILE_RESOLVER = "io.vertx.core.file.impl.FileResolverImpl";

    private final VertxInternal vertx;
    private final FileEngine engine;
    /** Vert.x's own file system: the operations that run as Vert.x runs them. */
    private final FileSystem vertxFileSystem;
    private final boolean vertxResolver;

    private RingfileFileSystem(VertxInternal vertx, FileEngine engine) {
        this.vertx = vertx;
        this.engine = engine;
        this.vertxFileSystem = vertx.fileSystem();
        this.vertxResolver = vertx.fileResolver().getClass().getName().equals(VERTX_FILE_RESOLVER);
    }

    /**
     * A file system on a new engine built by {@link #engineBuilder(Vertx)}, which shares Vert.x's event loops when
     * they are io_uring loops. The engine belongs to the file system: it is closed when {@code vertx} closes (before
     * Vert.x stops its event loops, so operations in flight finish), on a thread of its own.
     *
     * @param vertx the Vert.x instance whose contexts get the results
     * @return the file system
     * @throws IllegalArgumentException if {@code vertx} is not a Vert.x instance built by Vert.x (it must implement
     *     {@link VertxInternal}, as every instance Vert.x builds does)
     */
    public static RingfileFileSystem create(Vertx vertx) {
        VertxInternal internal = internal(vertx);
        FileEngine engine = engineBuilder(vertx).build();
        internal.addCloseHook(completion -> {
            // close() blocks, and Vert.x may close from an event loop, which may be one of the engine's rings.
            Thread closer = new Thread(() -> {
                try {
                    engine.close();
                    completion.complete(null, null);
                } catch (Throwable e) {
                    completion.complete(null, e);
                }
            }, "ringfile-vertx-close");
            closer.setDaemon(true);
            closer.start();
        });
        return new RingfileFileSystem(internal, engine);
    }

    /**
     * A file system on {@code engine}, which stays the caller's: close it before closing {@code vertx} when it
     * shares Vert.x's event loops (an engine on a group that has shut down fails what is still in flight).
     *
     * @param vertx the Vert.x instance whose contexts get the results
     * @param engine the engine that does the I/O, typically built from {@link #engineBuilder(Vertx)}
     * @return the file system
     * @throws IllegalArgumentException if {@code vertx} is not a Vert.x instance built by Vert.x
     */
    public static RingfileFileSystem create(Vertx vertx, FileEngine engine) {
        return new RingfileFileSystem(internal(vertx), Objects.requireNonNull(engine, "engine"));
    }

    /**
     * A builder of the engine {@link #create(Vertx)} uses, to change its settings (its backend, its NIO pool):
     * {@link FileEngine.Builder#eventLoopGroup(EventLoopGroup) on Vert.x's event loop group} and with
     * {@link FileEngine.Builder#inlineCompletion(boolean) inline completion} (this file system only hands each
     * outcome to the caller's context, which never blocks, so an executor between the two would be one more hop).
     *
     * @param vertx the Vert.x instance whose event loops the engine shares where it can
     * @return a builder
     * @throws IllegalArgumentException if {@code vertx} is not a Vert.x instance built by Vert.x
     */
    public static FileEngine.Builder engineBuilder(Vertx vertx) {
        EventLoopGroup loops = internal(vertx).nettyEventLoopGroup();
        return FileEngine.builder().eventLoopGroup(loops).inlineCompletion(true).threadNamePrefix("ringfile-vertx");
    }

    private static VertxInternal internal(Vertx vertx) {
        Objects.requireNonNull(vertx, "vertx");
        if (!(vertx instanceof VertxInternal)) {
            throw new IllegalArgumentException("not a Vert.x instance built by Vert.x: " + vertx.getClass().getName());
        }
        return (VertxInternal) vertx;
    }

    /**
     * The engine this file system runs on: {@link FileEngine#fallbackReason()} says whether it shares Vert.x's
     * event loops (empty) or why not.
     *
     * @return the engine
     */
    public FileEngine engine() {
        return engine;
    }

    // ---- copy, move, truncate, permissions, ownership

    @Override
    public Future<Void> copy(String from, String to) {
        return vertxFileSystem.copy(from, to);
    }

    @Override
    public Future<Void> copy(String from, String to, CopyOptions options) {
        return vertxFileSystem.copy(from, to, options);
    }

    @Override
    public RingfileFileSystem copyBlocking(String from, String to) {
        vertxFileSystem.copyBlocking(from, to);
        return this;
    }

    @Override
    public Future<Void> copyRecursive(String from, String to, boolean recursive) {
        return vertxFileSystem.copyRecursive(from, to, recursive);
    }

    @Override
    public RingfileFileSystem copyRecursiveBlocking(String from, String to, boolean recursive) {
        vertxFileSystem.copyRecursiveBlocking(from, to, recursive);
        return this;
    }

    @Override
    public Future<Void> move(String from, String to) {
        return move(from, to, DEFAULT_COPY_OPTIONS);
    }

    @Override
    public Future<Void> move(String from, String to, CopyOptions options) {
        Objects.requireNonNull(from);
        Objects.requireNonNull(to);
        Objects.requireNonNull(options);
        CopyOption[] copyOptions = copyOptions(options);
        ContextInternal context = vertx.getOrCreateContext();
        String message = "Unable to move file from '" + from + "' to '" + to + "'";
        return resolve(context, from).compose(source -> resolve(context, to).compose(target ->
                call(context, message, () -> engine.move(source.toPath(), target.toPath(), copyOptions))))
                .mapEmpty();
    }

    @Override
    public RingfileFileSystem moveBlocking(String from, String to) {
        vertxFileSystem.moveBlocking(from, to);
        return this;
    }

    @Override
    public Future<Void> truncate(String path, long len) {
        return vertxFileSystem.truncate(path, len);
    }

    @Override
    public RingfileFileSystem truncateBlocking(String path, long len) {
        vertxFileSystem.truncateBlocking(path, len);
        return this;
    }

    @Override
    public Future<Void> chmod(String path, String perms) {
        return vertxFileSystem.chmod(path, perms);
    }

    @Override
    public RingfileFileSystem chmodBlocking(String path, String perms) {
        vertxFileSystem.chmodBlocking(path, perms);
        return this;
    }

    @Override
    public Future<Void> chmodRecursive(String path, String perms, String dirPerms) {
        return vertxFileSystem.chmodRecursive(path, perms, dirPerms);
    }

    @Override
    public RingfileFileSystem chmodRecursiveBlocking(String path, String perms, String dirPerms) {
        vertxFileSystem.chmodRecursiveBlocking(path, perms, dirPerms);
        return this;
    }

    @Override
    public Future<Void> chown(String path, String user, String group) {
        return vertxFileSystem.chown(path, user, group);
    }

    @Override
    public RingfileFileSystem chownBlocking(String path, String user, String group) {
        vertxFileSystem.chownBlocking(path, user, group);
        return this;
    }

    // ---- properties

    @Override
    public Future<FileProps> props(String path) {
        return props(path, false);
    }

    @Override
    public FileProps propsBlocking(String path) {
        return vertxFileSystem.propsBlocking(path);
    }

    @Override
    public Future<FileProps> lprops(String path) {
        return props(path, true);
    }

    @Override
    public FileProps lpropsBlocking(String path) {
        return vertxFileSystem.lpropsBlocking(path);
    }

    private Future<FileProps> props(String path, boolean noFollow) {
        Objects.requireNonNull(path);
        ContextInternal context = vertx.getOrCreateContext();
        LinkOption[] links = noFollow ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
        return resolve(context, path).compose(file -> call(context, accessMessage("analyse", path),
                () -> engine.readAttributes(file.toPath(), BasicFileAttributes.class, links)))
                .map(Props::new);
    }

    // ---- links

    @Override
    public Future<Void> link(String link, String existing) {
        return link(link, existing, false);
    }

    @Override
    public RingfileFileSystem linkBlocking(String link, String existing) {
        vertxFileSystem.linkBlocking(link, existing);
        return this;
    }

    @Override
    public Future<Void> symlink(String link, String existing) {
        return link(link, existing, true);
    }

    @Override
    public RingfileFileSystem symlinkBlocking(String link, String existing) {
        vertxFileSystem.symlinkBlocking(link, existing);
        return this;
    }

    private Future<Void> link(String link, String existing, boolean symbolic) {
        Objects.requireNonNull(link);
        Objects.requireNonNull(existing);
        ContextInternal context = vertx.getOrCreateContext();
        String message = "Unable to link existing file '" + existing + "' to '" + link + "'";
        return resolve(context, link).compose(source -> resolve(context, existing).compose(target ->
                call(context, message, () -> symbolic
                        ? engine.createSymbolicLink(source.toPath(), target.toPath())
                        : engine.createLink(source.toPath(), target.toPath()))))
                .mapEmpty();
    }

    @Override
    public Future<Void> unlink(String link) {
        return delete(link);
    }

    @Override
    public RingfileFileSystem unlinkBlocking(String link) {
        vertxFileSystem.unlinkBlocking(link);
        return this;
    }

    @Override
    public Future<String> readSymlink(String link) {
        return vertxFileSystem.readSymlink(link);
    }

    @Override
    public String readSymlinkBlocking(String link) {
        return vertxFileSystem.readSymlinkBlocking(link);
    }

    // ---- delete, directories

    @Override
    public Future<Void> delete(String path) {
        Objects.requireNonNull(path);
        ContextInternal context = vertx.getOrCreateContext();
        return resolve(context, path).compose(file ->
                call(context, accessMessage("delete", path), () -> engine.delete(file.toPath())));
    }

    @Override
    public RingfileFileSystem deleteBlocking(String path) {
        vertxFileSystem.deleteBlocking(path);
        return this;
    }

    @Override
    public Future<Void> deleteRecursive(String path) {
        return vertxFileSystem.deleteRecursive(path);
    }

    @Override
    public RingfileFileSystem deleteRecursiveBlocking(String path) {
        vertxFileSystem.deleteRecursiveBlocking(path);
        return this;
    }

    @Override
    public Future<Void> mkdir(String path) {
        return mkdir(path, null, false);
    }

    @Override
    public RingfileFileSystem mkdirBlocking(String path) {
        vertxFileSystem.mkdirBlocking(path);
        return this;
    }

    @Override
    public Future<Void> mkdir(String path, String perms) {
        return mkdir(path, perms, false);
    }

    @Override
    public RingfileFileSystem mkdirBlocking(String path, String perms) {
        vertxFileSystem.mkdirBlocking(path, perms);
        return this;
    }

    @Override
    public Future<Void> mkdirs(String path) {
        return mkdir(path, null, true);
    }

    @Override
    public RingfileFileSystem mkdirsBlocking(String path) {
        vertxFileSystem.mkdirsBlocking(path);
        return this;
    }

    @Override
    public Future<Void> mkdirs(String path, String perms) {
        return mkdir(path, perms, true);
    }

    @Override
    public RingfileFileSystem mkdirsBlocking(String path, String perms) {
        vertxFileSystem.mkdirsBlocking(path, perms);
        return this;
    }

    private Future<Void> mkdir(String path, String perms, boolean parents) {
        Objects.requireNonNull(path);
        FileAttribute<?>[] attributes = permissions(perms);
        ContextInternal context = vertx.getOrCreateContext();
        String message = "Unable to create folder at path '" + path + "'";
        return resolve(context, path).compose(dir -> call(context, message, () -> parents
                ? engine.createDirectories(dir.toPath(), attributes)
                : engine.createDirectory(dir.toPath(), attributes)))
                .mapEmpty();
    }

    @Override
    public Future<List<String>> readDir(String path) {
        return vertxFileSystem.readDir(path);
    }

    @Override
    public List<String> readDirBlocking(String path) {
        return vertxFileSystem.readDirBlocking(path);
    }

    @Override
    public Future<List<String>> readDir(String path, String filter) {
        return vertxFileSystem.readDir(path, filter);
    }

    @Override
    public List<String> readDirBlocking(String path, String filter) {
        return vertxFileSystem.readDirBlocking(path, filter);
    }

    // ---- whole files

    @Override
    public Future<Buffer> readFile(String path) {
        Objects.requireNonNull(path);
        ContextInternal context = vertx.getOrCreateContext();
        return resolve(context, path).compose(file ->
                call(context, accessMessage("read", path), true, () -> engine.readAllBytes(file.toPath())))
                // The engine's array itself: Buffer.buffer(byte[]) would copy it. Vert.x grows a wrapped buffer by
                // reallocation where an append needs it, and hands out its ByteBuf only as unreleasable.
                .map(bytes -> BufferInternal.buffer(Unpooled.wrappedBuffer(bytes)));
    }

    @Override
    public Buffer readFileBlocking(String path) {
        return vertxFileSystem.readFileBlocking(path);
    }

    @Override
    public Future<Void> writeFile(String path, Buffer data) {
        Objects.requireNonNull(path);
        Objects.requireNonNull(data);
        ContextInternal context = vertx.getOrCreateContext();
        return resolve(context, path).compose(file ->
                call(context, accessMessage("write", path), () -> engine.write(file.toPath(), data.getBytes())))
                .mapEmpty();
    }

    @Override
    public RingfileFileSystem writeFileBlocking(String path, Buffer data) {
        vertxFileSystem.writeFileBlocking(path, data);
        return this;
    }

    // ---- open

    /**
     * Opens the file as an {@link AsyncFile} on Ringfile (see {@link #open} for Vert.x's options), whose reads,
     * writes, flushes and size go through the engine. Its handlers and futures run on the context that was current
     * when {@code open} was called.
     *
     * @param path the file
     * @param options how to open it, as for {@code vertx.fileSystem().open}
     * @return a future of the open file
     */
    @Override
    public Future<AsyncFile> open(String path, OpenOptions options) {
        Objects.requireNonNull(path);
        Objects.requireNonNull(options);
        ContextInternal context = vertx.getOrCreateContext();
        return resolve(context, path).compose(file -> open(context, file.getAbsoluteFile().toPath(), options));
    }


    /**
     * As {@link #open}, waiting for the engine: on a Vert.x worker or any thread that is not an event loop. On a
     * Vert.x event loop it throws {@link IllegalStateException}: the engine completes operations issued there on
     * that very loop, which cannot deliver the completion while it waits (use {@link #open}).
     *
     * @param path the file
     * @param options how to open it, as for {@code vertx.fileSystem().openBlocking}
     * @return the open file
     * @throws IllegalStateException on a Vert.x event loop thread
     * @throws FileSystemException if the file cannot be opened
     */
    @Override
    public AsyncFile openBlocking(String path, OpenOptions options) {
        Objects.requireNonNull(path);
        Objects.requireNonNull(options);
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("openBlocking would block a Vert.x event loop, on which the engine "
                    + "completes the open it would wait for; use open(path, options) there");
        }
        ContextInternal context = vertx.getOrCreateContext();
        Path file = vertx.fileResolver().resolve(path).getAbsoluteFile().toPath();
        try {
            // The engine's own future, not a Vert.x one: on a worker context, a Vert.x future's handlers would queue
            // behind the very task that waits here.
            return openThroughEngine(context, file, options).join();
        } catch (CompletionException e) {
            Throwable cause = failure(accessMessage("open", file.toString()), e);
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new FileSystemException(cause);
        }
    }

    private Future<AsyncFile> open(ContextInternal context, Path path, OpenOptions options) {
        return call(context, accessMessage("open", path.toString()), () -> openThroughEngine(context, path, options));
    }

    /** Opens the file through the engine; fails as Vert.x's open does, before the wrapping of I/O errors. */
    private CompletableFuture<AsyncFile> openThroughEngine(ContextInternal context, Path path, OpenOptions options) {
        if (!options.isRead() && !options.isWrite()) {
            return CompletableFuture.failedFuture(
                    new FileSystemException("Cannot open file for neither reading nor writing"));
        }
        Set<OpenOption> openOptions = new HashSet<>();
        if (options.isRead()) openOptions.add(StandardOpenOption.READ);
        if (options.isWrite()) openOptions.add(StandardOpenOption.WRITE);
        if (options.isCreate()) openOptions.add(StandardOpenOption.CREATE);
        if (options.isCreateNew()) openOptions.add(StandardOpenOption.CREATE_NEW);
        if (options.isSync()) openOptions.add(StandardOpenOption.SYNC);
        if (options.isDsync()) openOptions.add(StandardOpenOption.DSYNC);
        if (options.isDeleteOnClose()) openOptions.add(StandardOpenOption.DELETE_ON_CLOSE);
        if (options.isSparse()) openOptions.add(StandardOpenOption.SPARSE);
        if (options.isTruncateExisting()) openOptions.add(StandardOpenOption.TRUNCATE_EXISTING);
        // A bad permission string fails the future (as in Vert.x), and so does anything the engine throws at once.
        CompletableFuture<io.ringfile.AsyncFile> opened;
        try {
            opened = engine.open(path, openOptions, permissions(options.getPerms()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // As Vert.x's, APPEND is not an open option: writes start at the size the file has when it is opened.
        return opened.thenCompose(file -> {
            if (!options.isAppend()) {
                return CompletableFuture.<AsyncFile>completedFuture(
                        new RingfileAsyncFile(vertx, context, file, path, options, 0));
            }
            return file.size().<AsyncFile>handle((size, error) -> {
                if (error != null) {
                    file.closeAsync();
                    throw error instanceof CompletionException ? (CompletionException) error
                            : new CompletionException(error);
                }
                return new RingfileAsyncFile(vertx, context, file, path, options, size);
            });
        });
    }

    // ---- create, exists, file-system properties

    @Override
    public Future<Void> createFile(String path) {
        return createFile(path, null);
    }

    @Override
    public RingfileFileSystem createFileBlocking(String path) {
        vertxFileSystem.createFileBlocking(path);
        return this;
    }

    @Override
    public Future<Void> createFile(String path, String perms) {
        Objects.requireNonNull(path);
        FileAttribute<?>[] attributes = permissions(perms);
        ContextInternal context = vertx.getOrCreateContext();
        Set<OpenOption> createNew = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        // Files.createFile is an open with CREATE_NEW and WRITE, then a close.
        return resolve(context, path).compose(file -> call(context, accessMessage("create", path),
                () -> engine.open(file.toPath(), createNew, attributes).thenCompose(io.ringfile.AsyncFile::closeAsync)));
    }

    @Override
    public RingfileFileSystem createFileBlocking(String path, String perms) {
        vertxFileSystem.createFileBlocking(path, perms);
        return this;
    }

    @Override
    public Future<Boolean> exists(String path) {
        Objects.requireNonNull(path);
        ContextInternal context = vertx.getOrCreateContext();
        String name = withoutTrailingSlash(path);
        File literal = new File(name);
        if (vertxResolver && (literal.isAbsolute() || !name.isEmpty())) {
            // The file exists where the path says: that is the file Vert.x's resolver would return.
            Future<Boolean> here = call(context, null, () -> engine.exists(literal.toPath()));
            if (literal.isAbsolute()) {
                return here;
            }
            return here.compose(found -> found ? context.succeededFuture(true)
                    : context.executeBlockingInternal(() -> vertx.fileResolver().resolve(path).exists()));
        }
        return context.executeBlockingInternal(() -> vertx.fileResolver().resolve(path).exists());
    }

    @Override
    public boolean existsBlocking(String path) {
        return vertxFileSystem.existsBlocking(path);
    }

    @Override
    public Future<FileSystemProps> fsProps(String path) {
        return vertxFileSystem.fsProps(path);
    }

    @Override
    public FileSystemProps fsPropsBlocking(String path) {
        return vertxFileSystem.fsPropsBlocking(path);
    }

    // ---- temporary files and directories

    @Override
    public Future<String> createTempDirectory(String prefix) {
        return createTempDirectory(null, prefix, null);
    }

    @Override
    public String createTempDirectoryBlocking(String prefix) {
        return vertxFileSystem.createTempDirectoryBlocking(prefix);
    }

    @Override
    public Future<String> createTempDirectory(String prefix, String perms) {
        return createTempDirectory(null, prefix, perms);
    }

    @Override
    public String createTempDirectoryBlocking(String prefix, String perms) {
        return vertxFileSystem.createTempDirectoryBlocking(prefix, perms);
    }

    @Override
    public Future<String> createTempDirectory(String dir, String prefix, String perms) {
        FileAttribute<?>[] attributes = permissions(perms);
        ContextInternal context = vertx.getOrCreateContext();
        String message = "Unable to create subfolder of folder at path '" + dir + "'";
        Future<Path> created;
        if (dir == null) {
            created = call(context, message, () -> engine.createTempDirectory(prefix, attributes));
        } else {
            created = resolve(context, dir).compose(parent ->
                    call(context, message, () -> engine.createTempDirectory(parent.toPath(), prefix, attributes)));
        }
        return created.map(RingfileFileSystem::absolute);
    }

    @Override
    public String createTempDirectoryBlocking(String dir, String prefix, String perms) {
        return vertxFileSystem.createTempDirectoryBlocking(dir, prefix, perms);
    }

    @Override
    public Future<String> createTempFile(String prefix, String suffix) {
        return createTempFile(null, prefix, suffix, null);
    }

    @Override
    public String createTempFileBlocking(String prefix, String suffix) {
        return vertxFileSystem.createTempFileBlocking(prefix, suffix);
    }

    @Override
    public Future<String> createTempFile(String prefix, String suffix, String perms) {
        return createTempFile(null, prefix, suffix, perms);
    }

    @Override
    public String createTempFileBlocking(String prefix, String suffix, String perms) {
        return vertxFileSystem.createTempFileBlocking(prefix, suffix, perms);
    }

    @Override
    public Future<String> createTempFile(String dir, String prefix, String suffix, String perms) {
        FileAttribute<?>[] attributes = permissions(perms);
        ContextInternal context = vertx.getOrCreateContext();
        String message = "Unable to create temporary file with prefix '" + prefix + "' and suffix '" + suffix
                + "' at " + dir;
        Future<Path> created;
        if (dir == null) {
            created = call(context, message, () -> engine.createTempFile(prefix, suffix, attributes));
        } else {
            created = resolve(context, dir).compose(parent ->
                    call(context, message, () -> engine.createTempFile(parent.toPath(), prefix, suffix, attributes)));
        }
        return created.map(RingfileFileSystem::absolute);
    }

    @Override
    public String createTempFileBlocking(String dir, String prefix, String suffix, String perms) {
        return vertxFileSystem.createTempFileBlocking(dir, prefix, suffix, perms);
    }

    // ---- plumbing

    /**
     * The file Vert.x's file resolver gives for {@code path}, found without blocking where it can be (see the
     * class description): completed on {@code context}.
     */
    private Future<File> resolve(ContextInternal context, String path) {
        if (vertxResolver) {
            String name = withoutTrailingSlash(path);
            File literal = new File(name);
            if (literal.isAbsolute()) {
                return context.succeededFuture(literal);
            }
            if (!name.isEmpty()) {
                return call(context, null, () -> engine.exists(literal.toPath())).compose(found -> found
                        ? context.succeededFuture(literal)
                        : context.executeBlockingInternal(() -> vertx.fileResolver().resolve(path)));
            }
        }
        return context.executeBlockingInternal(() -> vertx.fileResolver().resolve(path));
    }

    /** Vert.x's resolver drops one trailing separator before anything else. */
    private static String withoutTrailingSlash(String path) {
        int last = path.length() - 1;
        return last >= 0 && path.charAt(last) == File.separatorChar ? path.substring(0, last) : path;
    }

    /**
     * A Vert.x future on {@code context} of the engine's operation: an {@link IOException} becomes Vert.x's
     * {@link FileSystemException} with {@code message} (null: no I/O error expected), anything else, thrown at once
     * by the engine or failing its future, fails the future as it is.
     */
    static <T> Future<T> call(ContextInternal context, String message, Supplier<CompletableFuture<T>> operation) {
        return call(context, message, false, operation);
    }

    /** As {@link #call(ContextInternal, String, Supplier)}; {@code read}: the operation reads the file's bytes. */
    static <T> Future<T> call(ContextInternal context, String message, boolean read,
                              Supplier<CompletableFuture<T>> operation) {
        CompletableFuture<T> result;
        try {
            result = operation.get();
        } catch (RuntimeException e) {
            return context.failedFuture(e);
        }
        PromiseInternal<T> promise = context.promise();
        // Completing a context's promise on its own thread runs its handlers at once; from another thread, Vert.x
        // hands them to the context.
        result.whenComplete((value, error) -> {
            if (error == null) {
                promise.complete(value);
            } else {
                promise.fail(failure(message, error, read));
            }
        });
        return promise.future();
    }

    static Throwable failure(String message, Throwable error) {
        return failure(message, error, false);
    }

    /** As {@link #failure(String, Throwable)}; {@code read}: the operation reads the file's bytes. */
    static Throwable failure(String message, Throwable error, boolean read) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        cause = read ? JdkFailures.asJdkRead(cause) : JdkFailures.asJdk(cause);
        if (cause instanceof IOException) {
            return message == null ? new FileSystemException(cause) : new FileSystemException(message, cause);
        }
        return cause;
    }

    private static String accessMessage(String action, String path) {
        return "Unable to " + action + " file at path '" + path + "'";
    }

    private static FileAttribute<?>[] permissions(String perms) {
        return perms == null ? new FileAttribute<?>[0]
                : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms))};
    }

    private static CopyOption[] copyOptions(CopyOptions options) {
        List<CopyOption> list = new ArrayList<>(4);
        if (options.isReplaceExisting()) list.add(StandardCopyOption.REPLACE_EXISTING);
        if (options.isCopyAttributes()) list.add(StandardCopyOption.COPY_ATTRIBUTES);
        if (options.isAtomicMove()) list.add(StandardCopyOption.ATOMIC_MOVE);
        if (options.isNofollowLinks()) list.add(LinkOption.NOFOLLOW_LINKS);
        return list.toArray(new CopyOption[0]);
    }

    private static String absolute(Path path) {
        return path.toFile().getAbsolutePath();
    }
}
