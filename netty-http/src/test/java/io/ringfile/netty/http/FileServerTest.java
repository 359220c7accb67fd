package io.ringfile.netty.http;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FileServer} in this JVM: each transport, and its options. The jar itself: {@code FileServerJarIT}. */
@Timeout(120)
class FileServerTest {
    private static Path root;

    @BeforeAll
    static void tree() throws IOException {
        root = Files.createTempDirectory("ringfile-file-server-");
        Files.writeString(root.resolve("hello.txt"), "hello from the file server\n");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void servesOnEachTransport(String transport) throws Exception {
        if (transport.equals("io_uring")) {
            Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring transport: " + IoUring.unavailabilityCause());
        }
        if (transport.equals("epoll")) {
            Assumptions.assumeTrue(Epoll.isAvailable(), () -> "epoll transport: " + Epoll.unavailabilityCause());
        }
        try (FileServer server = FileServer.start("--root", root.toString(), "--port", "0", "--transport", transport,
                "--threads", "1")) {
            assertEquals(transport, server.transport());
            assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
            String line = server.readyLine();
            assertTrue(line.contains(" at " + server.url() + " (transport " + transport + ", Ringfile backend "
                    + server.engine().backend()), line);
            server.engine().fallbackReason().ifPresent(reason -> assertTrue(line.contains(reason), line));
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url() + "hello.txt")).timeout(Duration.ofSeconds(30))
                            .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("hello from the file server\n", response.body());
            try (RawHttp client = RawHttp.connect(server.address())) {
                client.send(RawHttp.get("/hello.txt", "Range: bytes=-7"));
                RawHttp.Response r = client.read();
                assertEquals(206, r.status);
                assertEquals("server\n", r.bodyText());
            }
        }
    }

    @Test
    void autoPicksAWorkingTransport() throws Exception {
        try (FileServer server = FileServer.start("--root", root.toString(), "--port", "0", "--threads", "1")) {
            String expected = IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio";
            assertEquals(expected, server.transport());
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheReason() {
        assertMessage("--root DIR is required", "--port", "0");
        assertMessage("unknown option --nope", "--root", root.toString(), "--nope", "x");
        assertMessage("--port needs a value", "--root", root.toString(), "--port");
        assertMessage("--port must be a number from 0 to 65535: 70000", "--root", root.toString(), "--port", "70000");
        assertMessage("--transport must be auto, io_uring, epoll or nio: kqueue", "--root", root.toString(),
                "--transport", "kqueue");
        assertMessage("unknown backend 'x' (expected auto, io_uring or nio)", "--root", root.toString(),
                "--backend", "x");
        assertMessage("--zero-copy must be never, remote or always: sometimes", "--root", root.toString(),
                "--zero-copy", "sometimes");
        assertThrows(NoSuchFileException.class,
                () -> FileServer.start("--root", root.resolve("missing").toString(), "--port", "0"));
    }

    /**
     * On the io_uring transport the engine shares the server's loops: every file step of a request (open, stat,
     * read, close) is issued on the channel's loop and its future completes on that same thread.
     */
    @Test
    void onTheIoUringTransportFileStepsCompleteOnTheChannelsLoop() throws Exception {
        Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring transport: " + IoUring.unavailabilityCause());
        List<String> steps = new CopyOnWriteArrayList<>();
        try (FileServer server = FileServer.start(engine -> threadRecording(engine, steps), "--root",
                root.toString(), "--port", "0", "--transport", "io_uring", "--threads", "2")) {
            Assumptions.assumeTrue(server.engine().fallbackReason().isEmpty(),
                    () -> "the engine could not share the io_uring loops: " + server.engine().fallbackReason());
            for (int i = 0; i < 3; i++) {
                try (RawHttp client = RawHttp.connect(server.address())) {
                    client.send(RawHttp.get("/hello.txt"));
                    assertEquals("hello from the file server\n", client.read().bodyText());
                }
            }
            // The handler closes the file after the body is written: wait for that close to complete too.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (steps.stream().filter(s -> s.startsWith("closeAsync ")).count() < 3
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertTrue(steps.stream().filter(s -> s.startsWith("closeAsync ")).count() >= 3, steps.toString());
        for (String step : steps) {
            String[] parts = step.split(" ");
            // Netty's default thread names for the group's loops
            assertTrue(parts[1].startsWith("multiThreadIoEventLoopGroup-"), "issued on a loop: " + step);
            assertEquals(parts[1], parts[2], "completed on the issuing loop: " + step);
        }
    }

    /**
     * {@code --zero-copy}: by default (remote) and with never, a body goes to this loopback client through buffers;
     * with always it is spliced after its first piece (on io_uring).
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "never", "remote", "always"})
    void zeroCopyOptionSaysWhenBodiesAreSpliced(String zeroCopy) throws Exception {
        Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring transport: " + IoUring.unavailabilityCause());
        byte[] body = new byte[1 << 20];
        new java.util.Random(7).nextBytes(body);
        Path file = Files.write(root.resolve("one-mib-" + (zeroCopy.isEmpty() ? "default" : zeroCopy) + ".bin"), body);
        List<CountingEngine> counting = new CopyOnWriteArrayList<>();
        List<String> args = new java.util.ArrayList<>(List.of("--root", root.toString(), "--port", "0",
                "--transport", "io_uring", "--threads", "1", "--backend", "io_uring"));
        if (!zeroCopy.isEmpty()) {
            args.addAll(List.of("--zero-copy", zeroCopy));
        }
        try (FileServer server = FileServer.start(engine -> {
            CountingEngine c = new CountingEngine(engine, null);
            counting.add(c);
            return c.engine;
        }, args.toArray(new String[0]))) {
            Assumptions.assumeTrue(server.engine().backend() == FileEngine.Backend.IO_URING,
                    () -> "io_uring engine: " + server.engine().fallbackReason());
            try (RawHttp client = RawHttp.connect(server.address())) {
                client.send(RawHttp.get("/" + file.getFileName()));
                RawHttp.Response r = client.read();
                assertEquals(200, r.status);
                assertArrayEquals(body, r.body);
            }
            // Counted when asked, so before the client could have the body.
            long asked = counting.get(0).bytesSendAsked.get();
            assertEquals(zeroCopy.equals("always") ? body.length - StaticFiles.DEFAULT_CHUNK_SIZE : 0, asked,
                    "bytes asked to splice");
        } finally {
            Files.delete(file);
        }
    }

    /**
     * {@code engine} wrapped so that every future it or its files return records
     * "{@code method issuingThread completingThread}" in {@code steps} when it completes.
     */
    private static FileEngine threadRecording(FileEngine engine, List<String> steps) {
        return (FileEngine) recording(FileEngine.class, engine, steps);
    }

    private static Object recording(Class<?> type, Object target, List<String> steps) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (!(result instanceof CompletableFuture)) {
                return result;
            }
            String issuer = Thread.currentThread().getName();
            CompletableFuture<?> future = (CompletableFuture<?>) result;
            boolean opening = method.getName().equals("open");
            CompletableFuture<Object> recorded = new CompletableFuture<>();
            future.whenComplete((value, error) -> {
                steps.add(method.getName() + " " + issuer + " " + Thread.currentThread().getName());
                if (error != null) {
                    recorded.completeExceptionally(error);
                } else {
                    recorded.complete(opening ? recording(AsyncFile.class, value, steps) : value);
                }
            });
            return recorded;
        });
    }

    private static void assertMessage(String message, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileServer.start(args));
        assertEquals(message, e.getMessage());
    }
}
