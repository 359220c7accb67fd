package io.ringfile.nativetest;

import io.ringfile.FileEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash durability against the process being killed: a child JVM appends checksummed records through Ringfile,
 * acknowledging each after {@code force}, and is killed with SIGKILL at a random moment, 20 times over both
 * backends. Every acknowledged record must be intact and in order; only records after the last acknowledged one
 * may be missing or torn. (The page cache survives SIGKILL, so this checks that Ringfile acknowledges nothing it
 * has not written; power loss is a different test.)
 */
@ExtendWith(LeakCheck.class)
@Timeout(300)
class CrashDurabilityTest {
    private static final int ROUNDS = 20;

    @TempDir
    Path dir;

    /** Per test, so that each is reported skipped with the reason (see {@link Native#setUp}). */
    @BeforeEach
    void linuxOnly() {
        Native.assumeLinux();
    }

    @Test
    void everyAcknowledgedRecordSurvivesSigkill() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<String> summary = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            FileEngine.Backend backend = round % 2 == 0 ? FileEngine.Backend.IO_URING : FileEngine.Backend.NIO;
            Path file = dir.resolve("log-" + round + ".bin");
            long killAfterMillis = 50 + random.nextInt(700);
            String where = "round " + round + " (" + backend + ", kill " + killAfterMillis + " ms after the first"
                    + " acknowledgement, seed " + seed + ")";
            long acked = runAndKill(file, backend, killAfterMillis, where);
            long valid = verify(file, acked, where);
            summary.add(backend + ": acked " + (acked + 1) + ", on disk " + valid);
        }
        System.out.println("crash rounds: " + summary);
    }

    /** Runs the appender, kills it with SIGKILL, and returns the last acknowledged sequence number. */
    private static long runAndKill(Path file, FileEngine.Backend backend, long killAfterMillis, String where)
            throws Exception {
        List<String> command = ChildJvm.command(ChildJvm.testClassPath(), List.of(),
                DurableAppender.class.getName(), file.toString(), backend.name());
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        AtomicLong lastAck = new AtomicLong(-1);
        StringBuilder other = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("ACK ")) {
                        lastAck.set(Long.parseLong(line.split(" ")[1]));
                    } else {
                        synchronized (other) {
                            other.append(line).append('\n');
                        }
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // a line cut by the kill is not an acknowledgement
            }
        }, "appender-output");
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lastAck.get() < 0) {
                assertTrue(child.isAlive(), () -> where + ": the appender ended early: " + other);
                assertTrue(System.nanoTime() < deadline, where + ": no acknowledgement within 60 s");
                Thread.sleep(5);
            }
            Thread.sleep(killAfterMillis);
            assertTrue(child.isAlive(), () -> where + ": the appender ended before the kill: " + other);
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), where + ": the killed appender did not exit");
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(137, child.exitValue(), where + ": the appender was killed by SIGKILL");
        synchronized (other) {
            assertTrue(other.toString().contains("BACKEND " + backend), where + ": " + other);
        }
        return lastAck.get();
    }

    /**
     * Checks records 0..acked are intact and in order and that whatever follows them is either more intact records
     * or a single torn tail. Returns the number of intact records.
     */
    private static long verify(Path file, long acked, String where) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long seq = 0;
        while (data.remaining() > 0) {
            ByteBuffer expected = DurableAppender.record(seq);
            int length = expected.remaining();
            if (data.remaining() < length) {
                break; // a torn tail
            }
            ByteBuffer actual = data.slice().order(ByteOrder.LITTLE_ENDIAN).limit(length);
            if (!actual.equals(expected)) {
                break;
            }
            CRC32 crc = new CRC32();
            crc.update(actual.array(), actual.arrayOffset(), length - DurableAppender.TRAILER);
            assertEquals(crc.getValue(), actual.getLong(length - DurableAppender.TRAILER), where);
            data.position(data.position() + length);
            seq++;
        }
        long intact = seq;
        assertTrue(intact >= acked + 1, where + ": acknowledged " + (acked + 1) + " records but only " + intact
                + " are intact on disk");
        int tail = data.remaining();
        assertTrue(tail < DurableAppender.record(intact).remaining(),
                where + ": after " + intact + " intact records come " + tail + " bytes that are not a torn tail");
        return intact;
    }
}
