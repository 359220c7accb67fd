package io.ringfile.internal.backend;

import com.sun.nio.file.ExtendedOpenOption;

import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A validated request to open a file, read the way {@link java.nio.channels.FileChannel#open} reads its options:
 * READ is the default, APPEND implies WRITE, CREATE and TRUNCATE_EXISTING matter only when writing, READ with
 * APPEND and APPEND with TRUNCATE_EXISTING are rejected. Immutable.
 */
public final class OpenSpec {
    /** Permission bits used when a file is created without a {@code posix:permissions} attribute (less umask). */
    public static final int DEFAULT_CREATE_MODE = 0666;

    private static final FileAttribute<?>[] NO_ATTRIBUTES = {};

    private final Path path;
    /** The options as given (validated, duplicates kept); a set of them is made only if asked for. */
    private final OpenOption[] given;
    private final FileAttribute<?>[] attributes;
    private final boolean read, write, append, create, createNew, truncate, deleteOnClose, sync, dsync, noFollow,
            direct;
    private final int createMode;
    /** Ringfile's REGULAR_FILE_ONLY: anything but a regular file fails the open, which never waits for it. */
    private final boolean regularFileOnly;
    /** Ringfile's NO_SYMLINKS: a symbolic link as any component of the path fails the open. */
    private final boolean noSymlinks;

    private OpenSpec(Path path, OpenOption[] given, FileAttribute<?>[] attributes) {
        this(path, given, attributes, false, false);
    }

    private OpenSpec(Path path, OpenOption[] given, FileAttribute<?>[] attributes, boolean regularFileOnly,
                     boolean noSymlinks) {
        this.regularFileOnly = regularFileOnly;
        this.noSymlinks = noSymlinks;
        this.path = path;
        this.given = given;
        this.attributes = attributes;
        boolean a = has(StandardOpenOption.APPEND);
        boolean w = has(StandardOpenOption.WRITE) || a;
        boolean r = has(StandardOpenOption.READ) || !w;
        if (r && a) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (a && has(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        this.read = r;
        this.write = w;
        this.append = a;
        this.createNew = w && has(StandardOpenOption.CREATE_NEW);
        this.create = w && !createNew && has(StandardOpenOption.CREATE);
        this.truncate = w && has(StandardOpenOption.TRUNCATE_EXISTING);
        this.deleteOnClose = has(StandardOpenOption.DELETE_ON_CLOSE);
        this.sync = has(StandardOpenOption.SYNC);
        this.dsync = has(StandardOpenOption.DSYNC);
        // As the JDK on Unix: DELETE_ON_CLOSE also opens with O_NOFOLLOW (unless CREATE_NEW is given), so that
        // closing never deletes a link and leaves the file it points to.
        this.noFollow = has(LinkOption.NOFOLLOW_LINKS)
                || (deleteOnClose && !has(StandardOpenOption.CREATE_NEW));
        this.direct = has(ExtendedOpenOption.DIRECT);
        this.createMode = modeOf(attributes);
    }

    private boolean has(OpenOption option) {
        for (OpenOption o : given) {
            if (o == option) {
                return true;
            }
        }
        return false;
    }

    /**
     * Validates {@code options} and {@code attributes} for {@code path}.
     *
     * @throws IllegalArgumentException for a combination {@code FileChannel.open} rejects
     * @throws UnsupportedOperationException for an option or attribute Ringfile does not support
     */
    public static OpenSpec of(Path path, Collection<? extends OpenOption> options, FileAttribute<?>... attributes) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(attributes, "attributes");
        OpenOption[] copy = new OpenOption[options.size()];
        int n = 0;
        for (OpenOption option : options) {
            Objects.requireNonNull(option, "option");
            if (!(option instanceof StandardOpenOption || option == LinkOption.NOFOLLOW_LINKS
                    || option == ExtendedOpenOption.DIRECT)) {
                throw new UnsupportedOperationException(option + " not supported");
            }
            if (n == copy.length) { // a collection that grew while it was read
                copy = Arrays.copyOf(copy, n * 2 + 1);
            }
            copy[n++] = option;
        }
        mode(DEFAULT_CREATE_MODE, attributes); // validates
        return new OpenSpec(path, n == copy.length ? copy : Arrays.copyOf(copy, n),
                attributes.length == 0 ? NO_ATTRIBUTES : attributes.clone());
    }

    private static int modeOf(FileAttribute<?>[] attributes) {
        return mode(DEFAULT_CREATE_MODE, attributes);
    }

    /**
     * Permission bits from a {@code posix:permissions} attribute, or {@code defaultMode} without one.
     *
     * @throws UnsupportedOperationException for any other attribute, as {@code Files} does
     */
    public static int mode(int defaultMode, FileAttribute<?>... attributes) {
        int mode = defaultMode;
        for (FileAttribute<?> attribute : attributes) {
            Objects.requireNonNull(attribute, "attribute");
            if (!attribute.name().equals("posix:permissions") && !attribute.name().equals("unix:permissions")) {
                throw new UnsupportedOperationException("'" + attribute.name() + "' not supported as initial attribute");
            }
            mode = 0;
            for (Object p : (Set<?>) attribute.value()) {
                mode |= 0400 >> ((PosixFilePermission) p).ordinal();
            }
        }
        return mode;
    }

    public Path path() {
        return path;
    }

    /**
     * True when the path belongs to the platform's default file system (the only one the kernel can open), also
     * through a default-provider replacement's wrapper; see {@link PlatformPaths#isLocal}.
     */
    public boolean onDefaultFileSystem() {
        return PlatformPaths.isLocal(path);
    }

    /** The options, as a new set each time. */
    public Set<OpenOption> options() {
        return new HashSet<>(Arrays.asList(given));
    }

    public FileAttribute<?>[] attributes() {
        return attributes.length == 0 ? NO_ATTRIBUTES : attributes.clone();
    }

    public boolean read() {
        return read;
    }

    public boolean write() {
        return write;
    }

    public boolean append() {
        return append;
    }

    public boolean create() {
        return create;
    }

    public boolean createNew() {
        return createNew;
    }

    public boolean truncate() {
        return truncate;
    }

    public boolean deleteOnClose() {
        return deleteOnClose;
    }

    public boolean sync() {
        return sync;
    }

    public boolean dsync() {
        return dsync;
    }

    /**
     * True when a symbolic link as the last path component must not be followed (the open fails): with
     * NOFOLLOW_LINKS, and with DELETE_ON_CLOSE unless CREATE_NEW is given, as {@code FileChannel.open} on Unix.
     */
    public boolean noFollow() {
        return noFollow;
    }

    public boolean direct() {
        return direct;
    }

    /** Permission bits for a newly created file, before the umask. */
    public int createMode() {
        return createMode;
    }

    /**
     * This open, refusing anything but a regular file (the engine's {@code RingfileOpenOption.REGULAR_FILE_ONLY},
     * which is not among {@link #options()}): a directory, FIFO, socket or device fails it with
     * {@link #notARegularFile()}, and the open never waits for the other side of a FIFO.
     */
    public OpenSpec withRegularFileOnly() {
        return regularFileOnly ? this : new OpenSpec(path, given, attributes, true, noSymlinks);
    }

    /** See {@link #withRegularFileOnly()}. */
    public boolean regularFileOnly() {
        return regularFileOnly;
    }

    /**
     * This open, following no symbolic link on any component of the path (the engine's
     * {@code RingfileOpenOption.NO_SYMLINKS}, which is not among {@link #options()}): a link anywhere fails it as
     * {@code O_NOFOLLOW} fails on a last component that is a link, in one step with the open.
     */
    public OpenSpec withNoSymlinks() {
        return noSymlinks ? this : new OpenSpec(path, given, attributes, regularFileOnly, true);
    }

    /** See {@link #withNoSymlinks()}. */
    public boolean noSymlinks() {
        return noSymlinks;
    }

    /** The failure of a {@linkplain #withRegularFileOnly() regular-file-only} open of something else. */
    public java.nio.file.FileSystemException notARegularFile() {
        return new java.nio.file.FileSystemException(path.toString(), null, "Not a regular file");
    }
}
