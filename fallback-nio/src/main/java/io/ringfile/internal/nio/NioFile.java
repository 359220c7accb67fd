package io.ringfile.internal.nio;

import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.Completion;
import io.ringfile.internal.backend.TransferRequest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** A {@link FileChannel} whose operations run on the {@link NioBackend}'s pool. */
final class NioFile implements BackendFile {
    private final NioBackend backend;
    private final FileChannel channel;
    private final Path path;
    private final int directIoAlignment;

    NioFile(NioBackend backend, FileChannel channel, Path path, int directIoAlignment) {
        this.backend = backend;
        this.channel = channel;
        this.path = path;
        this.directIoAlignment = directIoAlignment;
    }

    @Override
    public int directIoAlignment() {
        return directIoAlignment; // the JDK checks transfers against it itself, with its own messages
    }

    Path path() {
        return path;
    }

    @Override
    public void transfer(TransferRequest request) {
        boolean read = request.isRead();
        ByteBuffer buffer = request.buffer();
        long position = request.position();
        backend.run(path, request, () -> {
            int limit = capHeapTransfer(buffer);
            try {
                if (read) {
                    return position == CURRENT_POSITION ? channel.read(buffer) : channel.read(buffer, position);
                }
                return position == CURRENT_POSITION ? channel.write(buffer) : channel.write(buffer, position);
            } finally {
                buffer.limit(limit);
            }
        });
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

    @Override
    public void truncate(long size, Completion completion) {
        backend.run(path, completion, () -> {
            channel.truncate(size);
            return 0;
        });
    }

    @Override
    public void force(boolean metaData, Completion completion) {
        backend.run(path, completion, () -> {
            channel.force(metaData);
            return 0;
        });
    }

    /**
     * Closes the channel on the calling thread, so that a close never queues behind blocked operations; the JDK
     * wakes threads blocked in this channel and keeps the descriptor until they have left it.
     */
    @Override
    public void close(Completion completion) {
        backend.forget(this);
        try {
            channel.close();
        } catch (IOException e) {
            completion.failed(NioErrors.translate(e, path));
            return;
        }
        completion.completed(0);
    }
}
