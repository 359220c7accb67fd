package io.ringfile.internal.uring;

import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@link NoWaitCalls} through {@code java.lang.foreign}: glibc's {@code preadv2} with {@code RWF_NOWAIT},
 * {@code statx} with {@code AT_STATX_DONT_SYNC}, {@code pwritev2} and the rest, errno captured. Compiled with {@code --release 22}; loaded by name
 * only on JDK 22 or later.
 *
 * <p>Each call borrows a scratch segment from a small pool: the iovec and the errno slot at its start, and after them
 * a name, a statx result or the bytes of a heap buffer's read or write (a heap array has no address to give the
 * kernel). A direct buffer is read into, or written from, in place.
 */
final class ForeignNoWaitCalls extends NoWaitCalls {
    private static final int RWF_NOWAIT = 0x8;
    private static final int EOPNOTSUPP = 95;
    private static final int EIO = 5;
    private static final int ENOMEM = 12;
    private static final int EAGAIN = 11;
    private static final int ENAMETOOLONG = 36;
    private static final int AT_FDCWD = -100;
    /** x86-64 and aarch64 (asm-generic) share openat2's number; fcntl's differs. */
    private static final long SYS_OPENAT2 = 437;
    private static final long SYS_FCNTL = "aarch64".equals(System.getProperty("os.arch")) ? 25 : 72;
    private static final int F_SETFL = 4;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final long SYS_SHUTDOWN = "aarch64".equals(System.getProperty("os.arch")) ? 210 : 48;
    private static final int SHUT_RDWR = 2;
    private static final int O_NONBLOCK = 04000;
    private static final int O_PATH = 0x200000;
    private static final long RESOLVE_CACHED = 0x20;
    /** struct open_how: flags, mode, resolve (three u64). */
    private static final int OPEN_HOW_SIZE = 24;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int AT_STATX_DONT_SYNC = 0x4000;
    /** The empty C string statx takes with AT_EMPTY_PATH. */
    private static final MemorySegment EMPTY = Arena.global().allocate(1);
    /** iovec (16 bytes), then the errno capture state, rounded up. */
    private static final long HEADER = 64;
    /** The most bytes of a heap buffer one call reads. */
    private static final int SCRATCH = 64 * 1024;
    /** Scratch segments kept for reuse (a power of two). */
    private static final int POOLED = 64;

    private final StructLayout state = Linker.Option.captureStateLayout();
    private final VarHandle errno = state.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** Free scratch segments; a slot is taken by swapping in null, so borrowing and giving back never allocate. */
    private final AtomicReferenceArray<Scratch> pool = new AtomicReferenceArray<>(POOLED);
    private MethodHandle preadv2;
    private MethodHandle pwritev2;
    private MethodHandle statx;
    private MethodHandle openat;
    private MethodHandle close;
    /** glibc's {@code syscall(number, a, b, c, d)}: for openat2, which glibc may not wrap, and fcntl. */
    private MethodHandle syscall4;

