package io.ringfile.internal;

import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.backend.PlatformPaths;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Replace a file's content so that a crash leaves the old content or the new, never a mix: write a temporary file
 * beside the file, give it the old file's permission bits, owner and group, fsync it, rename it over the file, fsync
 * the directory so the rename itself is durable. Each step starts when the one before has completed.
 *
 * <p>A symbolic link is followed to its final target, as {@code Files.write} follows it: the target is replaced in
 * its own directory and the links stay. The temporary file is created readable by its owner only (0600) when it
 * replaces a file, so the new content is never readable by anyone the old file kept out; a new file gets the mode
 * {@code Files.write} gives (0666 less the umask) from the start.
 *
 * <p>On another file-system provider (a zip file system) the temporary entry is moved with REPLACE_EXISTING and
 * ATOMIC_MOVE (REPLACE_EXISTING alone where the provider cannot move atomically); there is no directory to fsync.
 *
 * <p>Every failure names the path the caller passed; the temporary file or the resolved target appears as the
 * "other file". A failure deletes the temporary file if it was created and not yet renamed.
 */
final class AtomicWrite {
    /** Links followed before giving up, as Linux's MAXSYMLINKS. */
    private static final int MAX_LINKS = 40;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /** Characters of the target's name kept in the temporary file's name: enough to tell whose it is. */
    private static final int NAME_HINT = 32;

    private final EngineImpl engine;
    private final FileBackend backend;
    private final Path target;
    private final byte[] bytes;
    /** The platform's file system: the kernel's rename and a directory to fsync. */
    private final boolean local;
    // Each field is written by one step and read by the later ones: CompletableFuture orders them.
    private Plan plan;
    private Path temp;
    private boolean moved;

    private AtomicWrite(EngineImpl engine, FileBackend backend, Path target, byte[] bytes) {
        this.engine = engine;
        this.backend = backend;
        this.target = target;
        this.bytes = bytes;
        this.local = PlatformPaths.isLocal(target);
    }

    /** Replaces {@code target}'s content with {@code bytes}; completes with {@code target}. */
    static CompletableFuture<Path> run(EngineImpl engine, FileBackend backend, Path target, byte[] bytes) {
        return new AtomicWrite(engine, backend, target, bytes).start();
    }

    private CompletableFuture<Path> start() {
        return engine.onPool(target, this::plan)
                .thenCompose(planned -> {
                    plan = planned;
                    return EngineImpl.withFile(createTemporaryFile(), this::fill);
                })
                // A zip file system creates the entry only when its channel closes.
                .thenCompose(filled -> local ? CompletableFuture.<Void>completedFuture(null) : keepAttributes(temp))
                .thenCompose(attributed -> move())
                .thenCompose(done -> local ? syncDirectory() : CompletableFuture.<Void>completedFuture(null))
                .handle((ok, error) -> error == null ? CompletableFuture.completedFuture(target) : fail(error))
                .thenCompose(Function.identity());
    }

