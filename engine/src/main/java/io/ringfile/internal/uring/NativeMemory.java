package io.ringfile.internal.uring;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.unix.Buffer;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.Path;

/**
 * Pooled direct memory the kernel reads or writes on Ringfile's behalf: bounce buffers for heap buffers, C strings
 * for paths, statx results. Every piece is owned by one ring operation and released when its completion arrives.
 */
final class NativeMemory {
    private NativeMemory() {
    }

    private static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;
    private static final Charset PATH_CHARSET = pathCharset();

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** A pooled direct buffer of at least {@code size} bytes; {@code aligned} asks for O_DIRECT alignment. */
    static Piece allocate(int size, boolean aligned) {
        int extra = aligned ? Linux.DIRECT_IO_ALIGNMENT : 0;
        ByteBuf buf = ALLOCATOR.directBuffer(size + extra);
        ByteBuffer view = buf.nioBuffer(0, size + extra);
        if (aligned) {
            view = view.alignedSlice(Linux.DIRECT_IO_ALIGNMENT);
        }
        view.limit(size);
        return new Piece(buf, view);
    }

    /** The path as a NUL-terminated string in the platform's file name encoding. */
    static Piece cString(Path path) {
        byte[] bytes = path.toString().getBytes(PATH_CHARSET);
        Piece piece = allocate(bytes.length + 1, false);
        piece.view.put(0, bytes).put(bytes.length, (byte) 0);
        return piece;
    }

    /** The address of {@code buffer}'s first byte (not its position). */
    static long address(ByteBuffer buffer) {
        return Buffer.memoryAddress(buffer);
    }

    /** A pooled direct buffer and a view of the bytes an operation uses; release the buffer exactly once. */
    static final class Piece {
        final ByteBuf owner;
        final ByteBuffer view;
        final long address;

        Piece(ByteBuf owner, ByteBuffer view) {
            this.owner = owner;
            this.view = view;
            this.address = address(view);
        }

        void release() {
            owner.release();
        }
    }
}
