package io.ringfile.internal.uring;

import java.nio.ByteBuffer;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** {@link BasicFileAttributes} read from a {@code struct statx} (see statx(2) for the layout). Immutable. */
final class StatxAttributes implements BasicFileAttributes {
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    private final int mode;
    private final long size;
    /** Nanoseconds since the epoch; the FileTimes are made when asked for. */
    private final long accessed;
    private final long modified;
    private final long created;
    private final Key key;

    private StatxAttributes(ByteBuffer statx) {
        ByteBuffer b = Linux.nativeOrder(statx);
        int mask = b.getInt(0);
        this.mode = b.getShort(Linux.STATX_MODE_OFFSET) & 0xffff;
        this.size = b.getLong(Linux.STATX_SIZE_OFFSET);
        this.accessed = time(b, 64);
        this.modified = time(b, 112);
        this.created = (mask & Linux.STATX_BTIME) != 0 ? time(b, 80) : modified;
        this.key = new Key(device(b.getInt(136) & 0xffffffffL, b.getInt(140) & 0xffffffffL), b.getLong(32));
    }

    /** A device number as stat(2) reports it (glibc's makedev), so keys read the same as the JDK's. */
    static long device(long major, long minor) {
        return ((major & 0xfffL) << 8) | ((major & 0xfffff000L) << 32) | (minor & 0xffL) | ((minor & 0xffffff00L) << 12);
    }

    static StatxAttributes parse(ByteBuffer statx) {
        return new StatxAttributes(statx);
    }

    private static long time(ByteBuffer b, int offset) {
        long seconds = b.getLong(offset);
        long nanos = b.getInt(offset + 8) & 0xffffffffL;
        return TimeUnit.SECONDS.toNanos(seconds) + nanos;
    }

    private int type() {
        return mode & Linux.S_IFMT;
    }

    @Override
    public FileTime lastModifiedTime() {
        return FileTime.from(modified, TimeUnit.NANOSECONDS);
    }

    @Override
    public FileTime lastAccessTime() {
        return FileTime.from(accessed, TimeUnit.NANOSECONDS);
    }

    @Override
    public FileTime creationTime() {
        return FileTime.from(created, TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean isRegularFile() {
        return type() == S_IFREG;
    }

    @Override
    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    @Override
    public boolean isSymbolicLink() {
        return type() == S_IFLNK;
    }

    @Override
    public boolean isOther() {
        return !isRegularFile() && !isDirectory() && !isSymbolicLink();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Object fileKey() {
        return key;
    }

    /** Device and inode: equal exactly when two paths name the same file. */
    private static final class Key {
        private final long device;
        private final long inode;

        Key(long device, long inode) {
            this.device = device;
            this.inode = inode;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).device == device && ((Key) o).inode == inode;
        }

        @Override
        public int hashCode() {
            return Objects.hash(device, inode);
        }

        @Override
        public String toString() {
            return "(dev=" + Long.toHexString(device) + ",ino=" + inode + ")";
        }
    }
}
