package io.ringfile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link RingfileFileSystemProvider} (and, inherited, of the channels: {@link ChannelContract}), run
 * on every backend and engine flavour by one-line subclasses ({@code IoUringChannelContractTest},
 * {@code NioChannelContractTest}, {@code DefaultEngineChannelContractTest}, {@code SharedIoUringChannelContractTest},
 * {@code SharedEpollChannelContractTest}). The provider is made here on the suite's engine and used through the
 * paths of its file system (not installed as the JVM's default; that is {@code ProviderSwitchTest}, in forked JVMs). {@code Files} calls on its paths must do what they do on the
 * platform's paths, with the channels the engine's.
 */
public abstract class ProviderContract extends ChannelContract {

    protected ProviderContract(FileEngine.Backend requested) {
        super(requested);
    }

    private RingfileFileSystemProvider provider() {
        return new RingfileFileSystemProvider(FileSystems.getDefault().provider(), engine);
    }

    /** {@code path} as a path of the provider's file system. */
    private static Path through(FileSystem fs, Path path) {
        return fs.getPath(path.toString());
    }

    /** The same calls through the platform's paths and the provider's; transcripts as in ChannelContract. */
    private interface FilesScript {
        void run(Path dir, Transcript t) throws Exception;
    }

    private void sameThroughProvider(String name, FilesScript script) throws Exception {
        FileSystem fs = provider().getFileSystem(URI.create("file:///"));
        List<String> platform = new ArrayList<>();
        List<String> ours = new ArrayList<>();
        for (boolean provided : new boolean[] {false, true}) {
            Path where = Files.createDirectories(dir.resolve(name + (provided ? "-provided" : "-platform")));
            Transcript t = new Transcript();
            script.run(provided ? through(fs, where) : where, t);
            (provided ? ours : platform).addAll(t.lines);
        }
        assertEquals(String.join("\n", platform), String.join("\n", ours),
                name + ": Files through the provider must do what it does on the platform's paths");
    }

    // ---------------------------------------------------------------- Files through the provider

    @Test
    void filesThroughTheProviderAsOnThePlatformsPaths() throws Exception {
        sameThroughProvider("files", (d, t) -> {
            Path a = d.resolve("a.txt");
            byte[] data = random(150_000, 90);
            t.call("write", () -> Files.write(a, data).getFileName());
            t.call("readAllBytes", () -> Files.readAllBytes(a));
            t.call("size", () -> Files.size(a));
            t.call("write APPEND", () -> Files.write(a, new byte[] {1, 2}, APPEND).getFileName());
            t.call("readAllBytes", () -> Files.readAllBytes(a));
            t.call("writeString", () -> Files.writeString(a, "one\ntwo\nthree\n").getFileName());
            t.call("readString", () -> Files.readString(a));
            t.call("readAllLines", () -> Files.readAllLines(a));
            t.call("lines", () -> {
                try (Stream<String> lines = Files.lines(a)) {
                    return lines.count();
                }
            });
            t.call("newBufferedWriter APPEND", () -> {
                try (BufferedWriter writer = Files.newBufferedWriter(a, APPEND)) {
                    writer.write("four\n");
                }
                return Files.readString(a);
            });
            t.call("newInputStream", () -> {
                try (InputStream in = Files.newInputStream(a)) {
                    in.skip(4);
                    return new String(in.readNBytes(3), StandardCharsets.UTF_8);
                }
            });
            t.call("newInputStream WRITE", () -> Files.newInputStream(a, WRITE));
            t.call("newInputStream APPEND", () -> Files.newInputStream(a, APPEND));
            t.call("newOutputStream READ", () -> Files.newOutputStream(a, READ));
            t.call("newOutputStream", () -> {
                try (OutputStream out = Files.newOutputStream(a)) {
                    out.write(data, 0, 1000);
                }
                return Files.size(a);
            });
            t.call("newByteChannel", () -> {
                try (SeekableByteChannel channel = Files.newByteChannel(a, READ, WRITE)) {
                    channel.position(990);
                    channel.write(ByteBuffer.wrap(new byte[20]));
                    return channel.size() + " at " + channel.position();
                }
            });
            t.call("FileChannel.open", () -> {
                try (FileChannel channel = FileChannel.open(a, READ)) {
                    return channel.read(ByteBuffer.allocate(2000), 500);
                }
            });
            t.call("AsynchronousFileChannel.open", () -> {
                try (AsynchronousFileChannel channel = AsynchronousFileChannel.open(a, READ)) {
                    return channel.read(ByteBuffer.allocate(2000), 0).get();
                }
            });
            t.call("createFile on an existing file", () -> Files.createFile(a));
            Path b = d.resolve("b.bin");
            t.call("createFile", () -> Files.createFile(b, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))).getFileName());
            t.call("its mode", () -> PosixFilePermissions.toString(Files.getPosixFilePermissions(b)));
            t.call("createTempFile", () -> Files.createTempFile(d, "t", ".tmp").getFileSystem() == d.getFileSystem());
            t.call("copy from a stream", () -> Files.copy(new java.io.ByteArrayInputStream(data), b,
                    StandardCopyOption.REPLACE_EXISTING));
            t.call("copy to a stream", () -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Files.copy(b, out);
                return out.toByteArray();
            });
            t.call("mismatch", () -> Files.mismatch(a, b));
            t.call("copy", () -> Files.copy(b, d.resolve("c.bin")).getFileName());
            t.call("move", () -> Files.move(d.resolve("c.bin"), d.resolve("m.bin")).getFileName());
            t.call("exists", () -> Files.exists(d.resolve("c.bin")) + " " + Files.exists(d.resolve("m.bin")));
            t.call("isSameFile", () -> Files.isSameFile(b, d.resolve("x/../b.bin")));
            t.call("readAttributes", () -> Files.readAttributes(b, BasicFileAttributes.class).size());
            t.call("readAttributes map", () -> Files.readAttributes(b, "size,isRegularFile"));
            t.call("createSymbolicLink", () -> Files.createSymbolicLink(d.resolve("link"), b.getFileName())
                    .getFileName());
            t.call("readSymbolicLink", () -> Files.readSymbolicLink(d.resolve("link")));
            t.call("read through the link", () -> Files.readAllBytes(d.resolve("link")));
            t.call("NOFOLLOW_LINKS on the link", () -> Files.newByteChannel(d.resolve("link"), READ,
                    LinkOption.NOFOLLOW_LINKS));
            t.call("list", () -> {
                try (Stream<Path> entries = Files.list(d)) {
                    return entries.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".tmp")).sorted()
                            .toList();
                }
            });
            t.call("walk", () -> {
                try (Stream<Path> entries = Files.walk(d)) {
                    return entries.count();
                }
            });
            t.call("absent file", () -> Files.readAllBytes(d.resolve("absent")));
            t.call("a directory", () -> Files.readAllBytes(d));
            t.call("delete", () -> {
                Files.delete(b);
                return Files.exists(b);
            });
            t.call("deleteIfExists", () -> Files.deleteIfExists(b));
        });
    }

    /**
     * The provider's channels are the engine's: they are its classes, and once the engine is closed, Files calls
     * through the provider fail as the engine's calls do.
     */
    @Test
    void theProvidersChannelsAreTheEngines() throws Exception {
        FileSystem fs = provider().getFileSystem(URI.create("file:///"));
        Path path = through(fs, fileWith("engine.bin", random(100, 91)));
        try (FileChannel channel = FileChannel.open(path, READ);
             SeekableByteChannel bytes = Files.newByteChannel(path);
             AsynchronousFileChannel async = AsynchronousFileChannel.open(path, READ)) {
            assertEquals("io.ringfile.internal.channels.RingfileFileChannel", channel.getClass().getName());
            assertEquals("io.ringfile.internal.channels.RingfileFileChannel", bytes.getClass().getName());
            assertEquals("io.ringfile.internal.channels.RingfileAsynchronousFileChannel", async.getClass().getName());
        }
        assertArrayEquals(random(100, 91), Files.readAllBytes(path));
        engine.close();
        assertThrows(ClosedFileSystemException.class, () -> Files.readAllBytes(path),
                "a closed engine: the I/O went to the engine");
        assertThrows(ClosedFileSystemException.class, () -> Files.newInputStream(path));
        assertTrue(Files.exists(path), "what is not a channel is the platform's, closed engine or not");
    }

    @Test
    void theProvidersPathsBehaveAsThePlatformsAndBelongToIt() throws Exception {
        RingfileFileSystemProvider provider = provider();
        FileSystem fs = provider.getFileSystem(URI.create("file:///"));
        assertSame(provider, fs.provider());
        assertSame(fs, provider.getFileSystem(URI.create("file:///")));
        assertEquals("file", provider.getScheme());
        Path platform = dir.resolve("x/./y/../z.txt");
        Path ours = fs.getPath(platform.toString());
        assertSame(fs, ours.getFileSystem());
        assertEquals(platform.toString(), ours.toString());
        assertEquals(platform.hashCode(), ours.hashCode());
        assertNotEquals(ours, platform, "a path of another file system is never equal");
        assertEquals(ours, fs.getPath(platform.toString()));
        assertEquals(platform.normalize().toString(), ours.normalize().toString());
        assertSame(fs, ours.normalize().getFileSystem());
        assertSame(fs, ours.getParent().getFileSystem());
        assertSame(fs, ours.getFileName().getFileSystem());
        assertSame(fs, ours.getRoot().getFileSystem());
        assertEquals(platform.getNameCount(), ours.getNameCount());
        assertEquals(platform.subpath(1, 3).toString(), ours.subpath(1, 3).toString());
        assertEquals(platform.toUri(), ours.toUri());
        assertEquals(ours, provider.getPath(platform.toUri()));
        assertEquals(platform.toFile(), ours.toFile());
        assertEquals(ours.resolve("w"), ours.resolve(fs.getPath("w")));
        assertEquals(ours.resolve("w"), ours.resolve(platform.getFileSystem().getPath("w")),
                "a path of the wrapped file system is accepted");
        assertEquals(fs.getPath("a/b"), fs.getPath("/r").relativize(fs.getPath("/r/a/b")));
        assertTrue(ours.startsWith(fs.getPath(dir.toString())));
        assertTrue(ours.startsWith(dir.toString()));
        assertTrue(ours.endsWith("z.txt"));
        assertEquals(0, ours.compareTo(fs.getPath(platform.toString())));
        List<String> names = new ArrayList<>();
        ours.forEach(name -> {
            assertSame(fs, name.getFileSystem());
            names.add(name.toString());
        });
        List<String> expected = new ArrayList<>();
        platform.forEach(name -> expected.add(name.toString()));
        assertEquals(expected, names);
        assertSame(fs, ours.toAbsolutePath().getFileSystem());
        assertSame(fs, fs.getPath(dir.toString()).toRealPath().getFileSystem());
        fs.getRootDirectories().forEach(root -> assertSame(fs, root.getFileSystem()));
        assertTrue(fs.getPathMatcher("glob:**/*.txt").matches(ours));
        assertEquals(platform.getFileSystem().supportedFileAttributeViews(), fs.supportedFileAttributeViews());
        assertThrows(UnsupportedOperationException.class, fs::close, "the default file system cannot be closed");
        Path jrt = FileSystems.getFileSystem(URI.create("jrt:/")).getPath("modules");
        assertThrows(ProviderMismatchException.class, () -> ours.resolve(jrt));
        assertThrows(ProviderMismatchException.class, () -> provider.readAttributes(jrt,
                BasicFileAttributes.class));
        assertThrows(IllegalArgumentException.class, () -> new RingfileFileSystemProvider(
                FileSystems.getFileSystem(URI.create("jrt:/")).provider()));
    }

    @Test
    void directoryStreamsGiveThePathsOfTheProvidersFileSystem() throws Exception {
        FileSystem fs = provider().getFileSystem(URI.create("file:///"));
        Path d = through(fs, Files.createDirectories(dir.resolve("listing")));
        for (String name : List.of("a", "b", "c.txt")) {
            Files.write(d.resolve(name), new byte[] {1});
        }
        Files.createDirectory(d.resolve("sub"));
        List<String> seen = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d, p -> {
            assertSame(fs, p.getFileSystem(), "the filter gets the provider's paths");
            return !p.getFileName().toString().equals("b");
        })) {
            for (Path entry : entries) {
                assertSame(fs, entry.getFileSystem());
                seen.add(entry.getFileName().toString());
            }
        }
        seen.sort(null);
        assertEquals(List.of("a", "c.txt", "sub"), seen);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d, "*.txt")) {
            List<String> txt = new ArrayList<>();
            entries.forEach(p -> txt.add(p.getFileName().toString()));
            assertEquals(List.of("c.txt"), txt);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            Assumptions.assumeTrue(entries instanceof SecureDirectoryStream, "the platform has secure streams");
            @SuppressWarnings("unchecked")
            SecureDirectoryStream<Path> secure = (SecureDirectoryStream<Path>) entries;
            secure.deleteFile(fs.getPath("a"));
            assertFalse(Files.exists(d.resolve("a")));
            try (SecureDirectoryStream<Path> sub = secure.newDirectoryStream(fs.getPath("sub"))) {
                sub.iterator().forEachRemaining(p -> assertSame(fs, p.getFileSystem()));
            }
            secure.move(fs.getPath("c.txt"), secure, fs.getPath("moved.txt"));
            assertTrue(Files.exists(d.resolve("moved.txt")));
            assertEquals(1L, secure.getFileAttributeView(fs.getPath("moved.txt"),
                    java.nio.file.attribute.BasicFileAttributeView.class).readAttributes().size());
        }
    }

    @Test
    @Timeout(120)
    void watchServicesGiveTheKeysRegisterReturnedAndThePathsOfTheProvidersFileSystem() throws Exception {
        FileSystem fs = provider().getFileSystem(URI.create("file:///"));
        Path d = through(fs, Files.createDirectories(dir.resolve("watched")));
        try (WatchService watcher = fs.newWatchService()) {
            WatchKey registered = d.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
            assertSame(d, registered.watchable());
            Files.write(d.resolve("new.txt"), new byte[] {1});
            WatchKey key = watcher.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertSame(registered, key, "the key taken is the key register returned");
            List<WatchEvent<?>> events = key.pollEvents();
            assertFalse(events.isEmpty());
            for (WatchEvent<?> event : events) {
                Path context = (Path) event.context();
                assertSame(fs, context.getFileSystem());
                assertEquals("new.txt", context.toString());
                assertTrue(Files.exists(d.resolve(context)));
            }
            assertTrue(key.reset());
            key.cancel();
            assertFalse(key.isValid());
            try (WatchService platformWatcher = FileSystems.getDefault().newWatchService()) {
                assertThrows(ProviderMismatchException.class, () -> d.register(platformWatcher,
                        StandardWatchEventKinds.ENTRY_CREATE), "a watch service of another provider is refused");
            }
        }
    }

    /**
     * Interrupts as the JDK treats its own: a thread interrupted before it reads through an input stream (and so
     * Files.newBufferedReader, Files.lines...) or writes through an output stream (Files.write...) reads and writes
     * anyway and keeps its status; a byte channel is closed by the interrupt. Through the provider and through the
     * platform's paths alike.
     */
    @Test
    void streamsIgnoreInterruptsAndByteChannelsCloseAsTheJdksDo() throws Exception {
        sameThroughProvider("interrupts", (d, t) -> {
            Path a = Files.write(d.resolve("a"), random(1000, 92));
            t.call("stream read", () -> interrupted(() -> {
                try (InputStream in = Files.newInputStream(a)) {
                    return in.readAllBytes().length;
                }
            }));
            t.call("stream write", () -> interrupted(() -> {
                try (OutputStream out = Files.newOutputStream(a, APPEND)) {
                    out.write(new byte[10]);
                }
                return Files.size(a);
            }));
            t.call("Files.write", () -> interrupted(() -> Files.write(a, new byte[5]).getFileName()));
            t.call("byte channel read", () -> interrupted(() -> {
                try (SeekableByteChannel channel = Files.newByteChannel(a)) {
                    return channel.read(ByteBuffer.allocate(10));
                }
            }));
            t.call("FileChannel write", () -> interrupted(() -> {
                try (FileChannel channel = FileChannel.open(a, WRITE, CREATE)) {
                    return channel.write(ByteBuffer.allocate(3));
                }
            }));
        });
    }

    /** Runs {@code call} on this thread with its interrupt status set; reports the outcome and the status after. */
    private static String interrupted(Callable<?> call) {
        Thread.currentThread().interrupt();
        String outcome;
        try {
            outcome = String.valueOf(call.call());
        } catch (Exception e) {
            outcome = e.getClass().getName();
        }
        return outcome + ", interrupted: " + Thread.interrupted();
    }

    /** The provider's own methods check their arguments as the platform provider does. */
    @Test
    void theProvidersMethodsCheckArgumentsAsThePlatforms() throws Exception {
        FileSystemProvider platform = FileSystems.getDefault().provider();
        RingfileFileSystemProvider provider = provider();
        FileSystem fs = provider.getFileSystem(URI.create("file:///"));
        Path p = fileWith("args.bin", random(10, 93));
        Path ours = through(fs, p);
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (boolean useOurs : new boolean[] {false, true}) {
            FileSystemProvider x = useOurs ? provider : platform;
            Path path = useOurs ? ours : p;
            Transcript t = new Transcript();
            t.call("newFileChannel(null)", () -> x.newFileChannel(null, java.util.Set.of(READ)));
            t.call("newByteChannel(path, null)", () -> x.newByteChannel(path, null));
            t.call("newInputStream(null)", () -> x.newInputStream(null));
            t.call("newOutputStream(path, (OpenOption[]) null)", () -> x.newOutputStream(path,
                    (java.nio.file.OpenOption[]) null));
            t.call("newDirectoryStream(dir, null)", () -> x.newDirectoryStream(path.getParent(), null));
            t.call("newAsynchronousFileChannel(path, null, null)", () -> x.newAsynchronousFileChannel(path, null,
                    null));
            t.call("getPath(non-file URI)", () -> x.getPath(URI.create("jrt:/modules")));
            t.call("getFileSystem(file:///x)", () -> x.getFileSystem(URI.create("file:///x")));
            t.call("newFileSystem(file:///)", () -> x.newFileSystem(URI.create("file:///"), Map.of()));
            t.call("isSameFile(path, null)", () -> x.isSameFile(path, null));
            t.call("isSameFile(path, jrt)", () -> x.isSameFile(path, FileSystems.getFileSystem(
                    URI.create("jrt:/")).getPath("modules")));
            t.call("checkAccess", () -> {
                x.checkAccess(path, java.nio.file.AccessMode.READ);
                return "ok";
            });
            t.call("isHidden", () -> x.isHidden(path));
            t.call("getFileStore", () -> x.getFileStore(path).name());
            (useOurs ? actual : expected).addAll(t.lines);
        }
        assertEquals(String.join("\n", expected), String.join("\n", actual));
        assertInstanceOf(FileChannel.class, provider.newByteChannel(ours, java.util.Set.of(READ)));
        assertEquals(Arrays.toString(random(10, 93)), Arrays.toString(Files.readAllBytes(ours)));
    }

    /** The engine's own work on the provider's paths (every AsyncFiles-style call) reaches the right files. */
    @Test
    void theEngineTakesTheProvidersPathsAsLocalPaths() throws Exception {
        FileSystem fs = provider().getFileSystem(URI.create("file:///"));
        Path d = through(fs, Files.createDirectories(dir.resolve("engine-paths")));
        Path a = d.resolve("a.txt");
        await(engine.writeString(a, "text"));
        assertEquals("text", Files.readString(dir.resolve("engine-paths/a.txt")));
        assertEquals("text", await(engine.readString(a)));
        await(engine.move(a, d.resolve("b.txt")));
        assertTrue(Files.exists(dir.resolve("engine-paths/b.txt")));
        try (AsyncFile file = await(engine.open(d.resolve("b.txt"), READ))) {
            assertSame(fs, file.path().getFileSystem(), "the file keeps the path it was opened with");
        }
        await(engine.writeAtomically(d.resolve("b.txt"), "atomic"));
        assertEquals("atomic", Files.readString(dir.resolve("engine-paths/b.txt")));
        assertEquals(List.of(d.resolve("b.txt")), await(engine.list(d)));
    }
}
