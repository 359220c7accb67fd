package io.ringfile;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The null-argument table of the contract suite: every public method of {@link FileEngine}, {@link AsyncFiles},
 * {@link AsyncFile}, {@link AsyncReader} and {@link AsyncWriter} called with each argument null in turn (a null
 * path, charset, text or buffer, a null options or attributes array, a null element in it), next to the same call
 * on {@link Files}, {@link AsynchronousFileChannel}, {@link FileChannel}, {@link BufferedReader} or
 * {@link BufferedWriter}, run live. The JDK's outcome is the expectation: an unchecked exception it throws must be
 * thrown by Ringfile at once, of the same type (never as a failed future); an {@code IOException} it throws must
 * fail Ringfile's future with the same type; a call it completes must complete. Methods with no JDK counterpart
 * (writeAtomically, openTempFile, writeAll) must throw {@code NullPointerException} at once.
 */
final class NullArguments {
    private static final long WAIT_SECONDS = ContractSupport.WAIT_SECONDS;

    /** How a call ended: thrown at once, failed its future, or returned (completed its future). */
    private static final class Outcome {
        final String how;
        final Class<?> type;

        Outcome(String how, Class<?> type) {
            this.how = how;
            this.type = type;
        }

        static Outcome returned() {
            return new Outcome("returns", null);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome && ((Outcome) o).how.equals(how) && ((Outcome) o).type == type;
        }

        @Override
        public int hashCode() {
            return how.hashCode();
        }

        @Override
        public String toString() {
            return type == null ? how : how + " " + type.getSimpleName();
        }
    }

    interface Call<T> {
        Object on(T target) throws Exception;
    }

    interface JdkCall {
        Object call() throws Exception;
    }

    private final List<String> mismatches = new ArrayList<>();
    private final Set<Method> covered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private int rows;

    private NullArguments() {
    }

    /** Runs the whole table against {@code engine}, and the engine part also through {@link AsyncFiles}. */
    static void check(FileEngine engine, Path dir) throws Exception {
        NullArguments table = new NullArguments();
        table.engineRows(engine, "engine", dir);
        table.engineRows(table.asyncFilesFacade(), "AsyncFiles", dir);
        table.fileRows(engine, dir);
        table.textRows(engine, dir);
        assertTrue(table.rows > 150, "the table ran: " + table.rows + " rows");
        List<String> untested = new ArrayList<>();
        for (Method method : FileEngine.class.getMethods()) {
            if (method.getParameterCount() > 0 && !table.covered.contains(method)) {
                untested.add(method.toString());
            }
        }
        assertEquals(List.of(), untested, "every FileEngine method with arguments has rows in the table");
        if (!table.mismatches.isEmpty()) {
            fail(table.mismatches.size() + " of " + table.rows + " calls differ from the JDK:\n"
                    + String.join("\n", table.mismatches));
        }
    }

