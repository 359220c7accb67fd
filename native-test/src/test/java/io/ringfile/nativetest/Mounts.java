package io.ringfile.nativetest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Mount points for the tests: whether one is mounted, waiting for it, taking it down. */
final class Mounts {
    private Mounts() {
    }

    /** True if {@code dir} is a mount point of type {@code fsType} (a prefix, e.g. "fuse") in this namespace. */
    static boolean isMounted(Path dir, String fsType) {
        String where = dir.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
                String[] fields = line.split(" ");
                int dash = line.indexOf(" - ");
                if (fields.length > 4 && fields[4].equals(where) && dash > 0
                        && line.substring(dash + 3).startsWith(fsType)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Waits at most {@code bound} for {@code dir} to be mounted; false if it never was. */
    static boolean awaitMounted(Path dir, String fsType, Duration bound, Process server) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (isMounted(dir, fsType)) {
                return true;
            }
            if (server != null && !server.isAlive()) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return isMounted(dir, fsType);
    }

    /** Unmounts {@code dir}, lazily if it is busy; never throws. */
    static void unmount(Path dir) {
        if (!isMounted(dir, "")) {
            return;
        }
        try {
            Native.Result result = Native.run(Duration.ofSeconds(30), null, "umount", dir.toString());
            if (result.exit != 0) {
                Native.run(Duration.ofSeconds(30), null, "umount", "-l", dir.toString());
            }
        } catch (AssertionError | RuntimeException ignored) {
            // best effort; a lazy unmount is the last resort
        }
    }
}
