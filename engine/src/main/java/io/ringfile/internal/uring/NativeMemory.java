package io.ringfile.internal.uring;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.unix.Buffer;
import io.ringfile.internal.backend.PlatformPaths;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Pooled direct memory the kernel reads or writes on Ringfile's behalf: bounce buffers for heap buffers, C strings
 * for paths, statx results. Every piece is owned by one ring operation and released when its completion arrives.
 */
final class NativeMemory {
    private NativeMemory() {
    }

    private static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;
    /** How the JDK turns file names into bytes for system calls (and bytes into file names). */
    private static final Charset PATH_CHARSET = pathCharset();
    /** True when every ASCII character is that one byte in {@link #PATH_CHARSET}, as in UTF-8 and ISO-8859-x. */
    private static final boolean ASCII_COMPATIBLE = asciiCompatible();
    private static final byte[] CURRENT_DIRECTORY = {'.'};

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    private static boolean asciiCompatible() {
        byte[] ascii = new byte[0x7f - 0x20];
        for (int i = 0; i < ascii.length; i++) {
            ascii[i] = (byte) (0x20 + i);
        }
        try {
            return Arrays.equals(ascii, new String(ascii, StandardCharsets.US_ASCII).getBytes(PATH_CHARSET));
        } catch (RuntimeException e) {
            return false;
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

    /** The path as a NUL-terminated string of exactly the bytes the JDK would pass to the kernel for it. */
    static Piece cString(Path path) {
        byte[] bytes = bytesOf(PlatformPaths.unwrap(path));
        Piece piece = allocate(bytes.length + 1, false);
        piece.view.put(0, bytes).put(bytes.length, (byte) 0);
        return piece;
    }

    /**
     * A {@code struct open_how} ({@code flags}, {@code mode}, {@code resolve}) at the piece's address, followed by
     * {@code path} as a NUL-terminated string at {@code address + Linux.OPEN_HOW_SIZE}: what an OPENAT2 entry
     * points to.
     */
    static Piece openHow(Path path, long flags, long mode, long resolve) {
        byte[] bytes = bytesOf(PlatformPaths.unwrap(path));
        Piece piece = allocate(Linux.OPEN_HOW_SIZE + bytes.length + 1, false);
        ByteBuffer how = piece.view.duplicate().order(java.nio.ByteOrder.nativeOrder());
        how.putLong(0, flags).putLong(8, mode).putLong(16, resolve);
        piece.view.put(Linux.OPEN_HOW_SIZE, bytes).put(Linux.OPEN_HOW_SIZE + bytes.length, (byte) 0);
        return piece;
    }

    /**
     * The bytes the JDK uses for {@code path} (of the default file system) in system calls. A path keeps the bytes
     * it was made from: one from a directory listing may hold bytes that are not valid text in the file-name
     * encoding, and its {@code toString()} then shows replacement characters. Re-encoding that string would name
     * another file, so such a path's bytes are taken from its URI, which escapes every byte (and which the JDK
     * builds from the absolute path, with a stat to mark a directory; only such names pay for that). The empty
     * path is the current directory, as for the JDK.
     */
    static byte[] bytesOf(Path path) {
        String text = path.toString();
        if (text.isEmpty()) {
            return CURRENT_DIRECTORY;
        }
        if (ASCII_COMPATIBLE && isAscii(text)) {
            return text.getBytes(StandardCharsets.ISO_8859_1); // undecodable bytes would show as non-ASCII
        }
        byte[] encoded = encodeStrictly(text);
        if (encoded != null && sameAsParsed(path, text)) {
            return encoded;
        }
        return bytesOfUri(path);
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static byte[] encodeStrictly(String text) {
        try {
            ByteBuffer bytes = PATH_CHARSET.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] array = new byte[bytes.remaining()];
            bytes.get(array);
            return array;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** True when the path the JDK makes of {@code text} is {@code path} itself (paths compare their bytes). */
    private static boolean sameAsParsed(Path path, String text) {
        try {
            return path.getFileSystem().getPath(text).equals(path);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static byte[] bytesOfUri(Path path) {
        String raw = path.toUri().getRawPath();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c); // URIs of paths escape everything else: what is left is ASCII
            }
        }
        byte[] array = bytes.toByteArray();
        // The URI of a directory ends with '/'; the path itself never does (except the root).
        return array.length > 1 && array[array.length - 1] == '/' ? Arrays.copyOf(array, array.length - 1) : array;
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