    @Override
    protected String refusal() {
        Module module = NoWaitCalls.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            return "native access is not enabled for " + (module.isNamed() ? "module " + module.getName()
                    : "the class path") + " (--enable-native-access=" + (module.isNamed() ? module.getName()
                    : "ALL-UNNAMED") + ")";
        }
        if (state.byteSize() > HEADER - 16) {
            return "the errno capture state takes " + state.byteSize() + " bytes";
        }
        Linker linker = Linker.nativeLinker();
        MemorySegment function = linker.defaultLookup().find("preadv2").orElse(null);
        if (function == null) {
            return "the C library has no preadv2";
        }
        preadv2 = linker.downcallHandle(function,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        MemorySegment writeFunction = linker.defaultLookup().find("pwritev2").orElse(null);
        if (writeFunction == null) {
            return "the C library has no pwritev2";
        }
        pwritev2 = linker.downcallHandle(writeFunction,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        MemorySegment statxFunction = linker.defaultLookup().find("statx").orElse(null);
        if (statxFunction == null) {
            return "the C library has no statx";
        }
        statx = linker.downcallHandle(statxFunction,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"));
        MemorySegment openatFunction = linker.defaultLookup().find("openat").orElse(null);
        MemorySegment closeFunction = linker.defaultLookup().find("close").orElse(null);
        if (openatFunction == null || closeFunction == null) {
            return "the C library has no openat or close";
        }
        // openat is variadic: the mode is its one variadic argument (an int, as C promotes it).
        openat = linker.downcallHandle(openatFunction,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(3), Linker.Option.captureCallState("errno"));
        MemorySegment syscallFunction = linker.defaultLookup().find("syscall").orElse(null);
        if (syscallFunction == null) {
            return "the C library has no syscall";
        }
        // syscall is variadic from its second argument; glibc reads every one as a long.
        syscall4 = linker.downcallHandle(syscallFunction,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        close = linker.downcallHandle(closeFunction,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        return null;
    }

    @Override
    protected int openAt(byte[] path, int flags, int mode) {
        if (path.length >= SCRATCH) {
            return -ENAMETOOLONG;
        }
        Scratch scratch = borrow();
        try {
            MemorySegment name = scratch.tail;
            MemorySegment.copy(path, 0, name, ValueLayout.JAVA_BYTE, 0, path.length);
            name.set(ValueLayout.JAVA_BYTE, path.length, (byte) 0);
            int fd = (int) openat.invokeExact(scratch.capture, AT_FDCWD, name, flags, mode);
            return fd >= 0 ? fd : -(int) errno.get(scratch.capture, 0L);
        } catch (Throwable e) { // cannot happen for this signature
            return -EIO;
        } finally {
            giveBack(scratch);
        }
    }

    @Override
    protected int openCachedNoWait(byte[] path, int flags, long resolve, int mask, ByteBuffer statxOut,
                                   int[] statxResult) {
        if (path.length >= SCRATCH - OPEN_HOW_SIZE - 8) {
            return -ENAMETOOLONG;
        }
        Scratch scratch = borrowIfMemory();
        if (scratch == null) {
            return -EAGAIN; // the caller opens through the ring instead
        }
        try {
            MemorySegment capture = scratch.capture;
            MemorySegment how = scratch.how;
            // O_PATH opens nothing for I/O (a FIFO does not wait) and openat2 refuses it with any other flag
            int open = (flags & O_PATH) != 0 ? flags : flags | O_NONBLOCK;
            how.set(ValueLayout.JAVA_LONG, 0, open & 0xFFFFFFFFL);
            how.set(ValueLayout.JAVA_LONG, 8, 0L);
            how.set(ValueLayout.JAVA_LONG, 16, RESOLVE_CACHED | resolve);
            MemorySegment name = scratch.afterHow;
            MemorySegment.copy(path, 0, name, ValueLayout.JAVA_BYTE, 0, path.length);
            name.set(ValueLayout.JAVA_BYTE, path.length, (byte) 0);
            long fd = (long) syscall4.invokeExact(capture, SYS_OPENAT2, (long) AT_FDCWD, name.address(),
                    how.address(), (long) OPEN_HOW_SIZE);
            if (fd < 0) {
                return -(int) errno.get(capture, 0L);
            }
            // The name is no longer needed: the statx result goes where it was.
            MemorySegment result = scratch.statx;
            int res = (int) statx.invokeExact(capture, (int) fd, EMPTY, AT_EMPTY_PATH | AT_STATX_DONT_SYNC, mask,
                    result);
            if (res != 0) {
                statxResult[0] = -(int) errno.get(capture, 0L);
            } else {
                statxResult[0] = 0;
                copyOut(result, statxOut);
            }
            return (int) fd;
        } catch (Throwable e) { // cannot happen for these signatures
            return -EIO;
        } finally {
            giveBack(scratch);
        }
    }

    @Override
    protected int clearStatusFlags(int fd) {
        // F_SETFL answers 0; without scratch memory the op that needed it fails with "Cannot allocate memory".
        return syscall(SYS_FCNTL, fd, F_SETFL, 0, -ENOMEM);
    }

    @Override
    protected int pipeCapacity(int fd, int bytes) {
        return syscall(SYS_FCNTL, fd, F_SETPIPE_SZ, bytes, -EIO); // without memory the pipe keeps its size
    }

    @Override
    protected int shutdownBoth(int fd) {
        return syscall(SYS_SHUTDOWN, fd, SHUT_RDWR, 0, -ENOMEM);
    }

    @Override
    protected int duplicateCloseOnExec(int fd) {
        return syscall(SYS_FCNTL, fd, F_DUPFD_CLOEXEC, 0, -ENOMEM);
    }

    /**
     * {@code syscall(number, fd, a, b, 0)}: its non-negative result, or the negated errno; {@code noMemory} where no
     * scratch memory for the errno capture can be had.
     */
    private int syscall(long number, int fd, long a, long b, int noMemory) {
        Scratch scratch = borrowIfMemory();
        if (scratch == null) {
            return noMemory;
        }
        try {
            MemorySegment capture = scratch.capture;
            long res = (long) syscall4.invokeExact(capture, number, (long) fd, a, b, 0L);
            return res >= 0 ? (int) res : -(int) errno.get(capture, 0L);
        } catch (Throwable e) { // cannot happen for this signature
            return -EIO;
        } finally {
            giveBack(scratch);
        }
    }

    @Override
    protected int statxCopied(int fd, int mask, ByteBuffer out) {
        Scratch scratch = borrowIfMemory();
        if (scratch == null) {
            return -EIO; // the caller asks the ring instead
        }
        try {
            MemorySegment capture = scratch.capture;
            MemorySegment result = scratch.statx;
            int res = (int) statx.invokeExact(capture, fd, EMPTY, AT_EMPTY_PATH, mask, result);
            if (res != 0) {
                return -(int) errno.get(capture, 0L);
            }
            copyOut(result, out);
            return 0;
        } catch (Throwable e) { // cannot happen for this signature; the ring asks instead
            return -EIO;
        } finally {
            giveBack(scratch);
        }
    }

    @Override
    protected int closeFd(int fd) {
        Scratch scratch = borrowIfMemory();
        if (scratch == null) { // the descriptor must be closed all the same, or it leaks
            return closeWithoutScratch(fd);
        }
        try {
            MemorySegment capture = scratch.capture;
            int res = (int) close.invokeExact(capture, fd);
            return res == 0 ? 0 : -(int) errno.get(capture, 0L);
        } catch (Throwable e) { // cannot happen for this signature
            return -EIO;
        } finally {
            giveBack(scratch);
        }
    }

    /** close(2) through Netty's JNI binding, which needs no native memory; 0 or the negated errno. */
    private static int closeWithoutScratch(int fd) {
        try {
            new FileDescriptor(fd).close();
            return 0;
        } catch (Errors.NativeIoException e) {
            return e.expectedErr(); // Netty's is already negated
        } catch (IOException e) {
            return -EIO;
        }
    }

    @Override
    protected int statxNoSync(int fd, long buffer, int mask) {
        Scratch scratch = borrowIfMemory();
        if (scratch == null) {
            return -EIO; // the caller asks the ring instead
        }
        try {
            MemorySegment capture = scratch.capture;
            int res = (int) statx.invokeExact(capture, fd, EMPTY,
                    AT_EMPTY_PATH | AT_STATX_DONT_SYNC, mask, MemorySegment.ofAddress(buffer));
            return res == 0 ? 0 : -(int) errno.get(capture, 0L);
        } catch (Throwable e) { // cannot happen for this signature; the ring asks instead
            return -EIO;
        } finally {
            giveBack(scratch);
        }
    }

    @Override
    protected int readNoWait(int fd, ByteBuffer dst, long position, int heapLimit) {
        Scratch scratch = borrowIfMemory();
        if (scratch == null) {
            return MISS;
        }
        try {
            if (dst.isDirect()) { // in place: its address, no segment made for it
                return readOnce(scratch, fd, NativeMemory.address(dst) + dst.position(), dst.remaining(), dst,
                        position);
            }
            // A heap buffer is read through the scratch, one piece at a time, up to heapLimit bytes in all.
            int wanted = Math.min(dst.remaining(), heapLimit);
            int total = 0;
            while (total < wanted) {
                int piece = Math.min(wanted - total, SCRATCH);
                int n = readOnce(scratch, fd, scratch.tail.address(), piece, dst, position + total);
                if (n < 0) {
                    return total > 0 ? total : n;
                }
                total += n;
                if (n < piece) {
                    break;
                }
            }
            return total;
        } finally {
            giveBack(scratch);
        }
    }

    @Override
    protected int writeHere(int fd, ByteBuffer src, long position, int heapLimit) {
        Scratch scratch = borrowIfMemory();
        if (scratch == null) {
            return NOT_WRITTEN;
        }
        try {
            if (src.isDirect()) { // in place: its address, no segment made for it
                return writeOnce(scratch, fd, NativeMemory.address(src) + src.position(), src.remaining(), src,
                        position);
            }
            // A heap buffer is written through the scratch, one piece at a time, up to heapLimit bytes in all.
            int wanted = Math.min(src.remaining(), heapLimit);
            int total = 0;
            while (total < wanted) {
                int piece = Math.min(wanted - total, SCRATCH);
                if (src.hasArray()) {
                    MemorySegment.copy(src.array(), src.arrayOffset() + src.position(), scratch.tail,
                            ValueLayout.JAVA_BYTE, 0, piece);
                } else {
                    scratch.tail.asSlice(0, piece).copyFrom(MemorySegment.ofBuffer(src).asSlice(0, piece));
                }
                int n = writeOnce(scratch, fd, scratch.tail.address(), piece, src, position + total);
                if (n == NOT_WRITTEN) {
                    return total > 0 ? total : n;
                }
                total += n;
                if (n < piece) {
                    break;
                }
            }
            return total;
        } finally {
            giveBack(scratch);
        }
    }

    /**
     * {@code pwritev2(fd, [address, length], 1, position, 0)} with the iovec and errno slot at the start of
     * {@code scratch}, advancing {@code src} by what was written: the bytes written, or {@link #NOT_WRITTEN} on any
     * error and for nothing written.
     */
    private int writeOnce(Scratch scratch, int fd, long address, int length, ByteBuffer src, long position) {
        MemorySegment iovec = scratch.all;
        iovec.set(ValueLayout.JAVA_LONG, 0, address);
        iovec.set(ValueLayout.JAVA_LONG, 8, length);
        long n;
        try {
            n = (long) pwritev2.invokeExact(scratch.capture, fd, iovec, 1, position, 0);
        } catch (Throwable e) { // cannot happen for this signature; the ring makes the write instead
            return NOT_WRITTEN;
        }
        if (n <= 0) {
            return NOT_WRITTEN;
        }
        src.position(src.position() + (int) n);
        return (int) n;
    }

    @Override
    protected int readIntoArray(int fd, byte[] array, int offset, int length, long position) {
        Scratch scratch = borrowIfMemory();
        if (scratch == null) {
            return MISS;
        }
        try {
            MemorySegment target = scratch.tail;
            int n = preadNoWait(scratch, fd, target.address(), Math.min(length + 1, SCRATCH), position);
            if (n > 0) {
                MemorySegment.copy(target, ValueLayout.JAVA_BYTE, 0, array, offset, Math.min(n, length));
            }
            return n;
        } finally {
            giveBack(scratch);
        }
    }

    /**
     * One preadv2 of up to {@code length} bytes at {@code address} (the direct buffer's own memory, or the scratch,
     * copied to {@code dst} after), advancing {@code dst} by what was read.
     */
    private int readOnce(Scratch scratch, int fd, long address, int length, ByteBuffer dst, long position) {
        int n = preadNoWait(scratch, fd, address, length, position);
        if (n <= 0) {
            return n;
        }
        if (!dst.isDirect()) {
            MemorySegment target = scratch.tail;
            if (dst.hasArray()) {
                MemorySegment.copy(target, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset() + dst.position(), n);
            } else {
                MemorySegment.ofBuffer(dst).copyFrom(target.asSlice(0, n));
            }
        }
        dst.position(dst.position() + n);
        return n;
    }

    /**
     * {@code preadv2(fd, [address, length], 1, position, RWF_NOWAIT)} with the iovec and errno slot at the start of
     * {@code scratch}: the bytes read, -1 at end of file, {@link #REFUSED} for EOPNOTSUPP, else {@link #MISS}
     * (EAGAIN, or an error the ring meets and reports).
     */
    private int preadNoWait(Scratch scratch, int fd, long address, int length, long position) {
        MemorySegment iovec = scratch.all;
        iovec.set(ValueLayout.JAVA_LONG, 0, address); // iov_base: a pointer is 64 bits on the platforms io_uring runs
        iovec.set(ValueLayout.JAVA_LONG, 8, length);
        MemorySegment capture = scratch.capture;
        long n;
        try {
            n = (long) preadv2.invokeExact(capture, fd, iovec, 1, position, RWF_NOWAIT);
        } catch (Throwable e) { // cannot happen for this signature; the ring makes the read instead
            return MISS;
        }
        if (n < 0) {
            return (int) errno.get(capture, 0L) == EOPNOTSUPP ? REFUSED : MISS;
        }
        return n == 0 ? -1 : (int) n;
    }

    /** A statx result copied into a heap buffer's array (no segment made for it), else through a segment. */
    private static void copyOut(MemorySegment result, ByteBuffer out) {
        if (out.hasArray()) {
            MemorySegment.copy(result, ValueLayout.JAVA_BYTE, 0, out.array(), out.arrayOffset() + out.position(),
                    Linux.STATX_BUFFER_SIZE);
        } else {
            MemorySegment.ofBuffer(out).copyFrom(result);
        }
    }

    /**
     * One call's native memory, sliced once when made so that a call allocates nothing: the iovec at 0, the errno
     * capture state at 16, and from {@link #HEADER} a name, a statx result or the bytes of a heap buffer's read.
     */
    private final class Scratch {
        final MemorySegment all = Arena.ofAuto().allocate(HEADER + SCRATCH, 8); // freed by the GC once unreachable
        final MemorySegment capture = all.asSlice(16, state.byteSize());
        final MemorySegment tail = all.asSlice(HEADER);
        final MemorySegment statx = all.asSlice(HEADER, Linux.STATX_BUFFER_SIZE);
        /** openat2's struct open_how, and after it (8 bytes on) the name it opens. */
        final MemorySegment how = all.asSlice(HEADER, OPEN_HOW_SIZE);
        final MemorySegment afterHow = all.asSlice(HEADER + OPEN_HOW_SIZE + 8);
    }

    @Override
    protected long pooledBytes() {
        long bytes = 0;
        for (int i = 0; i < POOLED; i++) {
            Scratch scratch = pool.get(i);
            if (scratch != null) {
                bytes += scratch.all.byteSize();
            }
        }
        return bytes;
    }

    private Scratch borrow() {
        int from = (int) Thread.currentThread().threadId();
        for (int i = 0; i < POOLED; i++) {
            Scratch scratch = pool.getAndSet((from + i) & (POOLED - 1), null);
            if (scratch != null) {
                return scratch;
            }
        }
        return new Scratch();
    }

    /**
     * As {@link #borrow}, or null where a new scratch segment cannot be had (direct memory has run out: the JDK counts
     * these segments against {@code -XX:MaxDirectMemorySize}). Every call but {@link #openAt} then declines, as it
     * does for an error the ring reports instead: an optional shortcut must not turn into a synchronous
     * {@link OutOfMemoryError} out of an asynchronous call, nor strand a descriptor it was to close.
     */
    private Scratch borrowIfMemory() {
        try {
            return borrow();
        } catch (OutOfMemoryError noMemory) {
            return null;
        }
    }

    private void giveBack(Scratch scratch) {
        int from = (int) Thread.currentThread().threadId();
        for (int i = 0; i < POOLED; i++) {
            if (pool.compareAndSet((from + i) & (POOLED - 1), null, scratch)) {
                return;
            }
        }
        // the pool is full: the GC frees this one
    }
}
