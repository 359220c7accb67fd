package io.ringfile.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DateFormatter;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP behaviour of {@link StaticFileHandler}, on an engine of each backend (and the transport of the same kind),
 * through a raw socket and through {@code java.net.http.HttpClient}.
 */
@Timeout(120)
class StaticFileHandlerTest {
    private static final Map<FileEngine.Backend, FileEngine> ENGINES = new EnumMap<>(FileEngine.Backend.class);
    private static Path base;
    private static Path www;
    private static byte[] big;
    private static byte[] text;
    private static final long MODIFIED_MILLIS = 1_700_000_000_123L;

    private TestServer server;

    @BeforeAll
    static void tree() throws IOException {
        base = Files.createTempDirectory("ringfile-http-");
        www = Files.createDirectories(base.resolve("www"));
        text = "hello, ring\n".repeat(10).getBytes(StandardCharsets.US_ASCII);
        Files.write(www.resolve("hello.txt"), text);
        Files.setLastModifiedTime(www.resolve("hello.txt"), FileTime.fromMillis(MODIFIED_MILLIS));
        big = new byte[3 * StaticFiles.DEFAULT_CHUNK_SIZE + 12345]; // several pieces at the default chunk size
        new Random(7).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        Files.write(www.resolve("empty.txt"), new byte[0]);
        for (String name : List.of("page.html", "style.css", "app.js", "data.json", "image.png", "PHOTO.JPG",
                "noextension", ".hidden", "archive.tar.gz", "custom.ext")) {
            Files.writeString(www.resolve(name), name);
        }
        Files.createDirectories(www.resolve("dir"));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        for (FileEngine engine : ENGINES.values()) {
            engine.close();
        }
        try (Stream<Path> walk = Files.walk(base)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            assertEquals(List.of(), server.encoderFailures(), "writes the HTTP codec refused");
        }
    }

    private static synchronized FileEngine engine(FileEngine.Backend backend) {
        return ENGINES.computeIfAbsent(backend, TestServer::engine);
    }

    private TestServer start(FileEngine.Backend backend) throws Exception {
        return start(StaticFiles.builder(www, engine(backend)).contentType("ext", "text/x-custom; charset=utf-8"));
    }

    private TestServer start(StaticFiles.Builder builder) throws Exception {
        server = TestServer.start(builder.build(), 1);
        return server;
    }

    private RawHttp.Response fetch(String request) throws IOException {
        try (RawHttp client = RawHttp.connect(server.address())) {
            client.send(request);
            return client.read(request.startsWith("HEAD "));
        }
    }

