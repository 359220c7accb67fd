package io.ringfile.switching;

import io.ringfile.AsyncFiles;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Run by {@code io.ringfile.ProviderSwitchTest} in a JVM started with
 * {@code -Djava.nio.file.spi.DefaultFileSystemProvider=io.ringfile.RingfileFileSystemProvider}. Usage:
 * {@code ProviderSwitchProbe DIR}. Uses files only through {@code java.nio.file} as any application would, and
 * prints what it saw as {@code KEY value} lines, {@code DONE} last.
 */
public final class ProviderSwitchProbe {
    private static final String CHANNEL = "io.ringfile.internal.channels.RingfileFileChannel";

    private ProviderSwitchProbe() {
    }

    private static void fact(String key, Object value) {
        System.out.println(key + " " + value);
    }

    public static void main(String[] args) throws Exception {
        FileSystem fs = FileSystems.getDefault();
        fact("PROVIDER", fs.provider().getClass().getName());
        fact("FILE-SYSTEM-IN-JAVA-BASE", fs.getClass().getModule() == Object.class.getModule());

        // What the JDK's own test of a default-provider replacement checks.
        Path dir = Files.createTempDirectory(Path.of(args[0]), "switch");
        if (args.length > 1 && args[1].equals("engine-cannot-start")) {
            Files.write(dir.resolve("plain"), new byte[] {1, 2, 3});
            Thread.sleep(2000); // the start has failed by now
            try (FileChannel channel = FileChannel.open(dir.resolve("plain"))) {
                fact("FALLBACK-CHANNEL-CLASS", channel.getClass().getName());
                fact("FALLBACK-READ", channel.read(ByteBuffer.allocate(10)));
            }
            fact("FALLBACK-READALLBYTES", Arrays.toString(Files.readAllBytes(dir.resolve("plain"))));
            System.out.println("DONE");
            return;
        }
        // The first channel starts the default engine in the background; until it runs the platform's channels
        // are handed out. Then every channel is Ringfile's.
        Path first = Files.write(dir.resolve("first"), new byte[] {1});
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String firstClass = null;
        int platformChannels = 0;
        while (System.nanoTime() < deadline) {
            try (FileChannel channel = FileChannel.open(first)) {
                firstClass = channel.getClass().getName();
            }
            if (firstClass.equals(CHANNEL)) {
                break;
            }
            platformChannels++;
            Thread.sleep(5);
        }
        fact("ENGINE-STARTED-IN-THE-BACKGROUND", firstClass + " after " + (platformChannels > 0 ? "some" : "no")
                + " platform channels");
        fact("TEMP-DIRECTORY-IN-DEFAULT-FS", dir.getFileSystem() == fs);
        Path foo = Files.createFile(dir.resolve("foo"));
        fact("CREATED-FILE-IN-DEFAULT-FS", foo.getFileSystem() == fs);
        File file = foo.toFile();
        fact("FILE-ROUND-TRIP", file.toPath().getFileSystem() == fs && file.toPath().equals(foo));
        fact("URI-ROUND-TRIP", Path.of(foo.toUri()).equals(foo));

        // Whole-file operations and streams.
        byte[] data = new byte[200_000];
        new java.util.Random(7).nextBytes(data);
        Files.write(foo, data);
        fact("WRITE-THEN-READALLBYTES", Arrays.equals(data, Files.readAllBytes(foo)));
        Files.writeString(foo, "one\ntwo\n");
        fact("READSTRING", Files.readString(foo).equals("one\ntwo\n"));
        fact("READALLLINES", Files.readAllLines(foo).equals(List.of("one", "two")));
        try (java.util.stream.Stream<String> lines = Files.lines(foo)) {
            fact("LINES", lines.count() == 2);
        }
        try (BufferedWriter writer = Files.newBufferedWriter(foo)) {
            writer.write("buffered");
        }
        try (BufferedReader reader = Files.newBufferedReader(foo)) {
            fact("BUFFERED-READER-WRITER", reader.readLine().equals("buffered"));
        }
        try (OutputStream out = Files.newOutputStream(foo)) {
            out.write(data);
        }
        try (InputStream in = Files.newInputStream(foo)) {
            fact("STREAMS", Arrays.equals(data, in.readAllBytes()));
        }
        Path copy = dir.resolve("copy");
        try (InputStream in = new java.io.ByteArrayInputStream(data)) {
            Files.copy(in, copy);
        }
        ByteArrayOutputStream copied = new ByteArrayOutputStream();
        Files.copy(copy, copied);
        fact("COPY-STREAMS", Arrays.equals(data, copied.toByteArray()));
        fact("MISMATCH", Files.mismatch(foo, copy));

        // The channels are Ringfile's.
        try (FileChannel channel = FileChannel.open(foo, READ, WRITE)) {
            fact("FILECHANNEL-CLASS", channel.getClass().getName());
            ByteBuffer buffer = ByteBuffer.allocate(100);
            channel.read(buffer, 1000);
            fact("FILECHANNEL-READ", Arrays.equals(Arrays.copyOfRange(data, 1000, 1100), buffer.array()));
        }
        try (SeekableByteChannel channel = Files.newByteChannel(foo)) {
            fact("BYTECHANNEL-CLASS", channel.getClass().getName());
        }
        try (AsynchronousFileChannel channel = AsynchronousFileChannel.open(foo, READ)) {
            fact("ASYNCHRONOUS-CLASS", channel.getClass().getName());
            fact("ASYNCHRONOUS-READ", channel.read(ByteBuffer.allocate(10), 0).get() == 10);
        }
        fact("BACKEND", AsyncFiles.engine().backend());
        fact("RING-THREADS", Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ringfile-ring")).count());

        // Proof that the I/O itself goes through Ringfile: threads waiting in Files calls on FIFOs, caught in the
        // act, are inside Ringfile's channel.
        if (new ProcessBuilder("mkfifo", dir.resolve("in").toString(), dir.resolve("out").toString())
                .inheritIO().start().waitFor() == 0) {
            fact("READALLBYTES-WAITS-IN", readAllBytesFromFifo(dir.resolve("in"), data));
            fact("WRITE-WAITS-IN", writeToFifo(dir.resolve("out"), data));
        } else {
            fact("FIFO", "mkfifo failed");
        }

        // Interrupts as the JDK: streams ignore them, byte channels close.
        Thread.currentThread().interrupt();
        try (InputStream in = Files.newInputStream(foo)) {
            fact("INTERRUPTED-STREAM-READ", in.read(new byte[10]) + " interrupted=" + Thread.currentThread()
                    .isInterrupted());
        }
        Thread.currentThread().interrupt();
        try (SeekableByteChannel channel = Files.newByteChannel(foo)) {
            channel.read(ByteBuffer.allocate(10));
            fact("INTERRUPTED-CHANNEL-READ", "read");
        } catch (ClosedByInterruptException e) {
            fact("INTERRUPTED-CHANNEL-READ", "ClosedByInterruptException interrupted="
                    + Thread.currentThread().isInterrupted());
        }
        Thread.interrupted();

        // A zip file system on a file of the default file system (read and written through its channels).
        Path zip = dir.resolve("archive.zip");
        try (FileSystem zipfs = FileSystems.newFileSystem(zip, java.util.Map.of("create", "true"))) {
            Files.writeString(zipfs.getPath("/entry.txt"), "zipped");
        }
        try (FileSystem zipfs = FileSystems.newFileSystem(zip)) {
            fact("ZIP-FILE-SYSTEM", Files.readString(zipfs.getPath("/entry.txt")).equals("zipped"));
        }

        // Directory streams and watch services hand out paths of the default file system.
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> p.getFileSystem() == fs)) {
            List<String> names = new ArrayList<>();
            for (Path entry : entries) {
                if (entry.getFileSystem() == fs) {
                    names.add(entry.getFileName().toString());
                }
            }
            names.sort(null);
            fact("DIRECTORY-ENTRIES", names);
        }
        try (WatchService watcher = fs.newWatchService()) {
            WatchKey registered = dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
            Files.createFile(dir.resolve("watched"));
            WatchKey key = watcher.poll(30, TimeUnit.SECONDS);
            boolean wrapped = key == registered && key.watchable().equals(dir);
            for (WatchEvent<?> event : key.pollEvents()) {
                Path context = (Path) event.context();
                wrapped &= context.getFileSystem() == fs && dir.resolve(context).getFileName().toString()
                        .equals("watched");
            }
            fact("WATCH-SERVICE", wrapped);
        }
        System.out.println("DONE");
    }

    /**
     * Files.readAllBytes of a FIFO whose writer waits until the reader is caught waiting: returns where the reader
     * waited ({@code ringfile} when a frame of Ringfile's channel is on its stack), and checks what it read.
     */
    private static String readAllBytesFromFifo(Path fifo, byte[] data) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try (FileOutputStream out = new FileOutputStream(fifo.toFile())) { // java.io: not through the provider
                release.await();
                out.write(data);
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        writer.start();
        AtomicReference<byte[]> read = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                read.set(Files.readAllBytes(fifo));
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        reader.start();
        String where = waitingIn(reader);
        release.countDown();
        reader.join(30_000);
        writer.join(30_000);
        return where + (Arrays.equals(data, read.get()) ? " data-ok" : " data-wrong");
    }

    /** Files.write to a FIFO whose reader waits until the writer is caught waiting (the pipe is full). */
    private static String writeToFifo(Path fifo, byte[] data) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<byte[]> read = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                release.await();
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                byte[] chunk = new byte[8192];
                for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) { // not readAllBytes: JDK 17 seeks in it
                    all.write(chunk, 0, n);
                }
                read.set(all.toByteArray());
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        reader.start();
        Thread writer = new Thread(() -> {
            try {
                Files.write(fifo, data);
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        writer.start();
        String where = waitingIn(writer);
        release.countDown();
        writer.join(30_000);
        reader.join(30_000);
        return where + (Arrays.equals(data, read.get()) ? " data-ok" : " data-wrong");
    }

    /** Waits until {@code thread} has been waiting for a while, then says whether Ringfile's channel is on its stack. */
    private static String waitingIn(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // a thread in a system call stays RUNNABLE
        for (int steady = 0; steady < 30 && System.nanoTime() < deadline; ) {
            Thread.State state = thread.getState();
            steady = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING ? steady + 1 : 0;
            Thread.sleep(10);
        }
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(CHANNEL)) {
                return "ringfile";
            }
        }
        return "elsewhere: " + Arrays.toString(thread.getStackTrace());
    }
}
