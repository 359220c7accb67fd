package io.ringfile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadPendingException;
import java.nio.channels.WritePendingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file-system, temporary-file, atomic-write and cursor part of the contract suite ({@link FileEngineContract}). */
public abstract class FileSystemContract extends TextContract {

    protected FileSystemContract(FileEngine.Backend requested) {
        super(requested);
    }

    // ---------------------------------------------------------------- attributes and existence

    @Test
    void existenceAndTypeQueriesMirrorFiles() throws IOException {
        Path file = fileWith("a.txt", new byte[5]);
        Path missing = dir.resolve("missing");
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), missing);

        assertTrue(await(engine.exists(file)));
        assertFalse(await(engine.exists(missing)));
        assertFalse(await(engine.notExists(file)));
        assertTrue(await(engine.notExists(missing)));
        assertFalse(await(engine.exists(dangling)), "a dangling link does not exist when followed");
        assertTrue(await(engine.exists(dangling, LinkOption.NOFOLLOW_LINKS)));
        assertTrue(await(engine.isDirectory(dir)));
        assertFalse(await(engine.isDirectory(file)));
        assertTrue(await(engine.isRegularFile(file)));
        assertTrue(await(engine.isRegularFile(link)));
        assertFalse(await(engine.isRegularFile(link, LinkOption.NOFOLLOW_LINKS)));
        assertFalse(await(engine.isRegularFile(missing)));
    }

    @Test
    void basicAttributesAgreeWithTheJdk() throws IOException {
        Path file = fileWith("attrs.bin", random(12_345, 20));
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2020-02-02T10:11:12.123456789Z")));
        BasicFileAttributes ours = await(engine.readAttributes(file, BasicFileAttributes.class));
        BasicFileAttributes jdk = Files.readAttributes(file, BasicFileAttributes.class);
        assertEquals(jdk.size(), ours.size());
        assertEquals(jdk.lastModifiedTime(), ours.lastModifiedTime());
        assertEquals(jdk.isRegularFile(), ours.isRegularFile());
        assertEquals(jdk.isDirectory(), ours.isDirectory());
        assertEquals(jdk.isSymbolicLink(), ours.isSymbolicLink());
        assertEquals(jdk.isOther(), ours.isOther());

        BasicFileAttributes again = await(engine.readAttributes(file, BasicFileAttributes.class));
        assertEquals(ours.fileKey(), again.fileKey(), "the same file has the same key");
        BasicFileAttributes other = await(engine.readAttributes(dir, BasicFileAttributes.class));
        assertNotEquals(ours.fileKey(), other.fileKey());
        assertTrue(other.isDirectory());

        Path link = Files.createSymbolicLink(dir.resolve("l"), file);
        assertTrue(await(engine.readAttributes(link, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS))
                .isSymbolicLink());
        PosixFileAttributes posix = await(engine.readAttributes(file, PosixFileAttributes.class));
        assertEquals(Files.getPosixFilePermissions(file), posix.permissions());
        failsWith(NoSuchFileException.class, engine.readAttributes(dir.resolve("none"), BasicFileAttributes.class));
    }

    // ---------------------------------------------------------------- delete, move, copy

    @Test
    void deleteRemovesFilesLinksAndEmptyDirectories() throws IOException {
        Path file = fileWith("del.txt", new byte[1]);
        Path emptyDir = Files.createDirectory(dir.resolve("empty"));
        Path fullDir = Files.createDirectory(dir.resolve("full"));
        Files.write(fullDir.resolve("x"), new byte[1]);
        Path link = Files.createSymbolicLink(dir.resolve("to-full"), fullDir);

        await(engine.delete(file));
        assertFalse(Files.exists(file));
        await(engine.delete(emptyDir));
        assertFalse(Files.exists(emptyDir));
        await(engine.delete(link));
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(fullDir.resolve("x")), "deleting a link leaves its target");
        failsWith(DirectoryNotEmptyException.class, engine.delete(fullDir));
        failsWith(NoSuchFileException.class, engine.delete(file));
        assertFalse(await(engine.deleteIfExists(file)));
        assertTrue(await(engine.deleteIfExists(fullDir.resolve("x"))));
        failsWith(NotDirectoryException.class, engine.delete(fileWith("plain", new byte[1]).resolve("child")));
    }

    @Test
    void moveRenamesReplacesOnlyWhenAskedAndIsAtomicWhenAsked() throws IOException {
        Path a = fileWith("a", "A".getBytes(StandardCharsets.US_ASCII));
        Path b = fileWith("b", "B".getBytes(StandardCharsets.US_ASCII));
        failsWith(FileAlreadyExistsException.class, engine.move(a, b));
        assertEquals("B", Files.readString(b), "the target is untouched");
        assertEquals(b, await(engine.move(a, b, StandardCopyOption.REPLACE_EXISTING)));
        assertEquals("A", Files.readString(b));
        assertFalse(Files.exists(a));
        Path c = dir.resolve("c");
        await(engine.move(b, c, StandardCopyOption.ATOMIC_MOVE));
        assertEquals("A", Files.readString(c));
        failsWith(NoSuchFileException.class, engine.move(dir.resolve("none"), dir.resolve("d")));

        Path sub = Files.createDirectory(dir.resolve("sub"));
        Files.write(sub.resolve("inner"), new byte[] {7});
        Path moved = dir.resolve("moved-sub");
        await(engine.move(sub, moved));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(moved.resolve("inner")));

        Path emptyDir = Files.createDirectory(dir.resolve("empty-target"));
        await(engine.move(c, emptyDir, StandardCopyOption.REPLACE_EXISTING)); // Files.move replaces an empty dir
        assertEquals("A", Files.readString(emptyDir));
        Path fullDir = Files.createDirectory(dir.resolve("full-target"));
        Files.write(fullDir.resolve("x"), new byte[1]);
        failsWith(DirectoryNotEmptyException.class,
                engine.move(fileWith("e", new byte[1]), fullDir, StandardCopyOption.REPLACE_EXISTING));
    }

    /**
     * Files.move compares the source and the target (without following links) and does nothing when they are the
     * same file: the same path, or two hard links of one file. Each case is asked of Files.move live first (it is
     * harmless: a no-op or a refusal), then of the engine.
     */
    @Test
    void moveOntoItselfOrAHardLinkOfItselfDoesNothingAsFilesMoveDoes() throws IOException {
        Path a = fileWith("self", "A".getBytes(StandardCharsets.US_ASCII));
        Path hard = Files.createLink(dir.resolve("self-hard"), a);
        Path sym = Files.createSymbolicLink(dir.resolve("self-sym"), a);
        Path sub = Files.createDirectory(dir.resolve("self-dir"));
        Path other = fileWith("other", "O".getBytes(StandardCharsets.US_ASCII));
        Object[][] cases = {
            {a, a, new java.nio.file.CopyOption[0]}, {a, hard, new java.nio.file.CopyOption[0]},
            {hard, a, new java.nio.file.CopyOption[0]}, {sym, sym, new java.nio.file.CopyOption[0]},
            {sub, sub, new java.nio.file.CopyOption[0]}, {a, sym, new java.nio.file.CopyOption[0]},
            {sym, a, new java.nio.file.CopyOption[0]}, {a, other, new java.nio.file.CopyOption[0]},
            {a, a, new java.nio.file.CopyOption[] {StandardCopyOption.REPLACE_EXISTING}},
            {a, hard, new java.nio.file.CopyOption[] {StandardCopyOption.REPLACE_EXISTING}},
            {a, a, new java.nio.file.CopyOption[] {StandardCopyOption.ATOMIC_MOVE}},
            {a, hard, new java.nio.file.CopyOption[] {StandardCopyOption.ATOMIC_MOVE}},
        };
        for (Object[] c : cases) {
            Path source = (Path) c[0];
            Path target = (Path) c[1];
            java.nio.file.CopyOption[] options = (java.nio.file.CopyOption[]) c[2];
            String what = "move(" + source.getFileName() + ", " + target.getFileName() + ", "
                    + java.util.Arrays.toString(options) + ")";
            String jdk;
            try {
                jdk = "returns " + Files.move(source, target, options);
            } catch (IOException e) {
                jdk = "fails " + e.getClass().getSimpleName();
            }
            String ours;
            try {
                ours = "returns " + engine.move(source, target, options).get(WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                ours = "fails " + e.getCause().getClass().getSimpleName();
            } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError(what + " did not complete", e);
            }
            assertEquals(jdk, ours, what);
            assertEquals("A", Files.readString(a), what + ": the file is untouched");
            assertTrue(Files.exists(hard) && Files.isSymbolicLink(sym) && Files.isDirectory(sub), what);
            assertEquals("O", Files.readString(other), what);
        }
        assertEquals(2, Files.getAttribute(a, "unix:nlink"), "both hard links are still there");

        Path movedLink = dir.resolve("moved-sym");
        assertEquals(movedLink, await(engine.move(sym, movedLink)));
        assertFalse(Files.exists(sym, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSymbolicLink(movedLink), "the link itself moved, not the file it points to");
        assertEquals(a, Files.readSymbolicLink(movedLink));
        assertEquals(2, Files.getAttribute(a, "unix:nlink"));
    }

    /**
     * Eight threads each move their own file onto one target without REPLACE_EXISTING, at the same moment: in every
     * round exactly one move succeeds, the others fail with FileAlreadyExistsException, and no file is lost (the
     * target holds the winner's content, every loser's source is intact). Up to 300 rounds, at most two minutes.
     */
    @Test
    @org.junit.jupiter.api.Timeout(300)
    void concurrentMovesOntoOneTargetHaveOneWinnerAndLoseNoFile() throws Exception {
        int threads = 8;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<String> bad = new java.util.ArrayList<>();
        int round = 0;
        try {
            for (; round < 300 && System.nanoTime() < deadline; round++) {
                Path roundDir = Files.createDirectory(dir.resolve("race-" + round));
                Path target = roundDir.resolve("target");
                Path[] sources = new Path[threads];
                for (int i = 0; i < threads; i++) {
                    sources[i] = Files.writeString(roundDir.resolve("source-" + i), "from " + i);
                }
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
                List<java.util.concurrent.Future<CompletableFuture<Path>>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Path source = sources[i];
                    calls.add(callers.submit(() -> {
                        start.await(WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                        return engine.move(source, target);
                    }));
                }
                List<Integer> winners = new java.util.ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    CompletableFuture<Path> move = calls.get(i).get(WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                    try {
                        move.get(WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                        winners.add(i);
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (!(e.getCause() instanceof FileAlreadyExistsException)) {
                            bad.add("round " + round + ": move " + i + " failed with " + e.getCause());
                        }
                    }
                }
                if (winners.size() != 1) {
                    bad.add("round " + round + ": " + winners.size() + " moves succeeded " + winners);
                }
                for (int i = 0; i < threads; i++) {
                    boolean won = winners.size() == 1 && winners.get(0) == i;
                    if (won == Files.exists(sources[i], LinkOption.NOFOLLOW_LINKS)) {
                        bad.add("round " + round + ": source " + i + (won ? " still there" : " lost"));
                    }
                }
                String content = Files.exists(target) ? Files.readString(target) : "(no target)";
                if (winners.size() == 1 && !content.equals("from " + winners.get(0))) {
                    bad.add("round " + round + ": target holds '" + content + "', the winner was " + winners.get(0));
                }
            }
        } finally {
            callers.shutdownNow();
        }
        assertTrue(round >= 20, "only " + round + " rounds ran in the time allowed");
        assertEquals(List.of(), bad, bad.size() + " problems in " + round + " rounds");
    }

    /**
     * A move whose source name cannot be removed (its directory is immutable, or not writable for a non-root user)
     * fails as rename(2) fails, and leaves no second name behind (the NIO backend links first, then unlinks: it must
     * undo the link). A source file that cannot be linked (immutable) is not moved either.
     */
    @Test
    void aMoveThatCannotRemoveTheSourceNameLeavesEverythingAsItWas() throws Exception {
        Path from = Files.createDirectory(dir.resolve("locked-dir"));
        Path source = Files.writeString(from.resolve("file"), "content");
        Path to = Files.createDirectory(dir.resolve("open-dir"));
        Path target = to.resolve("moved");
        boolean root = isRoot();
        if (root) {
            Assumptions.assumeTrue(run("chattr", "+i", from.toString()) == 0, "chattr +i works here");
        } else {
            Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        try {
            failsWith(java.nio.file.AccessDeniedException.class, engine.move(source, target));
            assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS), "no second name left behind");
            assertEquals("content", Files.readString(source));
            assertEquals(1, Files.getAttribute(source, "unix:nlink"));
        } finally {
            if (root) {
                run("chattr", "-i", from.toString());
            } else {
                Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        if (root) {
            Path immutable = Files.writeString(dir.resolve("immutable"), "fixed");
            Assumptions.assumeTrue(run("chattr", "+i", immutable.toString()) == 0, "chattr +i works here");
            try {
                failsWith(java.nio.file.AccessDeniedException.class, engine.move(immutable, target));
                assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
                assertEquals("fixed", Files.readString(immutable));
            } finally {
                run("chattr", "-i", immutable.toString());
            }
        }
    }

    @Test
    void copyCopiesLargeFilesExactlyAndRespectsReplaceExisting() throws IOException {
        byte[] data = random(9 * 1024 * 1024 + 5, 21);
        Path source = fileWith("src.bin", data);
        Path target = dir.resolve("dst.bin");
        assertEquals(target, await(engine.copy(source, target)));
        assertArrayEquals(data, Files.readAllBytes(target));
        failsWith(FileAlreadyExistsException.class, engine.copy(source, target));
        Files.write(target, new byte[1]);
        await(engine.copy(source, target, StandardCopyOption.REPLACE_EXISTING));
        assertArrayEquals(data, Files.readAllBytes(target));
        failsWith(NoSuchFileException.class, engine.copy(dir.resolve("none"), dir.resolve("x")));
    }

    // ---------------------------------------------------------------- directories and links

    @Test
    void directoriesAreCreatedAndListed() throws IOException {
        Path one = dir.resolve("one");
        assertEquals(one, await(engine.createDirectory(one)));
        assertTrue(Files.isDirectory(one));
        failsWith(FileAlreadyExistsException.class, engine.createDirectory(one));
        failsWith(NoSuchFileException.class, engine.createDirectory(dir.resolve("no/parent")));
        Path restricted = await(engine.createDirectory(dir.resolve("restricted"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(restricted)));

        Path deep = dir.resolve("x/y/z");
        assertEquals(deep, await(engine.createDirectories(deep)));
        assertTrue(Files.isDirectory(deep));
        assertEquals(deep, await(engine.createDirectories(deep)), "existing directories are fine");
        Path file = fileWith("f", new byte[1]);
        failsWith(FileAlreadyExistsException.class, engine.createDirectories(file));

        Files.write(one.resolve("a"), new byte[1]);
        Files.write(one.resolve("b"), new byte[1]);
        Set<Path> listed = new HashSet<>(await(engine.list(one)));
        assertEquals(Set.of(one.resolve("a"), one.resolve("b")), listed);
        failsWith(NotDirectoryException.class, engine.list(file));
        failsWith(NoSuchFileException.class, engine.list(dir.resolve("none")));
    }

    @Test
    void linksAreCreatedAndRead() throws IOException {
        Path file = fileWith("target.txt", "t".getBytes(StandardCharsets.US_ASCII));
        Path hard = dir.resolve("hard");
        assertEquals(hard, await(engine.createLink(hard, file)));
        assertEquals(Files.readAttributes(file, BasicFileAttributes.class).fileKey(),
                Files.readAttributes(hard, BasicFileAttributes.class).fileKey());
        failsWith(FileAlreadyExistsException.class, engine.createLink(hard, file));

        Path soft = dir.resolve("soft");
        assertEquals(soft, await(engine.createSymbolicLink(soft, Path.of("target.txt"))));
        assertEquals(Path.of("target.txt"), await(engine.readSymbolicLink(soft)));
        assertEquals("t", Files.readString(soft));
        failsWith(FileAlreadyExistsException.class, engine.createSymbolicLink(soft, file));
        failsWith(java.nio.file.NotLinkException.class, engine.readSymbolicLink(file));
    }

    @Test
    void timesAndPermissionsAreSetAndRead() throws IOException {
        Path file = fileWith("perm.txt", new byte[1]);
        FileTime time = FileTime.from(Instant.parse("2021-03-04T05:06:07Z"));
        assertEquals(file, await(engine.setLastModifiedTime(file, time)));
        assertEquals(time, Files.getLastModifiedTime(file));
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-r-----");
        assertEquals(file, await(engine.setPosixFilePermissions(file, perms)));
        assertEquals(perms, await(engine.getPosixFilePermissions(file)));
        failsWith(NoSuchFileException.class, engine.getPosixFilePermissions(dir.resolve("none")));
    }

    // ---------------------------------------------------------------- temporary files

    @Test
    void temporaryFilesAndDirectoriesAreCreatedPrivately() throws IOException {
        Path file = await(engine.createTempFile(dir, "pre-", ".suf"));
        assertEquals(dir, file.getParent());
        String name = file.getFileName().toString();
        assertTrue(name.startsWith("pre-") && name.endsWith(".suf"), name);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Path other = await(engine.createTempFile(dir, "pre-", null));
        assertNotEquals(file, other);
        assertTrue(other.toString().endsWith(".tmp"));
        assertThrows(IllegalArgumentException.class, () -> engine.createTempFile(dir, "a/b", null));

        Path tempDir = await(engine.createTempDirectory(dir, "d-"));
        assertTrue(Files.isDirectory(tempDir));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tempDir)));
        Path inTmp = await(engine.createTempFile("ringfile-test-", null));
        assertEquals(Path.of(System.getProperty("java.io.tmpdir")), inTmp.getParent());
        Files.delete(inTmp);
    }

    @Test
    void aTemporaryFileIsDeletedWhenClosed() throws IOException {
        AsyncFile temp = await(engine.openTempFile(dir, "named-", null));
        Path path = temp.path();
        assertTrue(Files.exists(path), "it has a name while open");
        assertEquals(4, await(temp.writeFully(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 0)));
        ByteBuffer back = ByteBuffer.allocate(4);
        assertEquals(4, await(temp.readFully(back, 0)));
        await(temp.closeAsync());
        assertFalse(Files.exists(path), "closing deleted it");
        temp.close();
    }

    @Test
    void aTemporaryDirectoryIsDeletedWithItsContentButNotThroughLinks() throws IOException {
        Path outside = fileWith("outside.txt", new byte[] {1});
        TempDirectory temp = await(engine.openTempDirectory(dir, "tree-"));
        Path root = temp.path();
        Files.createDirectories(root.resolve("a/b"));
        Files.write(root.resolve("a/b/c.txt"), new byte[10]);
        Files.createSymbolicLink(root.resolve("link-out"), outside);
        CompletableFuture<Void> closing = temp.closeAsync();
        assertEquals(closing, temp.closeAsync());
        await(closing);
        assertFalse(Files.exists(root));
        assertTrue(Files.exists(outside), "a link inside was deleted, not followed");
        temp.close();
    }

    // ---------------------------------------------------------------- atomic durable write

    @Test
    void writeAtomicallyReplacesTheContentAndLeavesNoTemporaryFile() throws IOException {
        Path target = fileWith("config.json", "old".getBytes(StandardCharsets.UTF_8));
        assertEquals(target, await(engine.writeAtomically(target, "new content")));
        assertEquals("new content", Files.readString(target));
        byte[] big = random(3 * 1024 * 1024 + 1, 22);
        await(engine.writeAtomically(target, big));
        assertArrayEquals(big, Files.readAllBytes(target));
        Path fresh = dir.resolve("fresh.txt");
        await(engine.writeAtomically(fresh, "é", StandardCharsets.ISO_8859_1));
        assertArrayEquals(new byte[] {(byte) 0xE9}, Files.readAllBytes(fresh));
        List<String> names;
        try (var entries = Files.list(dir)) {
            names = entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        assertEquals(List.of("config.json", "fresh.txt"), names, "no temporary file left behind");
        failsWith(NoSuchFileException.class, engine.writeAtomically(dir.resolve("no/dir/x"), new byte[1]));
    }

    private static String modeOf(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private List<String> namesIn(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writeAtomicallyKeepsThePermissionBitsOfTheFileItReplaces() throws IOException {
        // rw-rw-rw- is wider than the usual umask lets a new file be: the replaced file's bits win, not the umask.
        for (String mode : List.of("rw-------", "rw-r-----", "rwxr-x--x", "rw-rw-rw-", "r--------")) {
            Path target = fileWith("mode-" + mode, "old".getBytes(StandardCharsets.UTF_8));
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(mode));
            await(engine.writeAtomically(target, "secret"));
            assertEquals("secret", Files.readString(target));
            assertEquals(mode, modeOf(target), "the replacement of a " + mode + " file");
        }
    }

    @Test
    void writeAtomicallyGivesANewFileTheModeFilesWriteGivesIt() throws IOException {
        Path ours = dir.resolve("new-by-ringfile");
        Path jdks = Files.write(dir.resolve("new-by-jdk"), new byte[1]);
        await(engine.writeAtomically(ours, new byte[1]));
        assertEquals(modeOf(jdks), modeOf(ours), "0666 less the umask, as Files.write");
    }

    @Test
    void writeAtomicallyKeepsTheOwnerAndGroupWhereTheProcessMaySetThem() throws IOException {
        Assumptions.assumeTrue(isRoot(), "only root may give a file to another user; running as "
                + System.getProperty("user.name"));
        Path target = fileWith("owned-by-nobody", "old".getBytes(StandardCharsets.UTF_8));
        Files.setAttribute(target, "unix:uid", 65534);
        Files.setAttribute(target, "unix:gid", 65534);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        await(engine.writeAtomically(target, "new"));
        assertEquals("new", Files.readString(target));
        assertEquals(65534, Files.getAttribute(target, "unix:uid"), "owner kept");
        assertEquals(65534, Files.getAttribute(target, "unix:gid"), "group kept");
        assertEquals("rw-r-----", modeOf(target));
    }

    @Test
    void writeAtomicallyNeverLetsTheNewContentBeReadMoreWidelyThanTheOldFile() throws Exception {
        Path target = fileWith("secret.key", "old".getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        byte[] big = random(8 * 1024 * 1024, 30);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        // The temporary file lives only while the write runs: watch the directory until it was caught at least once.
        for (int round = 0; round < 20 && seen.isEmpty(); round++) {
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> {
                while (writing.get()) {
                    try (var entries = Files.list(dir)) {
                        for (Path p : (Iterable<Path>) entries::iterator) {
                            if (p.getFileName().toString().startsWith(".secret.key.")) {
                                seen.add(modeOf(p));
                            }
                        }
                    } catch (IOException | java.io.UncheckedIOException vanished) {
                        // renamed away between listing and reading its mode
                    }
                }
            });
            watcher.start();
            try {
                await(engine.writeAtomically(target, big));
            } finally {
                writing.set(false);
                watcher.join();
            }
        }
        Assumptions.assumeFalse(seen.isEmpty(), "the temporary file was never caught while it existed (20 tries)");
        for (String mode : seen) {
            assertEquals("rw-------", mode, "modes the temporary file had: " + seen);
        }
        assertEquals("rw-------", modeOf(target));
    }

    @Test
    void writeAtomicallyThroughASymbolicLinkReplacesTheFinalTargetAndKeepsTheLinks() throws IOException {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path links = Files.createDirectory(dir.resolve("links"));
        Path secret = Files.write(real.resolve("secret.txt"), "old".getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        // A relative link into another directory, and an absolute link to that link: a chain of two.
        Path link = Files.createSymbolicLink(links.resolve("link"), Path.of("../real/secret.txt"));
        Path chain = Files.createSymbolicLink(dir.resolve("chain"), link);

        assertEquals(chain, await(engine.writeAtomically(chain, "new")));
        assertEquals("new", Files.readString(secret));
        assertEquals("rw-------", modeOf(secret));
        assertEquals(link, Files.readSymbolicLink(chain), "the links are still links");
        assertEquals(Path.of("../real/secret.txt"), Files.readSymbolicLink(link));
        assertEquals(List.of("secret.txt"), namesIn(real), "replaced in its own directory, nothing left behind");
        assertEquals(List.of("link"), namesIn(links));

        // A dangling link: the file it names is created, as Files.write would create it.
        Path dangling = Files.createSymbolicLink(links.resolve("dangling"), Path.of("../real/created.txt"));
        await(engine.writeAtomically(dangling, "created"));
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("created", Files.readString(real.resolve("created.txt")));
        assertEquals(modeOf(Files.write(dir.resolve("by-jdk"), new byte[1])), modeOf(real.resolve("created.txt")));
    }

    @Test
    void writeAtomicallyRefusesWhatFilesWriteRefusesNamingTheTarget() throws IOException {
        Path real = Files.createDirectory(dir.resolve("a-directory"));
        Path toDirectory = Files.createSymbolicLink(dir.resolve("to-directory"), real);
        Path loop = dir.resolve("loop-a");
        Files.createSymbolicLink(loop, Path.of("loop-b"));
        Files.createSymbolicLink(dir.resolve("loop-b"), Path.of("loop-a"));
        for (Path target : List.of(real, toDirectory, loop)) {
            FileSystemException jdk = assertThrows(FileSystemException.class, () -> Files.write(target, new byte[1]));
            FileSystemException ours =
                    failsWith(FileSystemException.class, engine.writeAtomically(target, new byte[1]));
            assertEquals(jdk.getClass(), ours.getClass(), ours::toString);
            assertEquals(target.toString(), ours.getFile(), ours::toString);
        }
        assertTrue(Files.isSymbolicLink(toDirectory));
        assertEquals(List.of(), namesIn(real));
    }

    @Test
    void writeAtomicallyErrorsNameTheTargetNotTheTemporaryFile() throws IOException {
        Path missingParent = dir.resolve("no/dir/x");
        NoSuchFileException missing = failsWith(NoSuchFileException.class,
                engine.writeAtomically(missingParent, new byte[1]));
        assertEquals(missingParent.toString(), missing.getFile(), missing::toString);
        Path underAFile = fileWith("plain", new byte[1]).resolve("x");
        FileSystemException notDirectory = failsWith(FileSystemException.class,
                engine.writeAtomically(underAFile, new byte[1]));
        assertEquals(underAFile.toString(), notDirectory.getFile(), notDirectory::toString);
        assertEquals(List.of("plain"), namesIn(dir));
    }

    @Test
    void writeAtomicallyInADirectoryItMayNotWriteFailsNamingTheTarget() throws IOException {
        Assumptions.assumeFalse(isRoot(), "root writes into read-only directories");
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        Path target = Files.write(readOnly.resolve("x"), new byte[1]);
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));
        try {
            AccessDeniedException denied = failsWith(AccessDeniedException.class,
                    engine.writeAtomically(target, new byte[2]));
            assertEquals(target.toString(), denied.getFile(), denied::toString);
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
        }
        assertEquals(1, Files.size(target));
    }

    @Test
    void writeAtomicallyOnAZipFileSystemWritesNewAndExistingEntries() throws IOException {
        Path zip = dir.resolve("archive.zip");
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
            Path fresh = fs.getPath("/fresh.txt");
            assertEquals(fresh, await(engine.writeAtomically(fresh, "one")), "a new entry");
            assertEquals("one", Files.readString(fresh));
            assertEquals(fresh, await(engine.writeAtomically(fresh, "two")), "an existing entry");
            Path nested = Files.createDirectories(fs.getPath("/d")).resolve("e.txt");
            Files.writeString(nested, "old");
            await(engine.writeAtomically(fs.getPath("d/e.txt"), "new"));
            try (var entries = Files.walk(fs.getPath("/"))) {
                assertEquals(List.of("/", "/d", "/d/e.txt", "/fresh.txt"),
                        entries.map(Path::toString).sorted().collect(Collectors.toList()), "no temporary entry left");
            }
        }
        try (FileSystem fs = FileSystems.newFileSystem(zip)) {
            assertEquals("two", Files.readString(fs.getPath("/fresh.txt")));
            assertEquals("new", Files.readString(fs.getPath("/d/e.txt")));
        }
        // With POSIX attributes the entry keeps its permissions, as a file does.
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("enablePosixFileAttributes", "true"))) {
            Path entry = fs.getPath("/fresh.txt");
            Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-------"));
            await(engine.writeAtomically(entry, "three"));
            assertEquals("three", Files.readString(entry));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(entry)));
        }
    }

    // ---------------------------------------------------------------- cursor I/O

    @Test
    void cursorReadsAndWritesAdvanceThePositionLikeAFileObject() throws IOException {
        Path path = dir.resolve("cursor.txt");
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            assertEquals(0, file.position());
            assertEquals(5, await(file.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)))));
            assertEquals(5, file.position());
            assertEquals(6, await(file.write(ByteBuffer.wrap(" world".getBytes(StandardCharsets.US_ASCII)))));
            assertEquals(11, file.position());
            assertEquals(-1, await(file.read(ByteBuffer.allocate(4))), "at end of file");
            file.position(6); // seek
            ByteBuffer dst = ByteBuffer.allocate(5);
            assertEquals(5, await(file.read(dst)));
            assertEquals("world", new String(dst.array(), StandardCharsets.US_ASCII));
            assertEquals(11, file.position());
            assertEquals(3, await(file.read(ByteBuffer.allocate(3), 0)), "positional reads leave the cursor");
            assertEquals(11, file.position());
            assertThrows(IllegalArgumentException.class, () -> file.position(-1));
        }
        assertEquals("hello world", Files.readString(path));
    }

    @Test
    void aSecondCursorCallWhileOneIsPendingIsRejectedNotInterleaved() throws IOException {
        int size = 4 * 1024 * 1024;
        Path path = fileWith("pending.bin", random(size, 23));
        // Whether the second call overlaps the first depends on timing, so each case repeats until it has.
        try (AsyncFile file = await(engine.open(path, READ, WRITE))) {
            assertTrue(overlapRejected(file, () -> file.read(ByteBuffer.allocateDirect(size)),
                    () -> file.read(ByteBuffer.allocate(1)), ReadPendingException.class));
            assertTrue(overlapRejected(file, () -> file.write(ByteBuffer.allocateDirect(size)),
                    () -> file.write(ByteBuffer.allocate(1)), WritePendingException.class));
            assertTrue(overlapRejected(file, () -> file.read(ByteBuffer.allocateDirect(size)),
                    () -> file.position(0), IllegalStateException.class));
        }
    }

    /** Runs first then second at once, up to 200 times; true when second was rejected with {@code rejection}. */
    private static boolean overlapRejected(AsyncFile file, java.util.function.Supplier<CompletableFuture<Integer>> first,
                                           java.util.function.Supplier<Object> second,
                                           Class<? extends RuntimeException> rejection) {
        for (int i = 0; i < 200; i++) {
            file.position(0);
            CompletableFuture<Integer> pending = first.get();
            Object accepted;
            try {
                accepted = second.get();
            } catch (RuntimeException e) {
                assertTrue(rejection.isInstance(e), "unexpected " + e);
                await(pending);
                return true;
            }
            await(pending);
            if (accepted instanceof CompletableFuture) {
                await((CompletableFuture<?>) accepted);
            }
        }
        return false;
    }

    @Test
    void truncateMovesACursorBeyondTheNewSizeBackAsFileChannelDoes() throws IOException {
        byte[] data = random(100, 24);
        Path ours = fileWith("truncate-cursor.bin", data);
        Path theirs = fileWith("truncate-cursor-jdk.bin", data);
        long[][] steps = {{80, 50}, {30, 40}, {200, 300}, {150, 120}, {60, 90}, {45, 45}, {10, 0}};
        try (AsyncFile file = await(engine.open(ours, READ, WRITE));
             java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(theirs, READ, WRITE)) {
            for (long[] step : steps) {
                String what = "cursor at " + step[0] + ", truncate(" + step[1] + ")";
                file.position(step[0]);
                channel.position(step[0]);
                await(file.truncate(step[1]));
                channel.truncate(step[1]);
                assertEquals(channel.position(), file.position(), what);
                assertEquals(channel.size(), await(file.size()), what);
                byte[] mark = {(byte) step[0]};
                assertEquals(channel.write(ByteBuffer.wrap(mark)), await(file.write(ByteBuffer.wrap(mark))), what);
                assertEquals(channel.position(), file.position(), what + ", then a cursor write");
            }
        }
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
    }

    @Test
    void appendStartsTheCursorAtTheEnd() throws IOException {
        Path path = fileWith("log.txt", "first\n".getBytes(StandardCharsets.US_ASCII));
        try (AsyncFile file = await(engine.open(path, APPEND))) {
            assertEquals(6, file.position());
            await(file.write(ByteBuffer.wrap("second\n".getBytes(StandardCharsets.US_ASCII))));
            assertEquals(13, file.position());
        }
        assertEquals("first\nsecond\n", Files.readString(path));
    }
}