    /** What to replace: the final target of any links, and its attributes if it exists. Blocking: on the pool. */
    private Plan plan() throws IOException {
        boolean posix = target.getFileSystem().supportedFileAttributeViews().contains("posix");
        Path path = target.toAbsolutePath();
        for (int links = 0; ; links++) {
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                // A new file (a missing directory is reported when the temporary file cannot be created there).
                return new Plan(path, null);
            }
            if (!attributes.isSymbolicLink()) {
                if (attributes.isDirectory()) {
                    throw new FileSystemException(target.toString(), null, "Is a directory");
                }
                if (!attributes.isRegularFile()) { // a device or a FIFO must not become a regular file
                    throw new FileSystemException(target.toString(), null, "Not a regular file");
                }
                return new Plan(path, posix
                        ? Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS) : null);
            }
            if (links == MAX_LINKS) {
                throw new FileSystemException(target.toString(), null, "Too many levels of symbolic links");
            }
            // Relative to the link's own directory, not normalized: ".." after a linked directory is the kernel's.
            path = path.getParent().resolve(Files.readSymbolicLink(path));
        }
    }

    private CompletableFuture<AsyncFileImpl> createTemporaryFile() {
        Path directory = plan.file.getParent();
        String prefix = "." + nameHint(plan.file.getFileName().toString()) + ".";
        // Replacing a file: owner-only until its own mode is set. A new file: the mode Files.write would give it.
        FileAttribute<?>[] attributes = local && plan.attributes != null
                ? new FileAttribute<?>[] {OWNER_ONLY} : new FileAttribute<?>[0];
        return TempFiles.retryWhileTaken(() -> engine.openInternal(OpenSpec.of(
                        TempFiles.name(directory, prefix, ".tmp", ".tmp"),
                        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)))
                .thenApply(file -> {
                    temp = file.path();
                    return file;
                });
    }

    /** Up to {@link #NAME_HINT} characters of {@code name}, those that are safe in any locale's file names. */
    private static String nameHint(String name) {
        StringBuilder hint = new StringBuilder(NAME_HINT);
        for (int i = 0; i < name.length() && hint.length() < NAME_HINT; i++) {
            char c = name.charAt(i);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_';
            hint.append(safe ? c : '_');
        }
        return hint.toString();
    }

    /** Owner, group and mode first (the file is still owner-only) so the fsync covers them, the content, fsync. */
    private CompletableFuture<Void> fill(AsyncFileImpl file) {
        CompletableFuture<Void> attributes = local ? keepAttributes(file.path())
                : CompletableFuture.completedFuture(null);
        return attributes
                .thenCompose(ignored -> Chunks.write(file, bytes, 0, bytes.length, 0, false))
                .thenCompose(written -> file.force(true, null));
    }

    private CompletableFuture<Void> keepAttributes(Path file) {
        return plan.attributes == null ? CompletableFuture.completedFuture(null) : engine.onPool(file, () -> {
            keepAttributes(file, plan.attributes);
            return null;
        });
    }

    /**
     * Gives the temporary file the replaced file's owner, group and permission bits (rwx for each class; set-id and
     * sticky bits are not carried over). Owner and group are set where the process may (root can); where the group
     * cannot be kept, the group gets no more than others have, so no one gains access the old file denied them.
     * Blocking: on the pool.
     */
    private static void keepAttributes(Path temp, PosixFileAttributes old) throws IOException {
        PosixFileAttributeView view =
                Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributes now = view.readAttributes();
        if (!now.isRegularFile()) { // replaced under us: set nothing through whatever is there now
            throw new FileSystemException(temp.toString(), null, "the temporary file was replaced");
        }
        Set<PosixFilePermission> mode = EnumSet.noneOf(PosixFilePermission.class);
        mode.addAll(old.permissions());
        if (old.owner() != null && !old.owner().equals(now.owner())) {
            try {
                view.setOwner(old.owner()); // lchown: never follows a link
            } catch (IOException notPermitted) {
                // The process may not give files away: the file stays its own, which wrote the content.
            }
        }
        if (old.group() != null && !old.group().equals(now.group())) {
            try {
                view.setGroup(old.group());
            } catch (IOException notPermitted) {
                limitGroupToOthers(mode);
            }
        }
        if (!mode.equals(now.permissions())) {
            view.setPermissions(mode);
        }
    }

    private static void limitGroupToOthers(Set<PosixFilePermission> mode) {
        if (!mode.contains(PosixFilePermission.OTHERS_READ)) {
            mode.remove(PosixFilePermission.GROUP_READ);
        }
        if (!mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            mode.remove(PosixFilePermission.GROUP_WRITE);
        }
        if (!mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
            mode.remove(PosixFilePermission.GROUP_EXECUTE);
        }
    }

    private CompletableFuture<Void> move() {
        CompletableFuture<Void> renamed = local ? backend.rename(temp, plan.file, true)
                : engine.onPool(plan.file, () -> {
                    try {
                        Files.move(temp, plan.file, StandardCopyOption.REPLACE_EXISTING,
                                StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(temp, plan.file, StandardCopyOption.REPLACE_EXISTING);
                    }
                    return null;
                });
        return renamed.thenRun(() -> moved = true);
    }

    /** fsync of the directory: makes the rename itself survive a crash. */
    private CompletableFuture<Void> syncDirectory() {
        Path directory = plan.file.getParent();
        return EngineImpl.withFile(engine.openInternal(OpenSpec.of(directory, Set.of(StandardOpenOption.READ))),
                opened -> opened.force(true, null));
    }

    private CompletableFuture<Path> fail(Throwable error) {
        Throwable reported = namingTarget(EngineImpl.unwrap(error));
        if (temp == null || moved) {
            return CompletableFuture.failedFuture(reported);
        }
        return backend.delete(temp, true).handle((deleted, ignored) -> {
            throw new CompletionException(reported);
        });
    }

    /** {@code error} as the same type naming the caller's path; what it named becomes the "other file". */
    private Throwable namingTarget(Throwable error) {
        String file = target.toString();
        if (error instanceof FileSystemException) {
            FileSystemException e = (FileSystemException) error;
            if (file.equals(e.getFile())) {
                return e;
            }
            String other = e.getFile();
            String reason = e.getReason();
            FileSystemException renamed;
            if (e instanceof NoSuchFileException) {
                renamed = new NoSuchFileException(file, other, reason);
            } else if (e instanceof AccessDeniedException) {
                renamed = new AccessDeniedException(file, other, reason);
            } else if (e instanceof FileAlreadyExistsException) {
                renamed = new FileAlreadyExistsException(file, other, reason);
            } else if (e instanceof AtomicMoveNotSupportedException) {
                renamed = new AtomicMoveNotSupportedException(file, other, reason);
            } else if (e instanceof NotDirectoryException) {
                renamed = new NotDirectoryException(file);
            } else if (e instanceof DirectoryNotEmptyException) {
                renamed = new DirectoryNotEmptyException(file);
            } else if (e.getClass() == FileSystemException.class) {
                renamed = new FileSystemException(file, other, reason);
            } else {
                renamed = new FileSystemException(file, other, e.toString());
            }
            renamed.initCause(e);
            return renamed;
        }
        if (error instanceof IOException) {
            FileSystemException renamed = new FileSystemException(file, temp == null ? null : temp.toString(),
                    String.valueOf(error.getMessage()));
            renamed.initCause(error);
            return renamed;
        }
        return error;
    }

    /** The file to replace (links resolved) and its attributes: null for a new file or where not POSIX. */
    private static final class Plan {
        final Path file;
        final PosixFileAttributes attributes;

        Plan(Path file, PosixFileAttributes attributes) {
            this.file = file;
            this.attributes = attributes;
        }
    }
}
