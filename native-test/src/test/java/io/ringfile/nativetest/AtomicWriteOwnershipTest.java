package io.ringfile.nativetest;

import io.ringfile.FileEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code writeAtomically} run by an unprivileged user (uid and gid 65534, no other groups, umask 022), who may
 * neither give a file away nor give it a group it is not in: the replacement never becomes readable by anyone the
 * old file kept out, keeps the permission bits the user may set, and a directory it may not write fails naming the
 * file. (Root keeping another user's owner and group is in the contract suite.)
 */
@Timeout(300)
class AtomicWriteOwnershipTest {
    private static final int NOBODY = 65534;

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void anUnprivilegedReplacementNeverWidensAccess(FileEngine.Backend backend) throws IOException {
        Native.assumeLinuxRoot(); // to set up files of several owners and switch to an unprivileged user
        Path setpriv = Native.requireCommand("setpriv", "util-linux");
        Path shared = Files.createTempDirectory("ringfile-atomic-owner-");
        try {
            ChildJvm.setMode(shared, "rwxr-xr-x");
            List<String> classPath = ChildJvm.worldReadableCopy(ChildJvm.testClassPath(), shared.resolve("cp"));
            Path work = Files.createDirectory(shared.resolve("work"));
            chown(work, NOBODY + ":" + NOBODY);
            // Its own file, in a group it is not in: the group cannot be kept, so the group loses what others lack.
            Path foreignGroup = file(work.resolve("foreign-group"), NOBODY + ":0", "rw-r-----");
            // Root's file in the user's writable directory: it cannot be given back to root.
            Path rootsFile = file(work.resolve("roots-file"), "0:" + NOBODY, "rw-r--r--");
            // Bits the umask would strip: kept, the user may set its own file's mode.
            Path groupWritable = file(work.resolve("group-writable"), NOBODY + ":" + NOBODY, "rw-rw-r--");
            Path readOnlyDir = Files.createDirectory(shared.resolve("read-only"));
            Path inReadOnly = file(readOnlyDir.resolve("in-read-only"), NOBODY + ":" + NOBODY, "rw-r--r--");

            List<String> command = new ArrayList<>(List.of(setpriv.toString(), "--reuid=" + NOBODY,
                    "--regid=" + NOBODY, "--clear-groups", "--"));
            command.addAll(ChildJvm.command(classPath, List.of("-Djava.io.tmpdir=" + work),
                    AtomicWriteAsUser.class.getName(), backend.name(), foreignGroup.toString(), rootsFile.toString(),
                    groupWritable.toString(), inReadOnly.toString()));
            Native.Result result = Native.run(Duration.ofMinutes(2), Map.of(), command);
            Map<String, String> outcomes = new HashMap<>();
            for (String line : result.output.split("\n")) {
                if (line.startsWith("SKIP ")) {
                    Assumptions.abort(backend + " cannot run for an unprivileged user here: " + line.substring(5));
                }
                if (line.startsWith("RESULT ")) {
                    int eq = line.indexOf('=');
                    outcomes.put(line.substring(7, eq), line.substring(eq + 1));
                }
            }
            assertTrue(result.output.contains("DONE"), result::toString);
            assertEquals(NOBODY + ":" + NOBODY + ":rw-------", outcomes.get("foreign-group"), result::toString);
            assertEquals(NOBODY + ":" + NOBODY + ":rw-r--r--", outcomes.get("roots-file"), result::toString);
            assertEquals(NOBODY + ":" + NOBODY + ":rw-rw-r--", outcomes.get("group-writable"), result::toString);
            assertEquals("AccessDeniedException:" + inReadOnly, outcomes.get("in-read-only"), result::toString);
            assertEquals("old", Files.readString(inReadOnly));
            try (var left = Files.list(work)) {
                assertEquals(3, left.count(), "no temporary file left behind");
            }
        } finally {
            ChildJvm.deleteTree(shared);
        }
    }

    private static Path file(Path path, String owner, String mode) throws IOException {
        Files.writeString(path, "old");
        chown(path, owner);
        ChildJvm.setMode(path, mode);
        return path;
    }

    private static void chown(Path path, String owner) {
        Native.Result chown = Native.run(Duration.ofSeconds(30), null, "chown", owner, path.toString());
        assertEquals(0, chown.exit, chown::toString);
    }
}
