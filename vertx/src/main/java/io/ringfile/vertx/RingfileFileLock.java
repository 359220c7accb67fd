package io.ringfile.vertx;

import io.vertx.core.Future;
import io.vertx.core.file.AsyncFileLock;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.internal.VertxInternal;

import java.io.IOException;
import java.nio.channels.FileLock;

/**
 * A lock of a {@link RingfileAsyncFile}: a JDK {@link FileLock} (a POSIX record lock) taken on the file's
 * {@code FileChannel}, as Vert.x's own {@code AsyncFileLock} is. Checking and releasing it asynchronously run as
 * blocking actions on Vert.x's internal worker pool, completed on the caller's context, as Vert.x's do.
 */
final class RingfileFileLock implements AsyncFileLock {
    private final VertxInternal vertx;
    private final FileLock lock;

    RingfileFileLock(VertxInternal vertx, FileLock lock) {
        this.vertx = vertx;
        this.lock = lock;
    }

    @Override
    public long position() {
        return lock.position();
    }

    @Override
    public long size() {
        return lock.size();
    }

    @Override
    public boolean isShared() {
        return lock.isShared();
    }

    @Override
    public boolean overlaps(long position, long size) {
        return lock.overlaps(position, size);
    }

    @Override
    public boolean isValidBlocking() {
        return lock.isValid();
    }

    @Override
    public Future<Boolean> isValid() {
        return vertx.getOrCreateContext().executeBlockingInternal(this::isValidBlocking);
    }

    @Override
    public void releaseBlocking() {
        try {
            lock.release();
        } catch (IOException e) {
            throw new FileSystemException(e);
        }
    }

    @Override
    public Future<Void> release() {
        return vertx.getOrCreateContext().executeBlockingInternal(() -> {
            releaseBlocking();
            return null;
        });
    }
}