    // ---------------------------------------------------------------- GET and HEAD

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void getSendsTheFileWithItsMetadata(FileEngine.Backend backend) throws Exception {
        start(backend);
        RawHttp.Response r = fetch(RawHttp.get("/hello.txt"));
        assertEquals("HTTP/1.1 200 OK", r.statusLine);
        assertArrayEquals(text, r.body);
        assertEquals(String.valueOf(text.length), r.header("Content-Length"));
        assertEquals("text/plain", r.header("Content-Type"));
        assertEquals(DateFormatter.format(new Date(MODIFIED_MILLIS)), r.header("Last-Modified"));
        assertEquals("bytes", r.header("Accept-Ranges"));
        assertEquals("nosniff", r.header("X-Content-Type-Options"));
        assertNotNull(DateFormatter.parseHttpDate(r.header("Date")), "Date: " + r.header("Date"));
        String etag = r.header("ETag");
        assertTrue(etag.matches("\"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\""), "a strong tag of size, time and inode: " + etag);
        assertNull(r.header("Connection"), "HTTP/1.1 keeps the connection without saying so");
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void theETagChangesWithTheFileAndIsTheSameOnBothBackends(FileEngine.Backend backend) throws Exception {
        Path file = www.resolve("changing-" + backend + ".txt");
        Files.writeString(file, "one");
        start(backend);
        String first = fetch(RawHttp.get("/" + file.getFileName())).header("ETag");
        String again = fetch(RawHttp.get("/" + file.getFileName())).header("ETag");
        assertEquals(first, again);
        Files.writeString(file, "two");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        String changed = fetch(RawHttp.get("/" + file.getFileName())).header("ETag");
        assertNotEquals(first, changed, "same size, new time: a new tag");
        // The other backend computes the same tag from its own stat.
        FileEngine.Backend other = backend == FileEngine.Backend.NIO ? FileEngine.Backend.IO_URING
                : FileEngine.Backend.NIO;
        try (TestServer second = TestServer.start(StaticFiles.builder(www, engine(other)).build(), 1);
             RawHttp client = RawHttp.connect(second.address())) {
            client.send(RawHttp.get("/" + file.getFileName()));
            assertEquals(changed, client.read().header("ETag"));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void headSendsTheHeadersOfAGetAndNoBody(FileEngine.Backend backend) throws Exception {
        start(backend);
        RawHttp.Response get = fetch(RawHttp.get("/big.bin"));
        try (RawHttp client = RawHttp.connect(server.address())) {
            client.send(RawHttp.request("HEAD", "/big.bin"));
            RawHttp.Response head = client.read(true);
            assertEquals(200, head.status);
            assertEquals(String.valueOf(big.length), head.header("Content-Length"));
            for (String name : List.of("Content-Type", "ETag", "Last-Modified", "Accept-Ranges")) {
                assertEquals(get.header(name), head.header(name), name);
            }
            // No body byte followed the headers: the next response on the connection starts right away.
            client.send(RawHttp.get("/hello.txt"));
            RawHttp.Response next = client.read();
            assertEquals("HTTP/1.1 200 OK", next.statusLine);
            assertArrayEquals(text, next.body);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void anEmptyFileIsAnEmptyBody(FileEngine.Backend backend) throws Exception {
        start(backend);
        RawHttp.Response r = fetch(RawHttp.get("/empty.txt"));
        assertEquals(200, r.status);
        assertEquals("0", r.header("Content-Length"));
        assertEquals(0, r.body.length);
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void contentTypeComesFromTheExtension(FileEngine.Backend backend) throws Exception {
        start(backend);
        Map<String, String> expected = Map.of(
                "page.html", "text/html", "style.css", "text/css", "app.js", "text/javascript",
                "data.json", "application/json", "image.png", "image/png", "PHOTO.JPG", "image/jpeg",
                "noextension", "application/octet-stream", ".hidden", "application/octet-stream",
                "archive.tar.gz", "application/gzip", "custom.ext", "text/x-custom; charset=utf-8");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            RawHttp.Response r = fetch(RawHttp.get("/" + e.getKey()));
            assertEquals(200, r.status, e.getKey());
            assertEquals(e.getValue(), r.header("Content-Type"), e.getKey());
            assertEquals(e.getKey(), r.bodyText());
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void bodiesAreExactAcrossManySmallReadsInFlight(FileEngine.Backend backend) throws Exception {
        // 1,000-byte reads, 8 in flight: pieces complete out of order on the pool; they must be written in order.
        start(StaticFiles.builder(www, engine(backend)).chunkSize(1000).readsInFlight(8));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<byte[]>>> gets = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            gets.add(client.sendAsync(HttpRequest.newBuilder(URI.create(server.url("/big.bin")))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (CompletableFuture<HttpResponse<byte[]>> get : gets) {
            HttpResponse<byte[]> response = get.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertArrayEquals(big, response.body());
        }
    }

    // ---------------------------------------------------------------- conditional requests

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void ifNoneMatchAndIfModifiedSinceGive304(FileEngine.Backend backend) throws Exception {
        start(backend);
        RawHttp.Response full = fetch(RawHttp.get("/hello.txt"));
        String etag = full.header("ETag");
        String lastModified = full.header("Last-Modified");

        RawHttp.Response same = fetch(RawHttp.get("/hello.txt", "If-None-Match: " + etag));
        assertEquals(304, same.status);
        assertEquals(etag, same.header("ETag"));
        assertEquals(lastModified, same.header("Last-Modified"));
        assertEquals(0, same.body.length);
        assertEquals(304, fetch(RawHttp.get("/hello.txt", "If-None-Match: W/" + etag)).status, "weak comparison");
        assertEquals(304, fetch(RawHttp.get("/hello.txt", "If-None-Match: \"x\", " + etag + ", \"y\"")).status);
        assertEquals(304, fetch(RawHttp.get("/hello.txt", "If-None-Match: *")).status);
        assertEquals(200, fetch(RawHttp.get("/hello.txt", "If-None-Match: \"other\"")).status);
        assertEquals(304, fetch(RawHttp.request("HEAD", "/hello.txt", "If-None-Match: " + etag)).status);

        assertEquals(304, fetch(RawHttp.get("/hello.txt", "If-Modified-Since: " + lastModified)).status);
        String later = DateFormatter.format(new Date(MODIFIED_MILLIS + 3_600_000));
        assertEquals(304, fetch(RawHttp.get("/hello.txt", "If-Modified-Since: " + later)).status);
        String earlier = DateFormatter.format(new Date(MODIFIED_MILLIS - 3_600_000));
        RawHttp.Response modified = fetch(RawHttp.get("/hello.txt", "If-Modified-Since: " + earlier));
        assertEquals(200, modified.status);
        assertArrayEquals(text, modified.body);
        assertEquals(200, fetch(RawHttp.get("/hello.txt", "If-Modified-Since: not a date")).status);
        // If-None-Match decides when both are present (RFC 9110 13.2.2).
        assertEquals(200, fetch(RawHttp.get("/hello.txt", "If-None-Match: \"other\"",
                "If-Modified-Since: " + lastModified)).status);
    }

    // ---------------------------------------------------------------- ranges

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aSingleRangeGets206AndAnUnsatisfiableOne416(FileEngine.Backend backend) throws Exception {
        start(backend);
        int size = big.length;
        RawHttp.Response first = fetch(RawHttp.get("/big.bin", "Range: bytes=0-9"));
        assertEquals("HTTP/1.1 206 Partial Content", first.statusLine);
        assertEquals("bytes 0-9/" + size, first.header("Content-Range"));
        assertEquals("10", first.header("Content-Length"));
        assertArrayEquals(Arrays.copyOfRange(big, 0, 10), first.body);

        RawHttp.Response middle = fetch(RawHttp.get("/big.bin", "Range: bytes=65530-200000"));
        assertEquals(206, middle.status);
        assertEquals("bytes 65530-200000/" + size, middle.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(big, 65530, 200001), middle.body);

        RawHttp.Response suffix = fetch(RawHttp.get("/big.bin", "Range: bytes=-5"));
        assertEquals("bytes " + (size - 5) + "-" + (size - 1) + "/" + size, suffix.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(big, size - 5, size), suffix.body);

        RawHttp.Response open = fetch(RawHttp.get("/big.bin", "Range: bytes=100000-"));
        assertArrayEquals(Arrays.copyOfRange(big, 100000, size), open.body);
        RawHttp.Response clipped = fetch(RawHttp.get("/big.bin", "Range: bytes=" + (size - 3) + "-99999999999"));
        assertEquals("bytes " + (size - 3) + "-" + (size - 1) + "/" + size, clipped.header("Content-Range"));
        RawHttp.Response longSuffix = fetch(RawHttp.get("/hello.txt", "Range: bytes=-1000000"));
        assertEquals(206, longSuffix.status);
        assertArrayEquals(text, longSuffix.body);

        for (String unsatisfiable : List.of("bytes=" + size + "-", "bytes=" + (size + 10) + "-" + (size + 20),
                "bytes=-0")) {
            RawHttp.Response r = fetch(RawHttp.get("/big.bin", "Range: " + unsatisfiable));
            assertEquals(416, r.status, unsatisfiable);
            assertEquals("bytes */" + size, r.header("Content-Range"), unsatisfiable);
        }
        RawHttp.Response emptyFile = fetch(RawHttp.get("/empty.txt", "Range: bytes=0-"));
        assertEquals(416, emptyFile.status);
        assertEquals("bytes */0", emptyFile.header("Content-Range"));
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void severalRangesOrOnesNotUnderstoodGetTheWholeFile(FileEngine.Backend backend) throws Exception {
        start(backend);
        for (String range : List.of("bytes=0-1,5-6", "bytes=0-1, 5-6", "bytes=abc", "bytes=9-3", "lines=0-1",
                "bytes=", "bytes 0-1")) {
            RawHttp.Response r = fetch(RawHttp.get("/hello.txt", "Range: " + range));
            assertEquals(200, r.status, range);
            assertNull(r.header("Content-Range"), range);
            assertArrayEquals(text, r.body, range);
        }
        RawHttp.Response head = fetch(RawHttp.request("HEAD", "/hello.txt", "Range: bytes=0-1"));
        assertEquals(200, head.status, "HEAD has no ranges (RFC 9110 14.2)");
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void ifRangeServesTheRangeOnlyForTheSameFile(FileEngine.Backend backend) throws Exception {
        start(backend);
        RawHttp.Response full = fetch(RawHttp.get("/hello.txt"));
        String etag = full.header("ETag");
        assertEquals(206, fetch(RawHttp.get("/hello.txt", "Range: bytes=0-1", "If-Range: " + etag)).status);
        assertEquals(206, fetch(RawHttp.get("/hello.txt", "Range: bytes=0-1",
                "If-Range: " + full.header("Last-Modified"))).status);
        RawHttp.Response other = fetch(RawHttp.get("/hello.txt", "Range: bytes=0-1", "If-Range: \"other\""));
        assertEquals(200, other.status);
        assertArrayEquals(text, other.body);
        assertEquals(200, fetch(RawHttp.get("/hello.txt", "Range: bytes=0-1", "If-Range: W/" + etag)).status,
                "a weak tag never matches If-Range");
    }

    // ---------------------------------------------------------------- methods, connections, pipelining

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void otherMethodsGet405WithAllow(FileEngine.Backend backend) throws Exception {
        start(backend);
        for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "BREW")) {
            RawHttp.Response r = fetch(RawHttp.request(method, "/hello.txt"));
            assertEquals(405, r.status, method);
            assertEquals("GET, HEAD", r.header("Allow"), method);
        }
        try (RawHttp client = RawHttp.connect(server.address())) {
            client.send("POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
            RawHttp.Response r = client.read();
            assertEquals(405, r.status);
            assertEquals("close", r.header("Connection"), "a request with a body is not kept alive");
            assertTrue(client.closedByServer());
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void pipelinedRequestsAreAnsweredInOrder(FileEngine.Backend backend) throws Exception {
        start(backend);
        try (RawHttp client = RawHttp.connect(server.address())) {
            StringBuilder all = new StringBuilder();
            int rounds = 10;
            for (int i = 0; i < rounds; i++) {
                all.append(RawHttp.get("/big.bin")).append(RawHttp.get("/missing"))
                        .append(RawHttp.request("HEAD", "/hello.txt")).append(RawHttp.get("/big.bin", "Range: bytes=-3"))
                        .append(RawHttp.request("DELETE", "/x")).append(RawHttp.get("/hello.txt"));
            }
            client.send(all.toString()); // 60 requests in one write: more than the handler queues before pausing
            for (int i = 0; i < rounds; i++) {
                RawHttp.Response a = client.read();
                assertEquals(200, a.status);
                assertArrayEquals(big, a.body);
                assertEquals(404, client.read().status);
                RawHttp.Response head = client.read(true);
                assertEquals(200, head.status);
                assertEquals(String.valueOf(text.length), head.header("Content-Length"));
                RawHttp.Response range = client.read();
                assertEquals(206, range.status);
                assertArrayEquals(Arrays.copyOfRange(big, big.length - 3, big.length), range.body);
                assertEquals(405, client.read().status);
                RawHttp.Response last = client.read();
                assertArrayEquals(text, last.body);
            }
        }
    }

    /**
     * The channel becoming writable while a response's file is open but its attributes are not read yet (as when a
     * pipelined request's file opens while the socket drains the body before it) changes nothing: the response is
     * sent whole once they arrive. It used to end the response before it began (an empty last content the codec
     * refused), leaving the request unanswered; seen on JDK 17, whose open-file stat goes through the ring.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void writabilityChangeBeforeTheResponseBeginsIsIgnored(FileEngine.Backend backend) throws Exception {
        CompletableFuture<Void> attributesGate = new CompletableFuture<>();
        StaticFiles files = StaticFiles.builder(www, gatedEngine(engine(backend), attributesGate)).build();
        List<Throwable> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.netty.channel.embedded.EmbeddedChannel channel = new io.netty.channel.embedded.EmbeddedChannel(
                files.newCodec(), new ChannelOutboundHandlerAdapter() {
                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                        ChannelPromise watched = promise.unvoid();
                        watched.addListener(f -> {
                            if (!f.isSuccess()) {
                                refused.add(f.cause());
                            }
                        });
                        ctx.write(msg, watched);
                    }
                }, files.newHandler());
        try {
            channel.writeInbound(io.netty.buffer.Unpooled.copiedBuffer(RawHttp.get("/big.bin"),
                    StandardCharsets.US_ASCII));
            channel.runPendingTasks();
            assertFalse(attributesGate.isDone());
            assertTrue(channel.isWritable());
            channel.pipeline().fireChannelWritabilityChanged(); // while the attributes are being read
            channel.runPendingTasks();
            attributesGate.complete(null);
            channel.runPendingTasks();

            java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
            for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
                byte[] bytes = new byte[out.readableBytes()];
                out.readBytes(bytes);
                out.release();
                sent.write(bytes);
            }
            assertEquals(List.of(), refused, "writes the pipeline refused");
            byte[] all = sent.toByteArray();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            assertTrue(headEnd > 0, () -> "no response: " + text.substring(0, Math.min(200, text.length())));
            assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), text.substring(0, headEnd));
            assertArrayEquals(big, Arrays.copyOfRange(all, headEnd + 4, all.length));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * {@code delegate} with every future completed before it is returned (so the handler runs on the calling
     * thread), except an open file's attributes, which complete once {@code attributesGate} does (its open's
     * attributes are withheld, as on the NIO backend, so that the handler reads them).
     */
    private static FileEngine gatedEngine(FileEngine delegate, CompletableFuture<Void> attributesGate) {
        return (FileEngine) Proxy.newProxyInstance(FileEngine.class.getClassLoader(),
                new Class<?>[] {FileEngine.class}, (proxy, method, args) -> {
                    Object result = invokeJoined(method, delegate, args);
                    if (method.getName().equals("open")) {
                        AsyncFile file = (AsyncFile) ((CompletableFuture<?>) result).join();
                        return CompletableFuture.completedFuture(Proxy.newProxyInstance(
                                AsyncFile.class.getClassLoader(), new Class<?>[] {AsyncFile.class},
                                (p, m, a) -> {
                                    if (m.getName().equals("attributesAtOpen")) {
                                        return java.util.Optional.empty(); // so that the handler asks for them
                                    }
                                    Object r = invokeJoined(m, file, a);
                                    return m.getName().equals("readAttributes") && a == null
                                            ? attributesGate.thenCompose(v -> (CompletableFuture<?>) r) : r;
                                }));
                    }
                    return result;
                });
    }

    /** Calls {@code method}; a future it returns is waited for, and returned done. */
    private static Object invokeJoined(java.lang.reflect.Method method, Object target, Object[] args)
            throws Throwable {
        Object result;
        try {
            result = method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if (result instanceof CompletableFuture) {
            try {
                ((CompletableFuture<?>) result).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // returned failed, as it is
            }
        }
        return result;
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void keepAliveFollowsTheRequest(FileEngine.Backend backend) throws Exception {
        start(backend);
        try (RawHttp client = RawHttp.connect(server.address())) {
            for (int i = 0; i < 3; i++) {
                client.send(RawHttp.get("/hello.txt"));
                assertEquals(200, client.read().status);
            }
            client.send(RawHttp.get("/hello.txt", "Connection: close"));
            RawHttp.Response last = client.read();
            assertEquals("close", last.header("Connection"));
            assertArrayEquals(text, last.body);
            assertTrue(client.closedByServer());
        }
        try (RawHttp client = RawHttp.connect(server.address())) {
            client.send("GET /hello.txt HTTP/1.0\r\n\r\n");
            RawHttp.Response r = client.read();
            assertEquals(200, r.status);
            assertEquals("close", r.header("Connection"));
            assertTrue(client.closedByServer(), "HTTP/1.0 closes by default");
        }
        try (RawHttp client = RawHttp.connect(server.address())) {
            client.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = client.read();
            assertEquals("keep-alive", r.header("Connection"));
            client.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals(200, client.read().status);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void malformedRequestsGet4xxAndTheConnectionCloses(FileEngine.Backend backend) throws Exception {
        start(backend);
        Map<String, Integer> cases = Map.of(
                "GET /hello.txt HTTP/1.1\r\n\r\n", 400, // no Host
                "GET /" + "a".repeat(StaticFiles.MAX_REQUEST_LINE + 10) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414,
                "GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(StaticFiles.MAX_HEADER_SIZE + 10)
                        + "\r\n\r\n", 431,
                "GET /hello.txt HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", 400,
                "\u0001\u0002garbage\r\n\r\n", 400);
        for (Map.Entry<String, Integer> c : cases.entrySet()) {
            try (RawHttp client = RawHttp.connect(server.address())) {
                client.send(c.getKey());
                RawHttp.Response r = client.read();
                String what = c.getKey().substring(0, Math.min(40, c.getKey().length()));
                assertEquals((int) c.getValue(), r.status, what);
                assertEquals("close", r.header("Connection"), what);
                assertTrue(client.closedByServer(), what);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void missingFilesAndDirectoriesGet404(FileEngine.Backend backend) throws Exception {
        start(backend);
        for (String target : List.of("/nothing", "/dir", "/dir/", "/", "/dir/nothing", "/hello.txt/x")) {
            RawHttp.Response r = fetch(RawHttp.get(target));
            assertEquals(404, r.status, target);
            assertEquals("404 Not Found\n", r.bodyText(), target);
        }
    }

    // ---------------------------------------------------------------- the loop and the slow client

    /**
     * Every engine call the handler makes (open, the open file's stat, reads, close) is made on the channel's loop,
     * even though the engine completes its futures on its own I/O threads (inline completion).
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void everyEngineCallIsMadeOnTheChannelsLoop(FileEngine.Backend backend) throws Exception {
        // Bodies read into buffers (never spliced, and by default to this loopback client), then spliced after a
        // first read (on io_uring).
        for (StaticFiles.ZeroCopy zeroCopy : StaticFiles.ZeroCopy.values()) {
            CountingEngine counting = new CountingEngine(engine(backend), "multiThreadIoEventLoopGroup-");
            start(StaticFiles.builder(www, counting.engine).chunkSize(4096).readsInFlight(4).zeroCopy(zeroCopy));
            for (int i = 0; i < 5; i++) {
                RawHttp.Response r = fetch(RawHttp.get("/big.bin"));
                assertArrayEquals(big, r.body);
            }
            assertEquals(0, counting.offLoopCalls.get(), "engine calls made off the event loop");
            assertEquals(5, counting.opened.get());
            waitUntil(() -> counting.closed.get() == 5, "every file closed");
            // The client can read a spliced body whole, and close, before the engine completes its send (on its
            // ring's thread, while the loop closes the file for the gone connection): wait for the sends' outcomes.
            waitUntil(() -> counting.sendsInFlight.get() == 0, "every send completed");
            boolean spliced = zeroCopy == StaticFiles.ZeroCopy.ALWAYS && splices(backend);
            assertEquals(spliced ? 5L * (big.length - 4096) : 0L, counting.bytesSent.get(),
                    "bytes spliced, " + zeroCopy);
            if (!spliced && readsOnTheLoop(backend)) {
                // Reads of cached data made on the loop (JDK 22+ with native access) are done when read() returns.
                assertEquals(1, counting.maxReadsInFlight.get(), "reads done at once");
            } else if (!spliced) {
                assertTrue(counting.maxReadsInFlight.get() > 1, "reads overlapped: " + counting.maxReadsInFlight);
            }
            assertTrue(counting.maxReadsInFlight.get() <= 4, "at most readsInFlight: " + counting.maxReadsInFlight);
            stop();
            server = null;
        }
    }

    /**
     * Whether the engine reads cached data on the calling thread, the loop's included: io_uring, JDK 22 or later, and
     * native access granted to the engine's module (the engine's documented condition, as this JVM was started). A
     * timing probe alone cannot tell: a ring thread, or the NIO backend's pool, can finish a read of a cached file
     * before isDone() is asked. Where the condition holds, three reads of a cached file out of three are done when
     * read() returns.
     */
    /**
     * Whether the engine splices bodies to sockets: on io_uring, with the foreign calls that duplicate the socket's
     * descriptor for the send, which are those of reads on the loop (see {@link #readsOnTheLoop}); elsewhere its
     * {@code sendTo} refuses and the handler sends through buffers.
     */
    private static boolean splices(FileEngine.Backend backend) throws Exception {
        return readsOnTheLoop(backend);
    }

    private static boolean readsOnTheLoop(FileEngine.Backend backend) throws Exception {
        if (backend != FileEngine.Backend.IO_URING || engine(backend).backend() != FileEngine.Backend.IO_URING
                || Runtime.version().feature() < 22
                || !Boolean.parseBoolean(System.getProperty("ringfile.noWaitCalls", "true"))) {
            return false;
        }
        Module engineModule = FileEngine.class.getModule();
        boolean nativeAccess = (boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(engineModule);
        if (!nativeAccess) {
            return false;
        }
        try (AsyncFile probe = engine(backend).open(www.resolve("hello.txt")).get()) {
            for (int i = 0; i < 3; i++) {
                assertTrue(probe.read(java.nio.ByteBuffer.allocate(1), i).isDone(),
                        "a read of a cached file on the caller's thread is done when read() returns");
            }
        }
        return true;
    }

    /**
     * A client that stops reading a 64 MiB file: the handler reads only as far as the socket takes (its buffers,
     * the channel's high-water mark and the reads in flight), never the whole file toward it; once the client reads
     * again it gets every byte.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aClientThatDoesNotReadStopsTheReads(FileEngine.Backend backend) throws Exception {
        // Into buffers (as served by default to this loopback client), then spliced (on io_uring).
        for (StaticFiles.ZeroCopy zeroCopy : new StaticFiles.ZeroCopy[] {StaticFiles.ZeroCopy.REMOTE_PEERS,
                StaticFiles.ZeroCopy.ALWAYS}) {
            clientThatDoesNotRead(backend, zeroCopy);
            stop();
            server = null;
        }
    }

    private void clientThatDoesNotRead(FileEngine.Backend backend, StaticFiles.ZeroCopy zeroCopy) throws Exception {
        Path huge = base.resolve("huge-" + backend);
        Files.createDirectories(huge);
        long size = 64L << 20;
        try (RandomAccessFile f = new RandomAccessFile(huge.resolve("huge.bin").toFile(), "rw")) {
            f.setLength(size); // sparse: reads are cheap
        }
        CountingEngine counting = new CountingEngine(engine(backend), null);
        PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
        server = TestServer.start(StaticFiles.builder(huge, counting.engine).zeroCopy(zeroCopy).build(),
                backend == FileEngine.Backend.IO_URING, 1, allocator);
        try (RawHttp client = RawHttp.connect(server.address(), 65536)) {
            client.send(RawHttp.get("/huge.bin"));
            // Read nothing; wait until the server stops reading the file (into buffers, or asking the kernel to
            // splice it).
            long last = -1;
            long read = 0;
            for (int stable = 0; stable < 5; ) {
                Thread.sleep(200);
                read = counting.bytesRead.get() + counting.bytesSendAsked.get();
                stable = read == last ? stable + 1 : 0;
                last = read;
            }
            assertTrue(read < 24L << 20, "the server read " + read + " bytes of the file toward a client that"
                    + " read none");
            assertTrue(read > 0, "the server started reading");
            long held = allocator.metric().usedDirectMemory();
            assertTrue(held < 24L << 20, "the server holds " + held + " bytes of pooled direct memory toward a"
                    + " client that read none");
            // Now read everything: all of it arrives.
            RawHttp.Response r = client.read();
            assertEquals(200, r.status);
            assertEquals(size, r.body.length);
        }
        waitUntil(() -> counting.sendsInFlight.get() == 0, "every send completed"); // see CountingEngine
        assertEquals(size, counting.bytesRead.get() + counting.bytesSent.get());
        // Spliced on io_uring, all but the first piece; otherwise all of it is read into buffers.
        boolean spliced = splices(backend) && zeroCopy == StaticFiles.ZeroCopy.ALWAYS;
        assertEquals(spliced ? size - StaticFiles.DEFAULT_CHUNK_SIZE : 0, counting.bytesSent.get(),
                zeroCopy.toString());
        Files.delete(huge.resolve("huge.bin"));
    }

    /** Which peers {@link StaticFiles.ZeroCopy#REMOTE_PEERS} counts as on this machine (and so never splices to). */
    @Test
    void peersOnThisMachineAreLoopbackOrTheLocalAddress() throws Exception {
        InetSocketAddress server4 = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 8080);
        InetSocketAddress server6 = new InetSocketAddress(InetAddress.getByName("fd00::3"), 8080);
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080);
        assertTrue(StaticFileHandler.peerOnThisMachine(loopback, new InetSocketAddress("127.0.0.1", 40000)));
        assertTrue(StaticFileHandler.peerOnThisMachine(loopback, new InetSocketAddress("127.9.8.7", 40000)));
        assertTrue(StaticFileHandler.peerOnThisMachine(new InetSocketAddress("::1", 8080),
                new InetSocketAddress("::1", 40000)));
        assertTrue(StaticFileHandler.peerOnThisMachine(server4, new InetSocketAddress("10.1.2.3", 40000)),
                "a client on this host that connected to its own address");
        assertTrue(StaticFileHandler.peerOnThisMachine(server6, new InetSocketAddress("fd00::3", 40000)));
        assertFalse(StaticFileHandler.peerOnThisMachine(server4, new InetSocketAddress("10.1.2.4", 40000)));
        assertFalse(StaticFileHandler.peerOnThisMachine(server6, new InetSocketAddress("fd00::4", 40000)));
        assertFalse(StaticFileHandler.peerOnThisMachine(server4,
                new InetSocketAddress(InetAddress.getByName("::ffff:10.1.2.4"), 40000)));
        assertFalse(StaticFileHandler.peerOnThisMachine(server4, InetSocketAddress.createUnresolved("h", 1)));
        assertFalse(StaticFileHandler.peerOnThisMachine(null, null));
        assertFalse(StaticFileHandler.peerOnThisMachine(new io.netty.channel.local.LocalAddress("a"),
                new io.netty.channel.local.LocalAddress("b")), "not an IP socket");
    }

    /**
     * A sparse file past 4 GiB with marker bytes around 2 GiB and 4 GiB: ranges across the 4 GiB mark (long enough
     * to be spliced in more than one segment on io_uring), starting past it, and a suffix, each byte for byte.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void rangesNearAndPast4GiBAreServedExactly(FileEngine.Backend backend) throws Exception {
        Path dir = Files.createDirectories(base.resolve("past-4g-" + backend));
        Path file = dir.resolve("large.bin");
        long gib4 = 4L << 30;
        long size = gib4 + (16L << 20);
        Map<Long, Byte> markers = new java.util.TreeMap<>();
        long[] at = {(2L << 30) - 1, 2L << 30, gib4 - (5L << 20), gib4 - 2, gib4 - 1, gib4, gib4 + 1,
            gib4 + (3L << 20) + 7, gib4 + (5L << 20) - 1, size - 1};
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            for (int i = 0; i < at.length; i++) {
                byte marker = (byte) (0x41 + i);
                f.seek(at[i]);
                f.write(marker);
                markers.put(at[i], marker);
            }
        }
        try {
            CountingEngine counting = new CountingEngine(engine(backend), null);
            start(StaticFiles.builder(dir, counting.engine).zeroCopy(StaticFiles.ZeroCopy.ALWAYS));
            long[][] ranges = {
                {gib4 - (5L << 20), gib4 + (5L << 20) - 1}, // 10 MiB across 4 GiB
                {gib4 + 1, size - 1},                        // from past 4 GiB to the end
                {(2L << 30) - 100, (2L << 30) + 100},         // across 2 GiB
            };
            for (long[] range : ranges) {
                RawHttp.Response r = fetch(RawHttp.get("/large.bin", "Range: bytes=" + range[0] + "-" + range[1]));
                String what = range[0] + "-" + range[1];
                assertEquals(206, r.status, what);
                assertEquals("bytes " + range[0] + "-" + range[1] + "/" + size, r.header("Content-Range"), what);
                assertArrayEquals(expected(markers, range[0], range[1]), r.body, what);
            }
            RawHttp.Response suffix = fetch(RawHttp.get("/large.bin", "Range: bytes=-" + (1 << 20)));
            assertEquals(206, suffix.status);
            assertArrayEquals(expected(markers, size - (1 << 20), size - 1), suffix.body, "suffix");
            waitUntil(() -> counting.closed.get() == counting.opened.get(), "every file closed");
            waitUntil(() -> counting.sendsInFlight.get() == 0, "every send completed"); // see CountingEngine
            if (splices(backend)) {
                assertTrue(counting.bytesSent.get() > 20L << 20, "spliced: " + counting.bytesSent);
            } else {
                assertEquals(0, counting.bytesSent.get(), "nothing spliced");
            }
        } finally {
            Files.delete(file);
        }
    }

    private static byte[] expected(Map<Long, Byte> markers, long first, long last) {
        byte[] bytes = new byte[Math.toIntExact(last - first + 1)];
        markers.forEach((offset, marker) -> {
            if (offset >= first && offset <= last) {
                bytes[(int) (offset - first)] = marker;
            }
        });
        return bytes;
    }

    /**
     * An outbound handler between the socket and the codec that the handler does not know (it could be TLS or
     * compression) sees every byte of the body: nothing is spliced past it.
     */
    @Test
    void anUnknownHandlerOnTheSocketSideTurnsSplicingOff() throws Exception {
        AtomicLong seen = new AtomicLong();
        CountingEngine counting = new CountingEngine(engine(FileEngine.Backend.IO_URING), null);
        server = TestServer.start(StaticFiles.builder(www, counting.engine).zeroCopy(StaticFiles.ZeroCopy.ALWAYS)
                .build(), true, 1, null,
                () -> new ChannelOutboundHandlerAdapter() {
                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                        if (msg instanceof ByteBuf) {
                            seen.addAndGet(((ByteBuf) msg).readableBytes());
                        }
                        ctx.write(msg, promise);
                    }
                });
        RawHttp.Response r = fetch(RawHttp.get("/big.bin"));
        assertArrayEquals(big, r.body);
        assertEquals(0, counting.bytesSent.get(), "bytes spliced past the handler");
        assertTrue(seen.get() > big.length, "the handler saw " + seen + " bytes");
    }

    /**
     * A failure inside the handler's own continuation (here: attributes that throw) closes the connection; it is
     * never left open without an answer.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void anUnexpectedErrorClosesTheConnectionInsteadOfLeavingItUnanswered(FileEngine.Backend backend)
            throws Exception {
        FileEngine real = engine(backend);
        FileEngine broken = (FileEngine) Proxy.newProxyInstance(FileEngine.class.getClassLoader(),
                new Class<?>[] {FileEngine.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (!method.getName().equals("open")) {
                        return result;
                    }
                    // The handler's attributes are the open file's own: wrap the file so that they fail.
                    return ((CompletableFuture<?>) result).thenApply(file -> Proxy.newProxyInstance(
                            AsyncFile.class.getClassLoader(), new Class<?>[] {AsyncFile.class}, (f, fm, fa) -> {
                                Object value;
                                try {
                                    value = fm.invoke(file, fa);
                                } catch (InvocationTargetException e) {
                                    throw e.getCause();
                                }
                                java.util.function.Function<Object, Object> failing = attributes ->
                                        Proxy.newProxyInstance(BasicFileAttributes.class.getClassLoader(),
                                                new Class<?>[] {BasicFileAttributes.class}, (p, m, a) -> {
                                                    if (m.getName().equals("size")) {
                                                        throw new IllegalStateException(
                                                                "attributes that fail, for the test");
                                                    }
                                                    return m.invoke(attributes, a);
                                                });
                                if (fm.getName().equals("attributesAtOpen")) {
                                    return ((java.util.Optional<?>) value).map(failing);
                                }
                                if (!fm.getName().equals("readAttributes")) {
                                    return value;
                                }
                                return ((CompletableFuture<?>) value).thenApply(failing);
                            }));
                });
        start(StaticFiles.builder(www, broken));
        try (RawHttp client = RawHttp.connect(server.address())) {
            client.send(RawHttp.get("/hello.txt"));
            assertTrue(client.closedByServer(), "the connection was closed");
        }
        RawHttp.Response ok = fetch(RawHttp.get("/missing"));
        assertEquals(404, ok.status, "other connections are served");
    }

    // ---------------------------------------------------------------- settings

    @Test
    void theBuilderChecksItsArguments() throws Exception {
        FileEngine engine = engine(FileEngine.Backend.NIO);
        assertThrows(NullPointerException.class, () -> StaticFiles.builder(null, engine));
        assertThrows(NullPointerException.class, () -> StaticFiles.builder(www, null));
        StaticFiles.Builder b = StaticFiles.builder(www, engine);
        assertThrows(IllegalArgumentException.class, () -> b.chunkSize(0));
        assertThrows(IllegalArgumentException.class, () -> b.readsInFlight(0));
        assertThrows(IllegalArgumentException.class, () -> b.maxPendingRequests(0));
        assertThrows(IllegalArgumentException.class, () -> b.contentType("", "x/y"));
        assertThrows(IllegalArgumentException.class, () -> b.contentType("a.b", "x/y"));
        assertThrows(IllegalArgumentException.class, () -> b.contentType("a", "x/y\r\nX: y"));
        assertThrows(IllegalArgumentException.class, () -> b.contentType("a", "x/y\u0000"));
        assertThrows(IllegalArgumentException.class, () -> b.contentType("a", "x/y\u007f"));
        assertThrows(NoSuchFileException.class, () -> StaticFiles.builder(www.resolve("none"), engine).build());
        assertThrows(NotDirectoryException.class,
                () -> StaticFiles.builder(www.resolve("hello.txt"), engine).build());
        Path link = base.resolve("www-link");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, www);
        assertEquals(www.toRealPath(), StaticFiles.builder(link, engine).build().root(), "the root's real path");
        assertFalse(StaticFiles.builder(www, engine).build().root().toString().contains("www-link"));
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 30 s: " + what);
            Thread.sleep(10);
        }
    }
}