    /**
     * A FileEngine whose every method calls the AsyncFiles static method of the same signature (so AsyncFiles must
     * mirror FileEngine), noting which methods the table reached.
     */
    private FileEngine asyncFilesFacade() {
        return (FileEngine) Proxy.newProxyInstance(NullArguments.class.getClassLoader(),
                new Class<?>[] {FileEngine.class}, (proxy, method, args) -> {
                    covered.add(method);
                    Method twin = AsyncFiles.class.getMethod(method.getName(), method.getParameterTypes());
                    assertTrue(Modifier.isStatic(twin.getModifiers()), twin + " is static");
                    try {
                        return twin.invoke(null, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    // ---------------------------------------------------------------- FileEngine and AsyncFiles

    private void engineRows(FileEngine e, String on, Path dir) throws IOException {
        Path p = Files.write(dir.resolve(on + "-existing.txt"), new byte[] {'x'});
        Path q = dir.resolve(on + "-absent.txt");
        Path d = Files.createDirectories(dir.resolve(on + "-dir"));
        byte[] bytes = {1};
        Set<OpenOption> withNull = new HashSet<>(Arrays.asList(READ, null));
        Set<PosixFilePermission> permsWithNull = new HashSet<>(Arrays.asList(PosixFilePermission.OWNER_READ, null));
        FileAttribute<?> perms = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        FileTime time = FileTime.fromMillis(0);

        row(on, e, "open(null)", f -> f.open(null), () -> Files.newByteChannel(null));
        row(on, e, "open(p, (OpenOption[]) null)", f -> f.open(p, (OpenOption[]) null),
                () -> Files.newByteChannel(p, (OpenOption[]) null));
        row(on, e, "open(p, (OpenOption) null)", f -> f.open(p, (OpenOption) null),
                () -> Files.newByteChannel(p, (OpenOption) null));
        row(on, e, "open(p, READ, null)", f -> f.open(p, READ, null), () -> Files.newByteChannel(p, READ, null));
        row(on, e, "open(null, Set)", f -> f.open(null, Set.of(READ)),
                () -> AsynchronousFileChannel.open(null, Set.of(READ), null));
        row(on, e, "open(p, (Set) null)", f -> f.open(p, (Set<OpenOption>) null),
                () -> AsynchronousFileChannel.open(p, (Set<OpenOption>) null, null));
        row(on, e, "open(p, {READ, null})", f -> f.open(p, withNull),
                () -> AsynchronousFileChannel.open(p, withNull, null));
        row(on, e, "open(p, Set, (FileAttribute[]) null)", f -> f.open(p, Set.of(READ), (FileAttribute<?>[]) null),
                () -> AsynchronousFileChannel.open(p, Set.of(READ), null, (FileAttribute<?>[]) null));
        row(on, e, "open(p, Set, (FileAttribute) null)", f -> f.open(p, Set.of(READ), (FileAttribute<?>) null),
                () -> AsynchronousFileChannel.open(p, Set.of(READ), null, (FileAttribute<?>) null));

        // Blocking opens: whatever the JDK throws, Ringfile throws (no future).
        blockingRow(on, e, "newFileChannel(null, Set)", f -> f.newFileChannel(null, Set.of(READ)),
                () -> FileChannel.open(null, Set.of(READ)));
        blockingRow(on, e, "newFileChannel(p, (Set) null)", f -> f.newFileChannel(p, (Set<OpenOption>) null),
                () -> FileChannel.open(p, (Set<OpenOption>) null));
        blockingRow(on, e, "newFileChannel(p, {READ, null})", f -> f.newFileChannel(p, withNull),
                () -> FileChannel.open(p, withNull));
        blockingRow(on, e, "newFileChannel(p, Set, (FileAttribute[]) null)",
                f -> f.newFileChannel(p, Set.of(READ), (FileAttribute<?>[]) null),
                () -> FileChannel.open(p, Set.of(READ), (FileAttribute<?>[]) null));
        blockingRow(on, e, "newFileChannel(p, Set, (FileAttribute) null)",
                f -> f.newFileChannel(p, Set.of(READ), (FileAttribute<?>) null),
                () -> FileChannel.open(p, Set.of(READ), (FileAttribute<?>) null));
        blockingRow(on, e, "newFileChannel(null)", f -> f.newFileChannel(null), () -> FileChannel.open(null));
        blockingRow(on, e, "newFileChannel(p, (OpenOption[]) null)", f -> f.newFileChannel(p, (OpenOption[]) null),
                () -> FileChannel.open(p, (OpenOption[]) null));
        blockingRow(on, e, "newFileChannel(p, (OpenOption) null)", f -> f.newFileChannel(p, (OpenOption) null),
                () -> FileChannel.open(p, (OpenOption) null));
        blockingRow(on, e, "newFileChannel(p, READ, null)", f -> f.newFileChannel(p, READ, null),
                () -> FileChannel.open(p, READ, null));
        blockingRow(on, e, "newAsynchronousFileChannel(null, Set, null)",
                f -> f.newAsynchronousFileChannel(null, Set.of(READ), null),
                () -> AsynchronousFileChannel.open(null, Set.of(READ), null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, (Set) null, null)",
                f -> f.newAsynchronousFileChannel(p, (Set<OpenOption>) null, null),
                () -> AsynchronousFileChannel.open(p, (Set<OpenOption>) null, null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, {READ, null}, null)",
                f -> f.newAsynchronousFileChannel(p, withNull, null),
                () -> AsynchronousFileChannel.open(p, withNull, null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, Set, null executor)",
                f -> f.newAsynchronousFileChannel(p, Set.of(READ), null),
                () -> AsynchronousFileChannel.open(p, Set.of(READ), null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, Set, null, (FileAttribute[]) null)",
                f -> f.newAsynchronousFileChannel(p, Set.of(READ), null, (FileAttribute<?>[]) null),
                () -> AsynchronousFileChannel.open(p, Set.of(READ), null, (FileAttribute<?>[]) null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, Set, null, (FileAttribute) null)",
                f -> f.newAsynchronousFileChannel(p, Set.of(READ), null, (FileAttribute<?>) null),
                () -> AsynchronousFileChannel.open(p, Set.of(READ), null, (FileAttribute<?>) null));
        blockingRow(on, e, "newAsynchronousFileChannel(null)", f -> f.newAsynchronousFileChannel(null),
                () -> AsynchronousFileChannel.open(null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, (OpenOption[]) null)",
                f -> f.newAsynchronousFileChannel(p, (OpenOption[]) null),
                () -> AsynchronousFileChannel.open(p, (OpenOption[]) null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, (OpenOption) null)",
                f -> f.newAsynchronousFileChannel(p, (OpenOption) null),
                () -> AsynchronousFileChannel.open(p, (OpenOption) null));
        blockingRow(on, e, "newAsynchronousFileChannel(p, READ, null)",
                f -> f.newAsynchronousFileChannel(p, READ, null),
                () -> AsynchronousFileChannel.open(p, READ, null));

        row(on, e, "readAllBytes(null)", f -> f.readAllBytes(null), () -> Files.readAllBytes(null));
        row(on, e, "readString(null)", f -> f.readString(null), () -> Files.readString(null));
        row(on, e, "readString(null, cs)", f -> f.readString(null, UTF_8), () -> Files.readString(null, UTF_8));
        row(on, e, "readString(p, null)", f -> f.readString(p, null), () -> Files.readString(p, null));
        row(on, e, "size(null)", f -> f.size(null), () -> Files.size(null));

        row(on, e, "write(null, bytes)", f -> f.write(null, bytes), () -> Files.write(null, bytes));
        row(on, e, "write(q, null)", f -> f.write(q, null), () -> Files.write(q, (byte[]) null));
        row(on, e, "write(q, bytes, (OpenOption[]) null)", f -> f.write(q, bytes, (OpenOption[]) null),
                () -> Files.write(q, bytes, (OpenOption[]) null));
        row(on, e, "write(q, bytes, (OpenOption) null)", f -> f.write(q, bytes, (OpenOption) null),
                () -> Files.write(q, bytes, (OpenOption) null));
        row(on, e, "write(q, bytes, CREATE, null)", f -> f.write(q, bytes, CREATE, null),
                () -> Files.write(q, bytes, CREATE, null));
        row(on, e, "write(q, bytes, null, READ)", f -> f.write(q, bytes, null, READ),
                () -> Files.write(q, bytes, null, READ));

        row(on, e, "writeString(null, text)", f -> f.writeString(null, "x"), () -> Files.writeString(null, "x"));
        row(on, e, "writeString(q, null)", f -> f.writeString(q, null), () -> Files.writeString(q, null));
        row(on, e, "writeString(q, text, (OpenOption[]) null)", f -> f.writeString(q, "x", (OpenOption[]) null),
                () -> Files.writeString(q, "x", (OpenOption[]) null));
        row(on, e, "writeString(q, text, (OpenOption) null)", f -> f.writeString(q, "x", (OpenOption) null),
                () -> Files.writeString(q, "x", (OpenOption) null));
        row(on, e, "writeString(null, text, cs)", f -> f.writeString(null, "x", UTF_8),
                () -> Files.writeString(null, "x", UTF_8));
        row(on, e, "writeString(q, null, cs)", f -> f.writeString(q, null, UTF_8),
                () -> Files.writeString(q, null, UTF_8));
        row(on, e, "writeString(q, text, (Charset) null)", f -> f.writeString(q, "x", (Charset) null),
                () -> Files.writeString(q, "x", (Charset) null));
        row(on, e, "writeString(q, text, cs, (OpenOption[]) null)",
                f -> f.writeString(q, "x", UTF_8, (OpenOption[]) null),
                () -> Files.writeString(q, "x", UTF_8, (OpenOption[]) null));
        row(on, e, "writeString(q, text, cs, (OpenOption) null)", f -> f.writeString(q, "x", UTF_8, (OpenOption) null),
                () -> Files.writeString(q, "x", UTF_8, (OpenOption) null));
        row(on, e, "writeString(q, text, cs, null, READ)", f -> f.writeString(q, "x", UTF_8, null, READ),
                () -> Files.writeString(q, "x", UTF_8, null, READ));

        row(on, e, "readAllLines(null)", f -> f.readAllLines(null), () -> Files.readAllLines(null));
        row(on, e, "readAllLines(null, cs)", f -> f.readAllLines(null, UTF_8), () -> Files.readAllLines(null, UTF_8));
        row(on, e, "readAllLines(p, null)", f -> f.readAllLines(p, null), () -> Files.readAllLines(p, null));
        row(on, e, "lines(null)", f -> f.lines(null), () -> Files.lines(null));
        row(on, e, "lines(null, cs)", f -> f.lines(null, UTF_8), () -> Files.lines(null, UTF_8));
        row(on, e, "lines(p, null)", f -> f.lines(p, null), () -> Files.lines(p, null));
        row(on, e, "newBufferedReader(null)", f -> f.newBufferedReader(null), () -> Files.newBufferedReader(null));
        row(on, e, "newBufferedReader(null, cs)", f -> f.newBufferedReader(null, UTF_8),
                () -> Files.newBufferedReader(null, UTF_8));
        row(on, e, "newBufferedReader(p, null)", f -> f.newBufferedReader(p, null),
                () -> Files.newBufferedReader(p, null));
        row(on, e, "newBufferedWriter(null)", f -> f.newBufferedWriter(null), () -> Files.newBufferedWriter(null));
        row(on, e, "newBufferedWriter(q, (OpenOption[]) null)", f -> f.newBufferedWriter(q, (OpenOption[]) null),
                () -> Files.newBufferedWriter(q, (OpenOption[]) null));
        row(on, e, "newBufferedWriter(q, (OpenOption) null)", f -> f.newBufferedWriter(q, (OpenOption) null),
                () -> Files.newBufferedWriter(q, (OpenOption) null));
        row(on, e, "newBufferedWriter(q, null, READ)", f -> f.newBufferedWriter(q, (OpenOption) null, READ),
                () -> Files.newBufferedWriter(q, (OpenOption) null, READ));
        row(on, e, "newBufferedWriter(null, cs)", f -> f.newBufferedWriter(null, UTF_8),
                () -> Files.newBufferedWriter(null, UTF_8));
        row(on, e, "newBufferedWriter(q, (Charset) null)", f -> f.newBufferedWriter(q, (Charset) null),
                () -> Files.newBufferedWriter(q, (Charset) null));
        row(on, e, "newBufferedWriter(q, cs, (OpenOption[]) null)",
                f -> f.newBufferedWriter(q, UTF_8, (OpenOption[]) null),
                () -> Files.newBufferedWriter(q, UTF_8, (OpenOption[]) null));
        row(on, e, "newBufferedWriter(q, cs, (OpenOption) null)", f -> f.newBufferedWriter(q, UTF_8, (OpenOption) null),
                () -> Files.newBufferedWriter(q, UTF_8, (OpenOption) null));

        row(on, e, "exists(null)", f -> f.exists(null), () -> Files.exists(null));
        row(on, e, "exists(p, (LinkOption[]) null)", f -> f.exists(p, (LinkOption[]) null),
                () -> Files.exists(p, (LinkOption[]) null));
        row(on, e, "exists(p, (LinkOption) null)", f -> f.exists(p, (LinkOption) null),
                () -> Files.exists(p, (LinkOption) null));
        row(on, e, "notExists(null)", f -> f.notExists(null), () -> Files.notExists(null));
        row(on, e, "notExists(p, (LinkOption[]) null)", f -> f.notExists(p, (LinkOption[]) null),
                () -> Files.notExists(p, (LinkOption[]) null));
        row(on, e, "notExists(p, (LinkOption) null)", f -> f.notExists(p, (LinkOption) null),
                () -> Files.notExists(p, (LinkOption) null));
        row(on, e, "isDirectory(null)", f -> f.isDirectory(null), () -> Files.isDirectory(null));
        row(on, e, "isDirectory(p, (LinkOption[]) null)", f -> f.isDirectory(p, (LinkOption[]) null),
                () -> Files.isDirectory(p, (LinkOption[]) null));
        row(on, e, "isDirectory(p, (LinkOption) null)", f -> f.isDirectory(p, (LinkOption) null),
                () -> Files.isDirectory(p, (LinkOption) null));
        row(on, e, "isRegularFile(null)", f -> f.isRegularFile(null), () -> Files.isRegularFile(null));
        row(on, e, "isRegularFile(p, (LinkOption[]) null)", f -> f.isRegularFile(p, (LinkOption[]) null),
                () -> Files.isRegularFile(p, (LinkOption[]) null));
        row(on, e, "isRegularFile(p, (LinkOption) null)", f -> f.isRegularFile(p, (LinkOption) null),
                () -> Files.isRegularFile(p, (LinkOption) null));
        for (Class<? extends BasicFileAttributes> type : List.of(BasicFileAttributes.class,
                PosixFileAttributes.class)) {
            String t = type.getSimpleName();
            row(on, e, "readAttributes(null, " + t + ")", f -> f.readAttributes(null, type),
                    () -> Files.readAttributes(null, type));
            row(on, e, "readAttributes(p, " + t + ", (LinkOption[]) null)",
                    f -> f.readAttributes(p, type, (LinkOption[]) null),
                    () -> Files.readAttributes(p, type, (LinkOption[]) null));
            row(on, e, "readAttributes(p, " + t + ", (LinkOption) null)",
                    f -> f.readAttributes(p, type, (LinkOption) null),
                    () -> Files.readAttributes(p, type, (LinkOption) null));
        }
        row(on, e, "readAttributes(p, null)", f -> f.readAttributes(p, (Class<BasicFileAttributes>) null),
                () -> Files.readAttributes(p, (Class<BasicFileAttributes>) null));

        row(on, e, "delete(null)", f -> f.delete(null), () -> {
            Files.delete(null);
            return null;
        });
        row(on, e, "deleteIfExists(null)", f -> f.deleteIfExists(null), () -> Files.deleteIfExists(null));
        row(on, e, "move(null, q)", f -> f.move(null, q), () -> Files.move(null, q));
        row(on, e, "move(p, null)", f -> f.move(p, null), () -> Files.move(p, null));
        row(on, e, "move(p, q, (CopyOption[]) null)", f -> f.move(p, q, (CopyOption[]) null),
                () -> Files.move(p, q, (CopyOption[]) null));
        row(on, e, "move(p, q, (CopyOption) null)", f -> f.move(p, q, (CopyOption) null),
                () -> Files.move(p, q, (CopyOption) null));
        row(on, e, "move(p, q, REPLACE_EXISTING, null)", f -> f.move(p, q, StandardCopyOption.REPLACE_EXISTING, null),
                () -> Files.move(p, q, StandardCopyOption.REPLACE_EXISTING, null));
        row(on, e, "move(p, q, ATOMIC_MOVE, null)", f -> f.move(p, q, StandardCopyOption.ATOMIC_MOVE, null),
                () -> Files.move(p, q, StandardCopyOption.ATOMIC_MOVE, null));
        row(on, e, "copy(null, q)", f -> f.copy(null, q), () -> Files.copy((Path) null, q));
        row(on, e, "copy(p, null)", f -> f.copy(p, null), () -> Files.copy(p, null));
        row(on, e, "copy(p, q, (CopyOption[]) null)", f -> f.copy(p, q, (CopyOption[]) null),
                () -> Files.copy(p, q, (CopyOption[]) null));
        row(on, e, "copy(p, q, (CopyOption) null)", f -> f.copy(p, q, (CopyOption) null),
                () -> Files.copy(p, q, (CopyOption) null));
        row(on, e, "copy(p, q, REPLACE_EXISTING, null)", f -> f.copy(p, q, StandardCopyOption.REPLACE_EXISTING, null),
                () -> Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING, null));

        row(on, e, "createDirectory(null)", f -> f.createDirectory(null), () -> Files.createDirectory(null));
        row(on, e, "createDirectory(q, (FileAttribute[]) null)",
                f -> f.createDirectory(q, (FileAttribute<?>[]) null),
                () -> Files.createDirectory(q, (FileAttribute<?>[]) null));
        row(on, e, "createDirectory(q, (FileAttribute) null)", f -> f.createDirectory(q, (FileAttribute<?>) null),
                () -> Files.createDirectory(q, (FileAttribute<?>) null));
        row(on, e, "createDirectories(null)", f -> f.createDirectories(null), () -> Files.createDirectories(null));
        row(on, e, "createDirectories(q, (FileAttribute[]) null)",
                f -> f.createDirectories(q, (FileAttribute<?>[]) null),
                () -> Files.createDirectories(q, (FileAttribute<?>[]) null));
        row(on, e, "createDirectories(q, (FileAttribute) null)",
                f -> f.createDirectories(q, (FileAttribute<?>) null),
                () -> Files.createDirectories(q, (FileAttribute<?>) null));
        row(on, e, "createDirectories(existing dir, (FileAttribute) null)",
                f -> f.createDirectories(d, (FileAttribute<?>) null),
                () -> Files.createDirectories(d, (FileAttribute<?>) null));
        row(on, e, "list(null)", f -> f.list(null), () -> Files.list(null));
        row(on, e, "createLink(null, p)", f -> f.createLink(null, p), () -> Files.createLink(null, p));
        row(on, e, "createLink(q, null)", f -> f.createLink(q, null), () -> Files.createLink(q, null));
        row(on, e, "createSymbolicLink(null, p)", f -> f.createSymbolicLink(null, p),
                () -> Files.createSymbolicLink(null, p));
        row(on, e, "createSymbolicLink(q, null)", f -> f.createSymbolicLink(q, null),
                () -> Files.createSymbolicLink(q, null));
        row(on, e, "createSymbolicLink(q, p, (FileAttribute[]) null)",
                f -> f.createSymbolicLink(q, p, (FileAttribute<?>[]) null),
                () -> Files.createSymbolicLink(q, p, (FileAttribute<?>[]) null));
        row(on, e, "createSymbolicLink(q, p, (FileAttribute) null)",
                f -> f.createSymbolicLink(q, p, (FileAttribute<?>) null),
                () -> Files.createSymbolicLink(q, p, (FileAttribute<?>) null));
        row(on, e, "createSymbolicLink(q, p, perms, null)", f -> f.createSymbolicLink(q, p, perms, null),
                () -> Files.createSymbolicLink(q, p, perms, null));
        row(on, e, "readSymbolicLink(null)", f -> f.readSymbolicLink(null), () -> Files.readSymbolicLink(null));
        row(on, e, "setLastModifiedTime(null, t)", f -> f.setLastModifiedTime(null, time),
                () -> Files.setLastModifiedTime(null, time));
        row(on, e, "setLastModifiedTime(p, null)", f -> f.setLastModifiedTime(p, null),
                () -> Files.setLastModifiedTime(p, null));
        row(on, e, "getPosixFilePermissions(null)", f -> f.getPosixFilePermissions(null),
                () -> Files.getPosixFilePermissions(null));
        row(on, e, "getPosixFilePermissions(p, (LinkOption[]) null)",
                f -> f.getPosixFilePermissions(p, (LinkOption[]) null),
                () -> Files.getPosixFilePermissions(p, (LinkOption[]) null));
        row(on, e, "getPosixFilePermissions(p, (LinkOption) null)",
                f -> f.getPosixFilePermissions(p, (LinkOption) null),
                () -> Files.getPosixFilePermissions(p, (LinkOption) null));
        row(on, e, "setPosixFilePermissions(null, perms)",
                f -> f.setPosixFilePermissions(null, Set.of(PosixFilePermission.OWNER_READ)),
                () -> Files.setPosixFilePermissions(null, Set.of(PosixFilePermission.OWNER_READ)));
        row(on, e, "setPosixFilePermissions(p, null)", f -> f.setPosixFilePermissions(p, null),
                () -> Files.setPosixFilePermissions(p, null));
        row(on, e, "setPosixFilePermissions(p, {OWNER_READ, null})", f -> f.setPosixFilePermissions(p, permsWithNull),
                () -> Files.setPosixFilePermissions(p, permsWithNull));

        row(on, e, "createTempFile(null, pre, suf)", f -> f.createTempFile(null, "a", "b"),
                () -> Files.createTempFile(null, "a", "b"));
        row(on, e, "createTempFile(dir, null, null)", f -> f.createTempFile(d, null, null),
                () -> Files.createTempFile(d, null, null));
        row(on, e, "createTempFile(dir, pre, suf, (FileAttribute[]) null)",
                f -> f.createTempFile(d, "a", "b", (FileAttribute<?>[]) null),
                () -> Files.createTempFile(d, "a", "b", (FileAttribute<?>[]) null));
        row(on, e, "createTempFile(dir, pre, suf, (FileAttribute) null)",
                f -> f.createTempFile(d, "a", "b", (FileAttribute<?>) null),
                () -> Files.createTempFile(d, "a", "b", (FileAttribute<?>) null));
        row(on, e, "createTempFile(pre, suf, (FileAttribute[]) null)",
                f -> f.createTempFile("a", "b", (FileAttribute<?>[]) null),
                () -> Files.createTempFile("a", "b", (FileAttribute<?>[]) null));
        row(on, e, "createTempFile(pre, suf, (FileAttribute) null)",
                f -> f.createTempFile("a", "b", (FileAttribute<?>) null),
                () -> Files.createTempFile("a", "b", (FileAttribute<?>) null));
        row(on, e, "createTempDirectory(null, pre)", f -> f.createTempDirectory(null, "a"),
                () -> Files.createTempDirectory(null, "a"));
        row(on, e, "createTempDirectory(dir, null)", f -> f.createTempDirectory(d, null),
                () -> Files.createTempDirectory(d, null));
        row(on, e, "createTempDirectory(dir, pre, (FileAttribute[]) null)",
                f -> f.createTempDirectory(d, "a", (FileAttribute<?>[]) null),
                () -> Files.createTempDirectory(d, "a", (FileAttribute<?>[]) null));
        row(on, e, "createTempDirectory(dir, pre, (FileAttribute) null)",
                f -> f.createTempDirectory(d, "a", (FileAttribute<?>) null),
                () -> Files.createTempDirectory(d, "a", (FileAttribute<?>) null));
        row(on, e, "createTempDirectory(pre, (FileAttribute[]) null)",
                f -> f.createTempDirectory("a", (FileAttribute<?>[]) null),
                () -> Files.createTempDirectory("a", (FileAttribute<?>[]) null));
        row(on, e, "createTempDirectory(pre, (FileAttribute) null)",
                f -> f.createTempDirectory("a", (FileAttribute<?>) null),
                () -> Files.createTempDirectory("a", (FileAttribute<?>) null));

        // Not null, but refused by Files.move before any I/O (kept last: a move that wrongly succeeds moves p).
        row(on, e, "move(p, q, COPY_ATTRIBUTES)", f -> f.move(p, q, StandardCopyOption.COPY_ATTRIBUTES),
                () -> Files.move(p, q, StandardCopyOption.COPY_ATTRIBUTES));

        // No JDK counterpart: Ringfile's own rule, a null argument throws NullPointerException at once.
        Outcome npe = new Outcome("throws", NullPointerException.class);
        expect(on, e, "openTempFile(dir, null, null)", f -> f.openTempFile(d, null, null), Outcome.returned());
        expect(on, e, "openTempDirectory(dir, null)", f -> f.openTempDirectory(d, null), Outcome.returned());
        expect(on, e, "writeAtomically(null, bytes)", f -> f.writeAtomically(null, bytes), npe);
        expect(on, e, "writeAtomically(q, (byte[]) null)", f -> f.writeAtomically(q, (byte[]) null), npe);
        expect(on, e, "writeAtomically(null, text)", f -> f.writeAtomically(null, "x"), npe);
        expect(on, e, "writeAtomically(q, (CharSequence) null)", f -> f.writeAtomically(q, (CharSequence) null), npe);
        expect(on, e, "writeAtomically(null, text, cs)", f -> f.writeAtomically(null, "x", UTF_8), npe);
        expect(on, e, "writeAtomically(q, null, cs)", f -> f.writeAtomically(q, null, UTF_8), npe);
        expect(on, e, "writeAtomically(q, text, null)", f -> f.writeAtomically(q, "x", null), npe);
    }

    // ---------------------------------------------------------------- AsyncFile

    private void fileRows(FileEngine engine, Path dir) throws Exception {
        Path path = Files.write(dir.resolve("file-rows.bin"), new byte[16]);
        try (AsyncFile r = ContractSupport.await(engine.open(path, READ));
             AsyncFile w = ContractSupport.await(engine.open(path, WRITE));
             AsynchronousFileChannel jr = AsynchronousFileChannel.open(path, READ);
             AsynchronousFileChannel jw = AsynchronousFileChannel.open(path, WRITE);
             FileChannel cr = FileChannel.open(path, READ);
             FileChannel cw = FileChannel.open(path, WRITE)) {
            for (long position : new long[] {0, -1}) {
                for (boolean readable : new boolean[] {true, false}) {
                    AsyncFile f = readable ? r : w;
                    AsynchronousFileChannel j = readable ? jr : jw;
                    String mode = (readable ? "READ" : "WRITE") + " file, ";
                    String at = ", " + position + ")";
                    fileRow(mode + "read((ByteBuffer) null" + at, f, x -> x.read((ByteBuffer) null, position),
                            () -> j.read(null, position));
                    fileRow(mode + "readFully((ByteBuffer) null" + at, f,
                            x -> x.readFully((ByteBuffer) null, position), () -> j.read(null, position));
                    fileRow(mode + "read((ByteBuf) null" + at, f,
                            x -> x.read((io.netty.buffer.ByteBuf) null, position), () -> j.read(null, position));
                    fileRow(mode + "readFully((ByteBuf) null" + at, f,
                            x -> x.readFully((io.netty.buffer.ByteBuf) null, position), () -> j.read(null, position));
                    fileRow(mode + "write((ByteBuffer) null" + at, f, x -> x.write((ByteBuffer) null, position),
                            () -> j.write(null, position));
                    fileRow(mode + "writeFully((ByteBuffer) null" + at, f,
                            x -> x.writeFully((ByteBuffer) null, position), () -> j.write(null, position));
                    fileRow(mode + "write((ByteBuf) null" + at, f,
                            x -> x.write((io.netty.buffer.ByteBuf) null, position), () -> j.write(null, position));
                    fileRow(mode + "writeFully((ByteBuf) null" + at, f,
                            x -> x.writeFully((io.netty.buffer.ByteBuf) null, position),
                            () -> j.write(null, position));
                }
            }
            // Cursor calls mirror FileChannel's read(ByteBuffer) and write(ByteBuffer).
            fileRow("READ file, read(null) at the cursor", r, x -> x.read((ByteBuffer) null), () -> cr.read((ByteBuffer) null));
            fileRow("WRITE file, read(null) at the cursor", w, x -> x.read((ByteBuffer) null), () -> cw.read((ByteBuffer) null));
            fileRow("READ file, write(null) at the cursor", r, x -> x.write((ByteBuffer) null), () -> cr.write((ByteBuffer) null));
            fileRow("WRITE file, write(null) at the cursor", w, x -> x.write((ByteBuffer) null), () -> cw.write((ByteBuffer) null));
            expect("file", w, "writeAll(null, 0)", x -> x.writeAll(null, 0),
                    new Outcome("throws", NullPointerException.class));
        }
    }

    private void fileRow(String what, AsyncFile file, Call<AsyncFile> ours, JdkCall jdk) {
        expect("file", file, what, ours, jdkOutcome(jdk));
    }

    // ---------------------------------------------------------------- AsyncReader and AsyncWriter

    private void textRows(FileEngine engine, Path dir) throws Exception {
        Path path = Files.writeString(dir.resolve("text-rows.txt"), "line\n");
        try (AsyncReader reader = ContractSupport.await(engine.newBufferedReader(path));
             BufferedReader jdkReader = Files.newBufferedReader(path)) {
            expect("reader", reader, "read((CharBuffer) null)", x -> x.read((CharBuffer) null),
                    jdkOutcome(() -> jdkReader.read((CharBuffer) null)));
        }
        Path out = dir.resolve("text-rows-out.txt");
        try (AsyncWriter writer = ContractSupport.await(engine.newBufferedWriter(out));
             BufferedWriter jdkWriter = Files.newBufferedWriter(dir.resolve("text-rows-jdk.txt"))) {
            expect("writer", writer, "write(null)", x -> x.write(null),
                    jdkOutcome(() -> {
                        jdkWriter.write((String) null);
                        return null;
                    }));
        }
    }

    // ---------------------------------------------------------------- running a row

    private void row(String on, FileEngine engine, String what, Call<FileEngine> ours, JdkCall jdk) {
        expect(on, engine, what, ours, jdkOutcome(jdk));
    }

    /** A row for a blocking call: an exception the JDK throws, checked or not, Ringfile must throw at once. */
    private void blockingRow(String on, FileEngine engine, String what, Call<FileEngine> ours, JdkCall jdk) {
        Outcome outcome = jdkOutcome(jdk);
        expect(on, engine, what, ours, outcome.how.equals("fails") ? new Outcome("throws", outcome.type) : outcome);
    }

    private static Outcome jdkOutcome(JdkCall jdk) {
        Object value;
        try {
            value = jdk.call();
        } catch (RuntimeException | Error e) {
            return new Outcome("throws", e.getClass());
        } catch (Exception e) {
            return new Outcome("fails", e.getClass());
        }
        closeQuietly(value);
        if (value instanceof java.util.concurrent.Future) { // AsynchronousFileChannel reports I/O errors so
            try {
                ((java.util.concurrent.Future<?>) value).get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return new Outcome("fails", e.getCause().getClass());
            } catch (InterruptedException | TimeoutException e) {
                throw new AssertionError(e);
            }
        }
        return Outcome.returned();
    }

    private <T> void expect(String on, T target, String what, Call<T> ours, Outcome expected) {
        rows++;
        Outcome actual;
        Object value;
        try {
            value = ours.on(target);
        } catch (Exception | Error e) {
            actual = new Outcome("throws", e.getClass());
            check(on, what, expected, actual);
            return;
        }
        if (value instanceof CompletableFuture) {
            try {
                Object result = ((CompletableFuture<?>) value).get(WAIT_SECONDS, TimeUnit.SECONDS);
                closeQuietly(result);
                actual = Outcome.returned();
            } catch (ExecutionException e) {
                actual = new Outcome("fails", e.getCause().getClass());
            } catch (InterruptedException | TimeoutException e) {
                throw new AssertionError(on + ": " + what + " did not complete", e);
            }
        } else {
            actual = Outcome.returned();
        }
        check(on, what, expected, actual);
    }

    private void check(String on, String what, Outcome expected, Outcome actual) {
        if (!expected.equals(actual)) {
            mismatches.add(on + "." + what + ": JDK " + expected + ", Ringfile " + actual);
        }
    }

    private static void closeQuietly(Object value) {
        try {
            if (value instanceof AutoCloseable) {
                ((AutoCloseable) value).close();
            }
        } catch (Exception ignored) {
            // only cleanup
        }
    }
}
