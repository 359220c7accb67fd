package io.ringfile.internal.channels;

import io.ringfile.internal.AsyncFileImpl;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The JDK {@link FileChannel} a Ringfile channel hands file locks and memory mapping to, opened on the same open
 * file at the first such call and kept open until the Ringfile channel closes.
 *
 * <p>Why it stays open: POSIX record locks belong to the process and the file, and closing any descriptor of the
 * file drops all of them. A delegate opened per call and closed after would release the locks it just took. The
 * JDK's own table of locks (per JVM and file) lives in the delegate, so {@code OverlappingFileLockException} is
 * thrown against every channel of the JVM on that file, Ringfile's or the JDK's. As with the JDK's channels,
 * closing any channel of the file in this process (Ringfile's or another) may release the locks held through
 * this one: take all locks of a file through one channel.
 */
final class PlatformChannel {
    /** Closes the files of channels dropped without close(), for both channel classes: one daemon thread. */
    static final Cleaner CLEANER = Cleaner.create(task -> {
        Thread thread = new Thread(task, "ringfile-channel-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    private final AsyncFileImpl file;
    private final ReentrantLock lock = new ReentrantLock(); // never held while blocked in a lock or a read
    private FileChannel channel; // guarded by lock
    private boolean closed; // guarded by lock
    /** {@link #channel} once opened, for {@link #forCaller()} without the lock; null again once closed. */
    private volatile FileChannel opened;

    PlatformChannel(AsyncFileImpl file) {
        this.file = file;
    }

    /**
     * The delegate, opened now if it is not yet (a blocking open).
     *
     * @throws ClosedChannelException once {@link #close()} was called
     */
    FileChannel get() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (channel == null) {
                channel = file.platformChannel();
                opened = channel;
            }
            return channel;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The delegate for a system call on the calling thread: as {@link #get()}, without taking the lock once it is
     * open. After {@link #close()} it may still return the closed delegate, whose calls then throw
     * {@code ClosedChannelException}.
     */
    FileChannel forCaller() throws IOException {
        FileChannel open = opened;
        return open != null ? open : get();
    }

    /** Closes the delegate if it was opened (releasing its locks); later {@link #get()} calls fail. Idempotent. */
    void close() throws IOException {
        FileChannel open;
        lock.lock();
        try {
            closed = true;
            open = channel;
            channel = null;
            opened = null;
        } finally {
            lock.unlock();
        }
        if (open != null) {
            open.close();
        }
    }

    /**
     * A lock of the delegate's presented as a lock of the Ringfile channel: {@code acquiredBy()} is the Ringfile
     * channel; validity and release are the delegate lock's.
     */
    static final class Lock extends FileLock {
        private final FileLock platform;

        Lock(FileChannel channel, FileLock platform) {
            super(channel, platform.position(), platform.size(), platform.isShared());
            this.platform = platform;
        }

        Lock(AsynchronousFileChannel channel, FileLock platform) {
            super(channel, platform.position(), platform.size(), platform.isShared());
            this.platform = platform;
        }

        @Override
        public boolean isValid() {
            return platform.isValid();
        }

        @Override
        public void release() throws IOException {
            Channel owner = acquiredBy();
            if (!owner.isOpen()) {
                throw new ClosedChannelException();
            }
            platform.release();
        }
    }
}
