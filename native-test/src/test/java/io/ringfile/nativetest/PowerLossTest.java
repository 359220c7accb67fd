package io.ringfile.nativetest;

import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static io.ringfile.nativetest.Engines.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Power loss, simulated: an ext4 file system in an image on a loop device. Right after {@code writeAtomically}
 * completes, the image is copied while still mounted (the state of the disk had the power gone then), the copy is
 * repaired with e2fsck as after a crash and mounted: the file must hold the new content, whole. Old content there
 * would mean an acknowledged replacement was not durable; anything else, a torn replacement.
 *
 * <p>ext4 is mounted with {@code noauto_da_alloc}, which turns off its habit of flushing data on a rename over an
 * existing file, so that only the engine's own fsyncs make the replacement durable.
 */
@ExtendWith(LeakCheck.class)
@Timeout(180)
class PowerLossTest {
    private static final Duration STEP = Duration.ofSeconds(60);
    private static Path base;
    private static Path image;
    private static Path mount;

    /** Why these tests cannot run here, or null: checked by each test (see {@link Native#setUp}). */
    private static String skipReason;

    @BeforeAll
    static void mountExt4Image() throws Exception {
        skipReason = Native.setUp(() -> {
            Native.assumeLinuxRoot();
            Native.requireCommand("mkfs.ext4", "e2fsprogs");
            Native.requireCommand("e2fsck", "e2fsprogs");
            Native.requireCommand("losetup", "mount");
            base = Files.createTempDirectory("ringfile-powerloss-");
            image = base.resolve("disk.img");
            try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
                file.setLength(64L * 1024 * 1024);
            }
            // Initialise everything now, so no background thread writes to the disk while it is copied.
            check(Native.run(STEP, null, "mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0",
                    image.toString()), "mkfs.ext4");
            mount = Files.createDirectories(base.resolve("mnt"));
            Native.Result mounted = Native.run(STEP, null, "mount", "-o", "loop,noauto_da_alloc", image.toString(),
                    mount.toString());
            if (mounted.exit != 0) {
                ChildJvm.deleteTree(base);
                base = null;
                Assumptions.abort("cannot mount an ext4 image on a loop device here: " + mounted.output.strip());
            }
        });
    }

    @BeforeEach
    void assumeMounted() {
        Native.assumeSetUp(skipReason);
    }

    @AfterAll
    static void unmount() {
        if (base != null) {
            Mounts.unmount(mount);
            ChildJvm.deleteTree(base);
        }
    }

    private static void check(Native.Result result, String what) {
        assertEquals(0, result.exit, () -> what + " failed: " + result);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The disk as it is now, after crash recovery: the bytes of {@code name}, or null if it does not exist. */
    private static byte[] afterPowerLoss(String name) throws IOException {
        Path snapshot = base.resolve("snapshot.img");
        Path snapshotMount = Files.createDirectories(base.resolve("snapshot-mnt"));
        try {
            check(Native.run(STEP, null, "cp", "--sparse=always", image.toString(), snapshot.toString()), "cp");
            Native.Result fsck = Native.run(STEP, null, "e2fsck", "-fy", snapshot.toString());
            assertTrue(fsck.exit <= 1, () -> "e2fsck could not repair the snapshot: " + fsck);
            check(Native.run(STEP, null, "mount", "-o", "loop,ro", snapshot.toString(), snapshotMount.toString()),
                    "mounting the snapshot");
            Path file = snapshotMount.resolve(name);
            return Files.exists(file) ? Files.readAllBytes(file) : null;
        } finally {
            Mounts.unmount(snapshotMount);
            Files.deleteIfExists(snapshot);
        }
    }

    /**
     * The control that shows the copy models a power loss rather than the page cache: a plain write, never forced,
     * is not on the copied disk. Where it is (heavy memory pressure can force write-back at any time), the
     * durability check below would prove nothing, so it is skipped.
     */
    private static void assumeUnforcedDataIsLost(FileEngine engine) throws IOException {
        String name = "unforced-" + System.nanoTime() + ".bin";
        byte[] data = random(200_000, 99);
        await(engine.write(mount.resolve(name), data));
        byte[] survived = afterPowerLoss(name);
        Assumptions.assumeFalse(survived != null && Arrays.equals(data, survived),
                "data written without fsync was already on the disk copy, so the copy cannot tell durable from"
                        + " not durable here");
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void anAcknowledgedAtomicReplacementSurvivesPowerLossWhole(FileEngine.Backend backend) throws IOException {
        String name = "state-" + backend + ".bin";
        Path target = mount.resolve(name);
        try (FileEngine engine = Engines.start(backend)) {
            assumeUnforcedDataIsLost(engine);
            byte[] previous = random(300_000, 0);
            await(engine.writeAtomically(target, previous));
            for (int round = 1; round <= 3; round++) {
                byte[] next = random(200_000 + round * 100_000, round);
                assertEquals(target, await(engine.writeAtomically(target, next)));
                byte[] survived = afterPowerLoss(name);
                String where = backend + ", replacement " + round;
                assertTrue(survived != null, where + ": the file is gone after the power loss");
                assertTrue(!Arrays.equals(previous, survived),
                        where + ": the old content survived: the acknowledged replacement was not durable");
                assertArrayEquals(next, survived, where + ": the file holds neither the old nor the new content");
                previous = next;
            }
        }
    }
}
