package io.ringfile.internal;

import io.netty.buffer.ByteBuf;
import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.TransferRequest;

import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.util.concurrent.Executor;

/**
 * A read or write of one buffer: a single transfer, or with {@code full} a loop over short transfers until the
 * buffer is done or the file ends.
 *
 * <p>For a Netty {@link ByteBuf} the op holds one reference from creation until the backend has finished, then
 * moves the buffer's index by the bytes transferred and releases the reference.
 */
final class TransferOp extends Op<Integer> implements TransferRequest {
    // Counts are usually whole blocks: box those once instead of once per operation.
    private static final int BOXED_STEP = 512;
    private static final int BOXED_LIMIT = 1 << 20;
    private static final Integer[] BOXED = new Integer[BOXED_LIMIT / BOXED_STEP + 1];

    static {
        for (int i = 0; i < BOXED.length; i++) {
            BOXED[i] = i * BOXED_STEP;
        }
    }

    private final AsyncFileImpl file;
    private final ByteBuffer buffer;
    private final ByteBuf owner;
    private final long position;
    private final boolean read;
    private final boolean full;
    private final boolean copyThrough; // owner has no single NIO view: bytes go through {@code buffer}
    private boolean atCursor; // until it finishes: the file's cursor then advances by what it transferred

    private TransferOp(Executor completer, AsyncFileImpl file, boolean read, boolean full, ByteBuffer buffer,
                       long position, ByteBuf owner, boolean copyThrough) {
        super(completer);
        this.file = file;
        this.read = read;
        this.full = full;
        this.buffer = buffer;
        this.position = position;
        this.owner = owner;
        this.copyThrough = copyThrough;
        begin();
    }

    @Override
    Metrics metrics() {
        return file.engine().recorder();
    }

    @Override
    int kind() {
        return read ? Metrics.READ : Metrics.WRITE;
    }

    static TransferOp of(Executor completer, AsyncFileImpl file, boolean read, boolean full, ByteBuffer buffer,
                         long position) {
        return new TransferOp(completer, file, read, full, buffer, position, null, false);
    }

    /** A single transfer at the cursor of {@code file}, which is told the outcome before the future completes. */
    static TransferOp atCursor(Executor completer, AsyncFileImpl file, boolean read, ByteBuffer buffer,
                               long position) {
        TransferOp op = of(completer, file, read, false, buffer, position);
        op.atCursor = true;
        return op;
    }

    /** Takes a reference to {@code owner} that the op releases when the backend is done. */
    static TransferOp of(Executor completer, AsyncFileImpl file, boolean read, boolean full, ByteBuf owner,
                         long position) {
        int index = read ? owner.writerIndex() : owner.readerIndex();
        int length = read ? owner.writableBytes() : owner.readableBytes();
        boolean single = owner.nioBufferCount() == 1;
        ByteBuffer view;
        if (single) {
            view = owner.nioBuffer(index, length);
        } else {
            view = ByteBuffer.allocate(length);
            if (!read) {
                owner.getBytes(index, view);
                view.flip();
            }
        }
        owner.retain();
        return new TransferOp(completer, file, read, full, view, position, owner, !single);
    }

    @Override
    String eventPath() {
        return file.name();
    }

    @Override
    long eventPosition() {
        return position == BackendFile.CURRENT_POSITION ? -1 : position;
    }

    /** Starts the first transfer. */
    void start() {
        issue();
    }

    private void issue() {
        file.backendFile().transfer(this);
    }

    // ---- the request the backend sees

    @Override
    public BackendFile target() {
        return file.backendFile();
    }

    @Override
    public boolean isRead() {
        return read;
    }

    @Override
    public ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public long bufferAddress() {
        if (owner == null || copyThrough || !owner.hasMemoryAddress()) {
            return 0;
        }
        return owner.memoryAddress() + (read ? owner.writerIndex() : owner.readerIndex()); // where the view starts
    }

    @Override
    public long position() {
        return position == BackendFile.CURRENT_POSITION ? position : position + transferred();
    }

    @Override
    public void completed(long n) {
        if (n > 0) {
            accumulate(n);
            if (full && buffer.hasRemaining()) {
                issue();
                return;
            }
        } else if (n == 0 && full && !read && buffer.hasRemaining()) {
            failed(new FileSystemException(file.name(), null, "write made no progress"));
            return;
        }
        settleCursor();
        super.completed(n < 0 && transferred() == 0 ? -1 : transferred());
    }

    @Override
    public void failed(Throwable error) {
        settleCursor();
        super.failed(error);
    }

    @Override
    public void abandoned(Throwable error) {
        settleCursor();
        super.abandoned(error);
    }

    private void settleCursor() {
        if (atCursor) {
            atCursor = false;
            file.cursorDone(transferred());
        }
    }

    @Override
    Integer value(long result) {
        return boxed((int) result);
    }

    /** {@code n} boxed, without allocating for multiples of 512 bytes up to 1 MiB (the usual transfer sizes). */
    static Integer boxed(int n) {
        boolean whole = n >= 0 && n <= BOXED_LIMIT && (n & (BOXED_STEP - 1)) == 0;
        return whole ? BOXED[n / BOXED_STEP] : Integer.valueOf(n); // not ?: n, which would unbox and rebox
    }

    /** After an abandoned transfer: the kernel is done with the buffer at last; give the reference back only. */
    @Override
    public void reaped() {
        if (owner != null) {
            owner.release();
        }
    }

    @Override
    void release() {
        if (owner == null) {
            return;
        }
        int moved = (int) Math.max(0, transferred()); // -1: a read at the end of the file moved nothing
        if (read) {
            if (copyThrough) {
                owner.setBytes(owner.writerIndex(), buffer.flip());
            }
            owner.writerIndex(owner.writerIndex() + moved);
        } else {
            owner.readerIndex(owner.readerIndex() + moved);
        }
        owner.release();
    }
}
