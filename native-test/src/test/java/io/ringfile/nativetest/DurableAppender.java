package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The writer a crash test kills: appends checksummed records to a new file through Ringfile and, after each
 * record's {@code writeFully} and {@code force} have completed, prints {@code ACK seq end} on standard output.
 * It runs until it is killed (or for at most five minutes).
 *
 * <p>Usage: {@code DurableAppender FILE BACKEND}. Record layout, little endian: magic int, seq long, length int,
 * payload (length bytes, 1 to 4000, derived from seq), CRC32 long over everything before it.
 */
public final class DurableAppender {
    static final int MAGIC = 0x52494E47; // "RING"
    static final int HEADER = 4 + 8 + 4;
    static final int TRAILER = 8;

    private DurableAppender() {
    }

    /** The record for {@code seq}, ready to write. */
    static ByteBuffer record(long seq) {
        Random random = new Random(seq);
        int length = 1 + random.nextInt(4000);
        ByteBuffer record = ByteBuffer.allocate(HEADER + length + TRAILER).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        record.putInt(MAGIC).putLong(seq).putInt(length);
        byte[] payload = new byte[length];
        random.nextBytes(payload);
        record.put(payload);
        CRC32 crc = new CRC32();
        crc.update(record.array(), 0, record.position());
        record.putLong(crc.getValue());
        return record.flip();
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        FileEngine.Backend backend = FileEngine.Backend.parse(args[1]);
        long stopAt = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        try (FileEngine engine = FileEngine.builder().backend(backend).build();
             AsyncFile file = engine.open(path, CREATE_NEW, WRITE).get(30, TimeUnit.SECONDS)) {
            System.out.println("BACKEND " + engine.backend());
            long end = 0;
            for (long seq = 0; System.nanoTime() < stopAt; seq++) {
                ByteBuffer record = record(seq);
                int length = record.remaining();
                // Direct and heap buffers alternate, so both paths of the engine are exercised.
                ByteBuffer src = seq % 2 == 0 ? record : ByteBuffer.allocateDirect(length).put(record).flip();
                int written = file.writeFully(src, end).get(30, TimeUnit.SECONDS);
                if (written != length) {
                    throw new AssertionError("writeFully reported " + written + " of " + length);
                }
                file.force(false).get(30, TimeUnit.SECONDS);
                end += length;
                System.out.println("ACK " + seq + " " + end);
                System.out.flush();
            }
        }
    }
}
