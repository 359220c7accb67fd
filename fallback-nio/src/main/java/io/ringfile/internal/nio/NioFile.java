package io.ringfile.internal.nio;

import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.Completion;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.backend.PlatformPaths;
import io.ringfile.internal.backend.TransferRequest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * An open channel whose operations run on the {@link NioBackend}'s pool: a {@link FileChannel}, or, for a file-system
 * provider that has none (jrt, for one, throws UnsupportedOperationException from {@code newFileChannel}), the
 * {@link SeekableByteChannel} that {@code Files.newByteChannel} returns, which is what {@code Files.readAllBytes}
 * and {@code Files.write} use there.
 *
 * <p>A {@code SeekableByteChannel} has no positional I/O. Each transfer at a position takes this file's lock, moves
 * the channel to the position, transfers, and moves it back, so the transfers of one such file run one at a time
 * (the pool may still run transfers of other files beside them). A channel that cannot be positioned at all
 * ({@code position(long)} unsupported, as jrt's) is unseekable: it is read and written in order only.
 *
 * <p>{@link #force}: {@code FileChannel.force} where there is a {@code FileChannel}. A bare
 * {@code SeekableByteChannel} has no way to make written data durable, so a force fails with
 * {@link UnsupportedOperationException} when the file was opened for writing; when it was opened only for reading
 * nothing was written through it and there is nothing to make durable, so the force completes.
 */
final class NioFile implements BackendFile {
    private final NioBackend backend;
    private final SeekableByteChannel channel;
    private final FileChannel fileChannel; // the same channel when it is a FileChannel, else null
    private final Path path;
    private final boolean seekable;
    private final boolean writable;
    private final int directIoAlignment;
    private final long sizeAtOpen;
    /** Opened with NOFOLLOW_LINKS (or as if): its attributes are those of a final link, not of its target. */
    private final boolean noFollow;
    /** Opened with NO_SYMLINKS: its attributes are read by name the same way, through no link. */
    private final boolean noSymlinks;

    private NioFile(NioBackend backend, SeekableByteChannel channel, Path path, boolean seekable, boolean writable,
                    int directIoAlignment, long sizeAtOpen, boolean noFollow, boolean noSymlinks) {
        this.backend = backend;
        this.noFollow = noFollow;
        this.noSymlinks = noSymlinks;
        this.channel = channel;
        this.fileChannel = channel instanceof FileChannel ? (FileChannel) channel : null;
        this.path = path;
        this.seekable = seekable;
        this.writable = writable;
        this.directIoAlignment = directIoAlignment;
        this.sizeAtOpen = sizeAtOpen;
    }

    @Override
    public long sizeAtOpen() {
        return sizeAtOpen;
    }

    @Override
    public int directIoAlignment() {
        return directIoAlignment; // the JDK checks transfers against it itself, with its own messages
    }

    /**
     * Opens {@code spec} on the calling (pool) thread: {@code FileChannel.open}, or {@code Files.newByteChannel}
     * when the path's provider has no {@code FileChannel}. A path of Ringfile's default-provider replacement is
     * opened unwrapped, by the provider it wraps: opening it through the replacement would come back here. Seekability
     * is learnt here: moving the channel to where it is fails with "Illegal seek" for pipes, FIFOs and sockets (one
     * lseek(2)), and with UnsupportedOperationException for a channel that cannot be positioned.
     */
    static NioFile open(NioBackend backend, OpenSpec spec) throws IOException {
        Path target = PlatformPaths.unwrap(spec.path());
        // By name, just before the open: the JDK has no open that cannot wait. With NO_SYMLINKS openWithoutLinks
        // checks relative to the directory it opens the file in.
        if (spec.regularFileOnly() && !spec.noSymlinks()) {
            boolean regular = spec.noFollow()
                    ? Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS).isRegularFile()
                    : Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile();
            if (!regular) {
                throw spec.notARegularFile();
            }
        }
        SeekableByteChannel channel;
        if (spec.noSymlinks()) {
            channel = openWithoutLinks(target, spec);
        } else {
            try {
                channel = FileChannel.open(target, spec.options(), spec.attributes());
            } catch (UnsupportedOperationException e) {
                channel = Files.newByteChannel(target, spec.options(), spec.attributes());
            }
        }
        boolean seekable;
        try {
            channel.position(channel.position());
            seekable = true;
        } catch (UnsupportedOperationException e) {
            seekable = false;
        } catch (IOException e) {
            if (!"Illegal seek".equals(e.getMessage())) {
                closeQuietly(channel, e);
                throw e;
            }
            seekable = false;
        }
        // A file opened only to be read may be read whole: learn its size on this thread, saving the caller a task.
        long size = -1;
        if (seekable && !spec.write() && channel instanceof FileChannel) {
            try {
                size = channel.size();
            } catch (IOException e) {
                size = -1; // the whole-file read asks again and reports what it gets then
            }
        }
        return new NioFile(backend, channel, spec.path(), seekable, spec.write(),
                spec.direct() ? blockSize(target) : 0, size, spec.noFollow(), spec.noSymlinks());
    }

    /**
     * Opens {@code target} following no symbolic link on any component ({@link OpenSpec#noSymlinks()}): the file is
     * opened relative to its directory as {@link #parentWithoutLinks} reaches it, with NOFOLLOW_LINKS. A directory
     * swapped for a link meanwhile fails the step that meets it, as the kernel's RESOLVE_NO_SYMLINKS would fail the
     * whole. Failures name the whole path; a link met is reported as the io_uring backend reports it. With
     * REGULAR_FILE_ONLY the type is read relative to the same directory just before the open.
     */
    private static SeekableByteChannel openWithoutLinks(Path target, OpenSpec spec) throws IOException {
        if (target.getFileName() == null) { // the root: no name to be a link
            if (spec.regularFileOnly()) { // a directory
                throw spec.notARegularFile();
            }
            return FileChannel.open(target, spec.options(), spec.attributes());
        }
        boolean regular = true;
        try (SecureDirectoryStream<Path> parent = parentWithoutLinks(target)) {
            if (spec.regularFileOnly()) {
                regular = parent.getFileAttributeView(target.getFileName(), BasicFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).readAttributes().isRegularFile();
            }
            if (regular) {
                java.util.Set<OpenOption> options = spec.options();
                options.add(LinkOption.NOFOLLOW_LINKS);
                return parent.newByteChannel(target.getFileName(), options, spec.attributes());
            }
        } catch (FileSystemException e) {
            throw wholePath(e, spec.path().toString());
        }
        throw spec.notARegularFile();
    }

    /**
     * The attributes of what {@code target} names, reached as {@link #openWithoutLinks} reaches it, without
     * following a link: never those of something a link elsewhere leads to.
     */
    private static BasicFileAttributes attributesWithoutLinks(Path target, String file) throws IOException {
        if (target.getFileName() == null) { // the root: no name to be a link
            return Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        try (SecureDirectoryStream<Path> parent = parentWithoutLinks(target)) {
            return parent.getFileAttributeView(target.getFileName(), BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (FileSystemException e) {
            throw wholePath(e, file);
        }
    }

    /**
     * The directory holding {@code target} (which has a file name), reached from the root (or the working
     * directory, for a relative path) one directory at a time, each opened relative to the one before it with
     * NOFOLLOW_LINKS (an {@code openat(2)} with {@code O_NOFOLLOW} each). The caller closes it.
     *
     * @throws UnsupportedOperationException where the file system has no {@code SecureDirectoryStream}
     */
    private static SecureDirectoryStream<Path> parentWithoutLinks(Path target) throws IOException {
        Path start = target.getRoot() != null ? target.getRoot() : target.getFileSystem().getPath(".");
        DirectoryStream<Path> first = Files.newDirectoryStream(start);
        if (!(first instanceof SecureDirectoryStream)) {
            first.close();
            throw new UnsupportedOperationException("NO_SYMLINKS needs a SecureDirectoryStream, which "
                    + target.getFileSystem().provider().getScheme() + " file systems do not have");
        }
        SecureDirectoryStream<Path> at = (SecureDirectoryStream<Path>) first;
        Path parent = target.getParent();
        try {
            for (int i = 0; parent != null && i < parent.getNameCount(); i++) {
                SecureDirectoryStream<Path> next = at.newDirectoryStream(parent.getName(i), LinkOption.NOFOLLOW_LINKS);
                at.close();
                at = next;
            }
        } catch (IOException | RuntimeException e) {
            at.close();
            throw e;
        }
        return at;
    }

    /** {@code e}, met at one step of a walk without links, as a failure of the whole path {@code file}. */
    private static FileSystemException wholePath(FileSystemException e, String file) {
        String reason = e.getReason();
        FileSystemException whole;
        if (reason != null && reason.startsWith("Too many levels of symbolic links")) {
            whole = new FileSystemException(file, null, "Too many levels of symbolic links (NO_SYMLINKS specified)");
        } else if (e instanceof NoSuchFileException) {
            whole = new NoSuchFileException(file);
        } else if (e instanceof AccessDeniedException) {
            whole = new AccessDeniedException(file, null, reason);
        } else if (e instanceof NotDirectoryException) {
            whole = new NotDirectoryException(file);
        } else if (e instanceof FileAlreadyExistsException) {
            whole = new FileAlreadyExistsException(file);
        } else if (e.getClass() == FileSystemException.class) {
            whole = new FileSystemException(file, null, reason);
        } else {
            return e;
        }
        whole.initCause(e);
        return whole;
    }

    /** The block size the JDK aligns direct I/O to: the file system's, or 0 where it cannot tell. */
    private static int blockSize(Path path) {
        try {
            return (int) Files.getFileStore(path).getBlockSize();
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    private static void closeQuietly(SeekableByteChannel channel, IOException cause) {
        try {
            channel.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    Path path() {
        return path;
    }

    @Override
    public boolean seekable() {
        return seekable;
    }

    @Override
    public void transfer(TransferRequest request) {
        boolean read = request.isRead();
        ByteBuffer buffer = request.buffer();
        long position = request.position();
        backend.run(path, request, () -> {
            int limit = capHeapTransfer(buffer);
            try {
                if (fileChannel == null) {
                    return transferWithoutFileChannel(read, buffer, position);
                }
                if (read) {
                    return position == CURRENT_POSITION ? fileChannel.read(buffer) : fileChannel.read(buffer, position);
                }
                return position == CURRENT_POSITION ? fileChannel.write(buffer) : fileChannel.write(buffer, position);
            } finally {
                buffer.limit(limit);
            }
        });
    }

    /** A transfer on a bare SeekableByteChannel, under this file's lock (see the class comment). */
    private synchronized long transferWithoutFileChannel(boolean read, ByteBuffer buffer, long position)
            throws IOException {
        if (position == CURRENT_POSITION) {
            return read ? channel.read(buffer) : channel.write(buffer);
        }
        if (!seekable) {
            throw new FileSystemException(path.toString(), null, "Illegal seek");
        }
        long saved = channel.position();
        channel.position(position);
        try {
            return read ? channel.read(buffer) : channel.write(buffer);
        } finally {
            channel.position(saved);
        }
    }

    /** Lowers a heap buffer's limit for the duration of one transfer; returns the limit to restore. */
    private static int capHeapTransfer(ByteBuffer buffer) {
        int limit = buffer.limit();
        if (!buffer.isDirect() && buffer.remaining() > HEAP_TRANSFER_LIMIT) {
            buffer.limit(buffer.position() + HEAP_TRANSFER_LIMIT);
        }
        return limit;
    }

    @Override
    public void size(Completion completion) {
        backend.run(path, completion, channel::size);
    }

    /** By path (see {@link BackendFile#readAttributes()}): the JDK has no fstat of a channel. */
    @Override
    public java.util.concurrent.CompletableFuture<java.nio.file.attribute.BasicFileAttributes> readAttributes() {
        Path target = PlatformPaths.unwrap(path);
        return backend.call(path, () -> noSymlinks
                ? attributesWithoutLinks(target, path.toString())
                : noFollow
                ? Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS)
                : Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class));
    }

    @Override
    public void truncate(long size, Completion completion) {
        backend.run(path, completion, () -> {
            synchronized (this) {
                channel.truncate(size);
            }
            return 0;
        });
    }

    @Override
    public void force(boolean metaData, Completion completion) {
        backend.run(path, completion, () -> {
            if (fileChannel != null) {
                fileChannel.force(metaData);
            } else if (writable) {
                throw new UnsupportedOperationException("force: the file system of " + path
                        + " offers no FileChannel, so data written to it cannot be forced to storage");
            }
            return 0;
        });
    }

    /**
     * This file's own channel, whatever access is asked (it was opened with the access the caller checks against):
     * closing it closes this file.
     */
    @Override
    public FileChannel platformChannel(boolean read, boolean write) {
        if (fileChannel == null) {
            throw new UnsupportedOperationException("the file system of " + path + " offers no FileChannel");
        }
        return fileChannel;
    }

    /**
     * Closes the channel on the calling thread, so that a close never queues behind blocked operations; the JDK
     * wakes threads blocked in this channel and keeps the descriptor until they have left it. The backend forgets
     * the file only once its channel is closed: a shutdown that runs meanwhile still finds the file, and its own
     * close of the channel returns only when the descriptor is closed (the JDK's close waits for a close in
     * progress), so no descriptor outlives the shutdown on a thread that is not the backend's.
     */
    @Override
    public void close(Completion completion) {
        try {
            channel.close();
        } catch (IOException e) {
            completion.failed(NioErrors.translate(e, path));
            return;
        } finally {
            backend.forget(this);
        }
        completion.completed(0);
    }
}
