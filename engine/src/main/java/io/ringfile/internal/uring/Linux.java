package io.ringfile.internal.uring;

import io.ringfile.internal.backend.OpenSpec;

/** Linux ABI constants the io_uring backend needs (include/uapi/linux/io_uring.h, asm-generic/fcntl.h). */
final class Linux {
    private Linux() {
    }

    // io_uring opcodes
    static final byte IORING_OP_FSYNC = 3;
    static final byte IORING_OP_ASYNC_CANCEL = 14;
    static final byte IORING_OP_OPENAT = 18;
    /** addr: the path, addr2 (the off field): a struct open_how, len: its size. */
    static final byte IORING_OP_OPENAT2 = 28;
    /** sizeof(struct open_how): flags, mode, resolve, three u64. */
    static final int OPEN_HOW_SIZE = 24;
    /** openat2's resolve flag: fail with ELOOP on a symbolic link as any component of the path. */
    static final long RESOLVE_NO_SYMLINKS = 0x04;
    /** Sends the entry to a kernel worker at once, with no inline attempt on the submitting thread. */
    static final byte IOSQE_ASYNC = 1 << 4;
    static final byte IORING_OP_CLOSE = 19;
    static final byte IORING_OP_STATX = 21;
    static final byte IORING_OP_READ = 22;
    static final byte IORING_OP_WRITE = 23;
    static final byte IORING_OP_RENAMEAT = 35;
    static final byte IORING_OP_UNLINKAT = 36;
    static final byte IORING_OP_MKDIRAT = 37;
    static final byte IORING_OP_SYMLINKAT = 38;
    static final byte IORING_OP_LINKAT = 39;
    static final byte IORING_OP_FTRUNCATE = 55; // Linux 6.9+
    static final byte IORING_OP_POLL_ADD = 6;
    static final byte IORING_OP_SPLICE = 30;
    static final int POLLOUT = 0x4;

    static final int IORING_FSYNC_DATASYNC = 1;
    static final int IORING_ASYNC_CANCEL_ALL = 1;
    static final int IORING_ASYNC_CANCEL_FD = 2;

    static final int AT_FDCWD = -100;
    static final int AT_EMPTY_PATH = 0x1000;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int RENAME_NOREPLACE = 1;
    static final int STATX_BASIC_AND_BIRTH = 0xfff; // STATX_BASIC_STATS | STATX_BTIME
    static final int STATX_BTIME = 0x800;
    static final int STATX_BASIC_STATS = 0x7ff;
    static final int STATX_BUFFER_SIZE = 256;

    /** {@code b} itself where it is in native order (absolute reads only), else a duplicate that is. */
    static java.nio.ByteBuffer nativeOrder(java.nio.ByteBuffer b) {
        return b.order() == java.nio.ByteOrder.nativeOrder() ? b : b.duplicate().order(java.nio.ByteOrder.nativeOrder());
    }
    static final int STATX_SIZE_OFFSET = 40;
    static final int STATX_SIZE = 0x200;
    static final int STATX_DEV_MAJOR_OFFSET = 136;
    static final int STATX_DEV_MINOR_OFFSET = 140;
    static final int STATX_MODE_OFFSET = 28;
    static final int STATX_DIOALIGN = 0x2000; // Linux 6.1+
    static final int STATX_BLKSIZE_OFFSET = 4;
    static final int STATX_DIO_MEM_ALIGN_OFFSET = 152;
    static final int STATX_DIO_OFFSET_ALIGN_OFFSET = 156;
    static final int S_IFMT = 0170000;
    static final int S_IFIFO = 0010000;
    static final int S_IFREG = 0100000;
    static final int S_IFSOCK = 0140000;

    // open(2) flags; the generic values are shared by x86_64, aarch64 differs in four of them.
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;
    static final int O_TRUNC = 0x200;
    static final int O_APPEND = 0x400;
    static final int O_DSYNC = 0x1000;
    static final int O_SYNC = 0x101000;
    static final int O_DIRECT = AARCH64 ? 0x10000 : 0x4000;
    static final int O_NOFOLLOW = AARCH64 ? 0x8000 : 0x20000;
    static final int O_CLOEXEC = 0x80000;
    /** A descriptor for the name only (no I/O), which statx reads with AT_EMPTY_PATH; the same on x86-64 and arm64. */
    static final int O_PATH = 0x200000;

    /** Direct I/O alignment Ringfile uses for its own buffers: a page covers every common logical block size. */
    static final int DIRECT_IO_ALIGNMENT = 4096;

    /** openat2(2) resolve flags for {@code spec} (none for a plain open). */
    static long resolveFlags(OpenSpec spec) {
        return spec.noSymlinks() ? RESOLVE_NO_SYMLINKS : 0;
    }

    /** open(2) flags for {@code spec}; descriptors are always close-on-exec. */
    static int openFlags(OpenSpec spec) {
        int flags = spec.read() && spec.write() ? O_RDWR : spec.write() ? O_WRONLY : O_RDONLY;
        if (spec.append()) {
            flags |= O_APPEND;
        }
        if (spec.createNew()) {
            flags |= O_CREAT | O_EXCL;
        } else if (spec.create()) {
            flags |= O_CREAT;
        }
        if (spec.truncate()) {
            flags |= O_TRUNC;
        }
        if (spec.sync()) {
            flags |= O_SYNC;
        } else if (spec.dsync()) {
            flags |= O_DSYNC;
        }
        if (spec.noFollow()) {
            flags |= O_NOFOLLOW;
        }
        if (spec.direct()) {
            flags |= O_DIRECT;
        }
        return flags | O_CLOEXEC;
    }
}
