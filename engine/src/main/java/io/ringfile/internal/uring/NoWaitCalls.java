package io.ringfile.internal.uring;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * System calls that do not wait, made on the calling thread instead of through the ring:
 * <ul>
 *   <li>{@link #read}: {@code preadv2(fd, ..., RWF_NOWAIT)}, which copies what the page cache holds and fails with
 *       EAGAIN where it would have to wait for the device (the kernel has still started the readahead, which on a
 *       fast device may finish within the call and turn the miss into a hit). A thread that is going to wait anyway
 *       tries this first and goes to the ring only on a miss, so a cache hit costs one system call and no hand-off.
 *   <li>{@link #statxOpenFile}: {@code statx} of an open descriptor with {@code AT_STATX_DONT_SYNC} (attributes as
 *       the kernel holds them, no round trip to a network or FUSE server), for the type and size an open needs. The
 *       ring's STATX always runs on a kernel worker thread; this saves an open that round trip.
 * </ul>
 * and, for platform threads that wait for the outcome anyway (a blocking channel's open, size and close), the plain
 * calls: {@link #open}, {@link #statxOpenFile} without {@code AT_STATX_DONT_SYNC}, {@link #close}, {@link #write}
 * (for callers whose thread may wait, see {@code FileEngine.Builder.writesOnCallerThread}); and for whole-file
 * reads of cached files on the caller's thread, {@link #openCached} (an {@code openat2} whose lookup does not wait).
 *
 * <p>Made through {@code java.lang.foreign}, so only on JDK 22 or later, and only where the JVM grants this module
 * native access ({@code --enable-native-access=io.ringfile}, or {@code ALL-UNNAMED} on the class path): Ringfile
 * never triggers the JDK's restricted-method warning on its own. {@code -Dringfile.noWaitCalls=false} turns it off.
 * Elsewhere {@link #available()} is false and {@link #unavailabilityCause()} says why; callers then use the ring.
 *
 * <p>The implementation, {@code ForeignNoWaitCalls}, is compiled from {@code src/main/java22} with
 * {@code --release 22} when the build runs on JDK 22 or later, and loaded by name only on such a JVM; a build on
 * JDK 17 leaves it out and this class reports that.
 */
public abstract class NoWaitCalls {
    /** {@link #read} result: the data is not all in memory (or the call failed); use the ring. */
    public static final int MISS = -2;
    /** {@link #readNoWait} result: the file's file system refuses RWF_NOWAIT (EOPNOTSUPP); nothing was read. */
    static final int REFUSED = -3;

    private static final LongAdder HITS = new LongAdder();
    private static final LongAdder MISSES = new LongAdder();
    private static final NoWaitCalls INSTANCE;
    private static final String CAUSE;

    static {
        NoWaitCalls loaded = null;
        String cause;
        if (!Boolean.parseBoolean(System.getProperty("ringfile.noWaitCalls", "true"))) {
            cause = "turned off with -Dringfile.noWaitCalls=false";
        } else if (Runtime.version().feature() < 22) {
            cause = "needs JDK 22 or later (java.lang.foreign); this is JDK " + Runtime.version().feature();
        } else {
            try {
                loaded = (NoWaitCalls) Class.forName("io.ringfile.internal.uring.ForeignNoWaitCalls")
                        .getDeclaredConstructor().newInstance();
                cause = loaded.refusal();
                if (cause != null) {
                    loaded = null;
                }
            } catch (ClassNotFoundException e) {
                cause = "this build of Ringfile was made on JDK 17 and lacks its JDK 22 classes";
            } catch (Throwable e) { // class initialization never fails: report it instead
                cause = "could not set up the foreign calls: " + e;
            }
        }
        INSTANCE = loaded;
        CAUSE = cause;
    }

    /** Whether {@link #read} and {@link #statxOpenFile} can be called. */
    public static boolean available() {
        return INSTANCE != null;
    }

    /** Why {@link #available()} is false, or null when it is true. */
    public static String unavailabilityCause() {
        return CAUSE;
    }

    /**
     * Native memory held by the pool of scratch segments the calls borrow (bounded: 64 segments of 64 KiB at most),
     * counted by the JDK as direct memory; 0 where the calls are unavailable. For leak checks, which must not take
     * the pool's growth to its bound for a leak.
     */
    public static long pooledScratchBytes() {
        return INSTANCE == null ? 0 : INSTANCE.pooledBytes();
    }

    /** Reads answered from memory on the calling thread, since the JVM started. */
    public static long hits() {
        return HITS.sum();
    }

    /** Reads tried and sent on to the ring (EAGAIN, or an error the ring reports instead), since the JVM started. */
    public static long misses() {
        return MISSES.sum();
    }

    /**
     * One read into {@code dst} from {@code position}, without waiting: the bytes read (the buffer's position is
     * advanced by them; fewer than asked where only part is in memory), -1 at end of file, or {@link #MISS} with
     * nothing read, or {@link #REFUSED} where the file system refuses the flag. The caller keeps {@code fd} open
     * meanwhile. Only for {@link #available()}.
     *
     * @param heapLimit the most bytes one call reads into a heap buffer (it goes through native memory)
     */
    static int read(int fd, ByteBuffer dst, long position, int heapLimit) {
        int n = INSTANCE.readNoWait(fd, dst, position, heapLimit);
        if (n == MISS || n == REFUSED) {
            MISSES.increment();
        } else {
            HITS.increment();
        }
        return n;
    }

    /** The most bytes {@link #readPastEnd} takes in one call (its {@code length} + 1). */
    static final int PAST_END_LIMIT = 64 * 1024;

    /**
     * For a whole-file read: one read without waiting of {@code length + 1} bytes at {@code position}, the first
     * {@code length} (or fewer) of them copied into {@code array} from {@code offset}. Returns the bytes read
     * ({@code length + 1} where the file goes on past them), -1 at end of file, {@link #MISS} or {@link #REFUSED}
     * as {@link #read}. For {@code length + 1 <= }{@link #PAST_END_LIMIT}; only for {@link #available()}.
     */
    static int readPastEnd(int fd, byte[] array, int offset, int length, long position) {
        int n = INSTANCE.readIntoArray(fd, array, offset, length, position);
        if (n == MISS || n == REFUSED) {
            MISSES.increment();
        } else {
            HITS.increment();
        }
        return n;
    }

    /**
     * {@code statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, mask, buffer)}: 0, or the negated errno (the caller
     * then asks the ring). {@code buffer} is the address of {@link Linux#STATX_BUFFER_SIZE} bytes of native memory.
     * Only for {@link #available()}.
     */
    static int statxOpenFile(int fd, long buffer, int mask) {
        return INSTANCE.statxNoSync(fd, buffer, mask);
    }

    /**
     * As {@link #statxOpenFile}, but with the attributes brought up to date first (it may wait for a server), and
     * the {@link Linux#STATX_BUFFER_SIZE} bytes of the result copied into {@code out} (from its position): no native
     * buffer of the caller's.
     */
    static int statxOpenFileSynced(int fd, int mask, ByteBuffer out) {
        return INSTANCE.statxCopied(fd, mask, out);
    }

    /**
     * {@code openat(AT_FDCWD, path, flags, mode)} on the calling thread (it may wait for the device while it looks
     * the path up): the new descriptor, or the negated errno. {@code path} holds the name's bytes, without a NUL.
     */
    static int open(byte[] path, int flags, int mode) {
        return INSTANCE.openAt(path, flags, mode);
    }

    /** {@link #write} result: nothing was written (the call failed); the ring makes the write and reports it. */
    static final int NOT_WRITTEN = -2;

    /**
     * {@code pwrite(fd, src, position)} on the calling thread, which may wait (writeback throttling, a page read
     * in, the journal): the bytes written, the buffer's position advanced by them, or {@link #NOT_WRITTEN} with
     * nothing written, whatever the error (the ring meets it again and reports it). A heap buffer is written through
     * native scratch memory, at most {@code heapLimit} bytes. The caller keeps {@code fd} open meanwhile. Only for
     * {@link #available()}.
     */
    static int write(int fd, ByteBuffer src, long position, int heapLimit) {
        return INSTANCE.writeHere(fd, src, position, heapLimit);
    }

    /** {@code close(fd)} on the calling thread: 0, or the negated errno (the descriptor is closed either way). */
    static int close(int fd) {
        return INSTANCE.closeFd(fd);
    }

    /**
     * An open that does not wait for the device: {@code openat2(AT_FDCWD, path, {flags | O_NONBLOCK, 0,
     * RESOLVE_CACHED | resolve})} (every step of the lookup answered from the kernel's caches, else EAGAIN;
     * {@code resolve} adds openat2's other resolve flags, as RESOLVE_NO_SYMLINKS; O_NONBLOCK so that a FIFO does not
     * wait for a writer; not with O_PATH, which opens nothing for I/O and takes no such flag), then
     * {@code statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, mask)} into
     * {@code statxOut} (from its position, {@link Linux#STATX_BUFFER_SIZE} bytes). Returns the new descriptor, still
     * O_NONBLOCK (see {@link #clearNonBlocking}), or the negated errno of the open (EAGAIN where the lookup would
     * wait; ENOSYS and EINVAL where the kernel has no openat2 or no RESOLVE_CACHED). {@code statxResult} gets the
     * statx outcome (0 or the negated errno). {@code path} holds the name's bytes, without a NUL.
     */
    static int openCached(byte[] path, int flags, long resolve, int mask, ByteBuffer statxOut, int[] statxResult) {
        return INSTANCE.openCachedNoWait(path, flags, resolve, mask, statxOut, statxResult);
    }

    /**
     * {@code fcntl(fd, F_SETFL, 0)}: clears the O_NONBLOCK that {@link #openCached} set. 0 or the negated errno
     * (ENOMEM where the call's scratch memory cannot be had).
     */
    static int clearNonBlocking(int fd) {
        return INSTANCE.clearStatusFlags(fd);
    }

    /**
     * {@code fcntl(fd, F_SETPIPE_SZ, bytes)}: the pipe's capacity after it (the kernel rounds up to a power of two
     * pages), or the negated errno (EPERM past {@code /proc/sys/fs/pipe-max-size} or the user's pipe-page limit),
     * the pipe then unchanged.
     */
    static int setPipeCapacity(int fd, int bytes) {
        return INSTANCE.pipeCapacity(fd, bytes);
    }

    /**
     * {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: a new descriptor (close-on-exec) for the same open file, which stays
     * open until that descriptor is closed too whatever becomes of {@code fd} and its number, or the negated errno.
     */
    static int duplicate(int fd) {
        return INSTANCE.duplicateCloseOnExec(fd);
    }

    /**
     * {@code shutdown(fd, SHUT_RDWR)} of a socket: its peer is sent the end of the stream and what waits on the
     * socket wakes, however many descriptors it has. 0, or the negated errno.
     */
    static int shutdown(int fd) {
        return INSTANCE.shutdownBoth(fd);
    }

    /** Null when this implementation can run here, else why not; asked once, before any read. */
    protected abstract String refusal();

    /** See {@link #read}; {@link #MISS} also for any error but EOPNOTSUPP: the ring makes the read and reports it. */
    protected abstract int readNoWait(int fd, ByteBuffer dst, long position, int heapLimit);

    /** See {@link #readPastEnd}. */
    protected abstract int readIntoArray(int fd, byte[] array, int offset, int length, long position);

    /** See {@link #statxOpenFile}. */
    protected abstract int statxNoSync(int fd, long buffer, int mask);

    /** See {@link #statxOpenFileSynced}. */
    protected abstract int statxCopied(int fd, int mask, ByteBuffer out);

    /** See {@link #open}. */
    protected abstract int openAt(byte[] path, int flags, int mode);

    /** See {@link #close}. */
    protected abstract int closeFd(int fd);

    /** See {@link #pooledScratchBytes}. */
    protected abstract long pooledBytes();

    /** See {@link #write}. */
    protected abstract int writeHere(int fd, ByteBuffer src, long position, int heapLimit);

    /** See {@link #openCached}. */
    protected abstract int openCachedNoWait(byte[] path, int flags, long resolve, int mask, ByteBuffer statxOut,
                                            int[] statxResult);

    /** See {@link #setPipeCapacity}. */
    protected abstract int pipeCapacity(int fd, int bytes);

    /** See {@link #clearNonBlocking}. */
    protected abstract int clearStatusFlags(int fd);

    /** See {@link #duplicate}. */
    protected abstract int duplicateCloseOnExec(int fd);

    /** See {@link #shutdown}. */
    protected abstract int shutdownBoth(int fd);
}
