package io.ringfile.netty.http;

import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No request reads outside the root: each row is a request written byte for byte by a raw socket client, on an
 * engine of each backend (with the transport of the same kind). Each must get its status line, within a bound, and
 * no byte of the secret files outside the root may appear in anything the server sends.
 */
@Timeout(60)
class PathSecurityTest {
    private static final String SECRET = "RINGFILE-SECRET-" + UUID.randomUUID();
    private static final String INDEX = "index of the root\n";

    private static Path base;
    private static Path www;
    private static String deviceSkip;
    private static ServerSocketChannel socketFile;
    private static final Map<FileEngine.Backend, FileEngine> ENGINES = new EnumMap<>(FileEngine.Backend.class);
    private static final Map<FileEngine.Backend, TestServer> SERVERS = new EnumMap<>(FileEngine.Backend.class);

    /** One attack (or control): what is sent, the status expected, and for 200 the body expected. */
    static final class Row {
        final String name;
        final String request;
        final int status;
        final String body;

        Row(String name, String request, int status, String body) {
            this.name = name;
            this.request = request;
            this.status = status;
            this.body = body;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Row target(String name, String target, int status) {
        return new Row(name, RawHttp.get(target), status, null);
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        // controls: the server does serve what it should
        rows.add(new Row("control: a file", RawHttp.get("/index.txt"), 200, INDEX));
        rows.add(new Row("control: a file in a directory", RawHttp.get("/sub/file.txt"), 200, "in sub\n"));
        rows.add(new Row("control: percent-encoded UTF-8 name", RawHttp.get("/caf%C3%A9.txt"), 200, "cafe\n"));
        rows.add(new Row("control: query is not part of the path", RawHttp.get("/index.txt?../../outside/secret.txt"),
                200, INDEX));
        // dot segments
        rows.add(target("dot-dot", "/../outside/secret.txt", 403));
        rows.add(target("dot-dot after a directory", "/sub/../../outside/secret.txt", 403));
        rows.add(target("dot-dot that stays inside", "/sub/../index.txt", 403));
        rows.add(target("single dot", "/./index.txt", 403));
        rows.add(target("dot-dot alone", "/..", 403));
        rows.add(target("dot-dot after a file", "/sub/file.txt/..", 403));
        rows.add(target("dot-dot then fragment", "/..#/index.txt", 403));
        // percent-encoded dots, slashes, backslashes
        rows.add(target("encoded dots", "/%2e%2e/outside/secret.txt", 403));
        rows.add(target("encoded dots, upper case", "/%2E%2E/outside/secret.txt", 403));
        rows.add(target("half-encoded dots", "/.%2e/outside/secret.txt", 403));
        rows.add(target("encoded single dot", "/%2e/index.txt", 403));
        rows.add(target("encoded dots and slashes", "/%2e%2e%2foutside%2fsecret.txt", 403));
        rows.add(target("encoded slashes", "/..%2f..%2foutside%2fsecret.txt", 403));
        rows.add(target("encoded slash inside a name", "/sub%2f..%2f..%2foutside%2fsecret.txt", 403));
        rows.add(target("encoded backslashes", "/..%5c..%5coutside%5csecret.txt", 403));
        rows.add(target("raw backslashes", "/..\\..\\outside\\secret.txt", 403));
        // double encoding: decoded once, so these are literal names that do not exist
        rows.add(target("double-encoded dots", "/%252e%252e/outside/secret.txt", 404));
        rows.add(target("double-encoded slashes", "/..%252f..%252foutside%252fsecret.txt", 404));
        rows.add(target("double-encoded backslashes", "/..%255c..%255coutside%255csecret.txt", 404));
        // NUL and control characters
        rows.add(target("encoded NUL before an extension", "/index.txt%00.png", 403));
        rows.add(target("encoded NUL after dots", "/..%00/outside/secret.txt", 403));
        rows.add(target("encoded NUL after a link", "/link-out%00", 403));
        rows.add(target("raw NUL", "/index.txt\u0000", 403));
        rows.add(target("encoded line feed", "/index.txt%0a", 403));
        rows.add(target("encoded CR LF header injection", "/%0d%0aSet-Cookie:%20x=y", 403));
        rows.add(target("encoded C1 control", "/%c2%85index.txt", 403));
        // malformed escapes
        rows.add(target("bad hex in escape", "/%zz", 403));
        rows.add(target("truncated escape", "/%2", 403));
        rows.add(target("lone percent", "/%", 403));
        // absolute paths and other target forms
        rows.add(target("double slash to an absolute path", "//etc/passwd", 403));
        rows.add(target("encoded leading slash", "/%2fetc%2fpasswd", 403));
        rows.add(target("absolute-form with dot-dot", "http://test/../outside/secret.txt", 403));
        rows.add(target("absolute-form, upper-case scheme", "HTTP://test/../outside/secret.txt", 403));
        rows.add(target("absolute-form with an absolute path", "http://test//etc/passwd", 403));
        rows.add(target("relative target", "../outside/secret.txt", 403));
        rows.add(target("target without a slash", "etc/passwd", 403));
        rows.add(target("asterisk target", "*", 403));
        rows.add(target("an absolute path names a file under the root", "/etc/passwd", 404));
        // drive-like prefixes
        rows.add(target("drive letter", "/C:/Windows/win.ini", 403));
        rows.add(target("drive letter with encoded backslash", "/c:%5cwindows%5cwin.ini", 403));
        rows.add(target("drive letter with encoded colon", "/C%3a/Windows/win.ini", 403));
        // overlong and invalid UTF-8
        rows.add(target("overlong 2-byte dots", "/%c0%ae%c0%ae/outside/secret.txt", 403));
        rows.add(target("overlong 3-byte dots", "/%e0%80%ae%e0%80%ae/outside/secret.txt", 403));
        rows.add(target("overlong 4-byte dot", "/%f0%80%80%ae%f0%80%80%ae/outside/secret.txt", 403));
        rows.add(target("overlong slash", "/..%c0%af..%c0%afoutside%c0%afsecret.txt", 403));
        rows.add(target("overlong backslash", "/..%c1%9c..%c1%9coutside%c1%9csecret.txt", 403));
        rows.add(target("UTF-8 surrogate", "/%ed%a0%80", 403));
        rows.add(target("invalid UTF-8 byte", "/%ff", 403));
        rows.add(target("raw overlong bytes", "/\u00c0\u00ae\u00c0\u00ae/outside/secret.txt", 403));
        rows.add(target("raw UTF-8 bytes", "/caf\u00c3\u00a9.txt", 403));
        // too deep
        rows.add(target("more than 32 segments", "/a".repeat(40), 403));
        // symbolic links, to outside and inside, and in a parent
        rows.add(target("link to a file outside", "/link-out", 404));
        rows.add(target("absolute link to a file outside", "/link-abs", 404));
        rows.add(target("link to a directory outside, as a parent", "/dir-out/secret.txt", 404));
        rows.add(target("link to a directory outside, as a directory", "/dir-out/", 404));
        rows.add(target("link in a subdirectory, as a parent", "/sub/up/outside/secret.txt", 404));
        rows.add(target("link to a file inside the root", "/link-in", 404));
        rows.add(target("link to the root's parent", "/parent/outside/secret.txt", 404));
        // directories are not listed
        rows.add(target("the root", "/", 404));
        rows.add(target("a directory", "/sub", 404));
        rows.add(target("a directory with a slash", "/sub/", 404));
        rows.add(target("a file with a trailing slash", "/sub/file.txt/", 404));
        // special files
        rows.add(target("FIFO", "/fifo", 404));
        rows.add(target("device", "/null", 404));
        rows.add(target("socket", "/sock", 404));
        return rows;
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (FileEngine.Backend backend : List.of(FileEngine.Backend.IO_URING, FileEngine.Backend.NIO)) {
            for (Row row : rows()) {
                cases.add(Arguments.of(backend, row));
            }
        }
        return cases.stream();
    }

    @BeforeAll
    static void tree() throws Exception {
        base = Files.createTempDirectory("ringfile-http-security-");
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET + "\n");
        www = Files.createDirectories(base.resolve("www"));
        Files.writeString(www.resolve("index.txt"), INDEX);
        Files.createDirectories(www.resolve("sub"));
        Files.writeString(www.resolve("sub/file.txt"), "in sub\n");
        Files.writeString(www.resolve("café.txt"), "cafe\n");
        Files.createDirectories(www.resolve("swapped"));
        Files.writeString(www.resolve("swapped/secret.txt"), "inside\n");
        Files.createSymbolicLink(www.resolve("link-out"), Path.of("../outside/secret.txt"));
        Files.createSymbolicLink(www.resolve("link-abs"), outside.resolve("secret.txt").toAbsolutePath());
        Files.createSymbolicLink(www.resolve("dir-out"), Path.of("../outside"));
        Files.createSymbolicLink(www.resolve("sub/up"), Path.of("../.."));
        Files.createSymbolicLink(www.resolve("link-in"), Path.of("index.txt"));
        Files.createSymbolicLink(www.resolve("parent"), Path.of(".."));
        run("mkfifo", www.resolve("fifo").toString());
        try {
            run("mknod", www.resolve("null").toString(), "c", "1", "3");
        } catch (AssertionError e) {
            deviceSkip = "cannot create a device file here (needs root): " + e.getMessage();
        }
        socketFile = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        socketFile.bind(UnixDomainSocketAddress.of(www.resolve("sock")));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + output.strip());
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        for (TestServer server : SERVERS.values()) {
            server.close();
        }
        for (FileEngine engine : ENGINES.values()) {
            engine.close();
        }
        if (socketFile != null) {
            socketFile.close();
        }
        if (base != null) {
            try (Stream<Path> walk = Files.walk(base)) {
                walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static synchronized TestServer server(FileEngine.Backend backend) throws Exception {
        TestServer server = SERVERS.get(backend);
        if (server == null) {
            FileEngine engine = ENGINES.get(backend);
            if (engine == null) {
                engine = TestServer.engine(backend);
                ENGINES.put(backend, engine);
            }
            server = TestServer.start(StaticFiles.builder(www, engine).build(), 1);
            SERVERS.put(backend, server);
        }
        return server;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void refusedWithoutContentAndWithoutHanging(FileEngine.Backend backend, Row row) throws Exception {
        if (row.name.equals("device") && deviceSkip != null) {
            Assumptions.abort(deviceSkip);
        }
        TestServer server = server(backend);
        try (RawHttp client = RawHttp.connect(server.address())) {
            client.send(row.request);
            RawHttp.Response response = client.read();
            assertEquals(row.status, response.status, () -> row.name + ": " + response);
            assertTrue(response.complete, () -> "response cut short: " + response);
            if (row.body != null) {
                assertEquals(row.body, response.bodyText());
            }
            // The connection stays usable (or is closed by the server): a second request is answered too.
            client.send(RawHttp.get("/index.txt"));
            RawHttp.Response after = client.read();
            assertEquals(200, after.status, () -> "the next request on the connection: " + after);
            String everything = new String(client.received(), StandardCharsets.ISO_8859_1);
            assertFalse(everything.contains(SECRET), "the secret outside the root was sent");
            assertFalse(everything.contains("root:x:0:0"), "/etc/passwd was sent");
        }
        assertEquals(List.of(), server.encoderFailures(), "writes the HTTP codec refused");
    }

    /**
     * Someone who can write inside the root swaps a directory for a link to the secret's directory, over and over,
     * while a client asks for the file under it: each answer is the file inside or a 404, never the secret.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aDirectorySwappedForALinkNeverLeadsOutside(FileEngine.Backend backend) throws Exception {
        TestServer server = server(backend);
        Path swapped = www.resolve("swapped");
        Path aside = base.resolve("aside");
        Path spare = www.resolve("spare-link");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) { // the name is by turns the directory and a link to the secret's directory
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    Files.move(swapped, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(spare, Path.of("../outside"));
                    Files.move(spare, swapped, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    Files.delete(swapped);
                    Files.move(aside, swapped, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "swapper");
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        swapper.start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < end && swapper.isAlive()) {
                try (RawHttp client = RawHttp.connect(server.address())) {
                    for (int i = 0; i < 50; i++) {
                        client.send(RawHttp.get("/swapped/secret.txt"));
                        RawHttp.Response response = client.read();
                        statuses.merge(response.status, 1, Integer::sum);
                        assertTrue(response.status == 200 || response.status == 404, response::toString);
                        if (response.status == 200) {
                            assertEquals("inside\n", response.bodyText());
                        }
                    }
                    String everything = new String(client.received(), StandardCharsets.ISO_8859_1);
                    assertFalse(everything.contains(SECRET), () -> "the secret outside the root was sent; " + statuses);
                }
            }
        } finally {
            stop.set(true);
            swapper.join(10_000);
        }
        assertFalse(swapper.isAlive(), "the swapper stopped");
        assertTrue(statuses.getOrDefault(200, 0) > 0 && statuses.getOrDefault(404, 0) > 0,
                () -> "both the file and the refusal were seen: " + statuses);
        assertEquals(List.of(), server.encoderFailures(), "writes the HTTP codec refused");
    }

    static Stream<FileEngine.Backend> backends() {
        return Stream.of(FileEngine.Backend.IO_URING, FileEngine.Backend.NIO);
    }
}
