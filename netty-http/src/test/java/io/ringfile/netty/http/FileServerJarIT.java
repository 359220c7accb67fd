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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runnable jar, as README tells people to run it: {@code java -jar target/ringfile-file-server.jar --root DIR
 * --port N}. It prints its ready line, serves a file to {@code java.net.http.HttpClient} and to a raw socket, and
 * stops on SIGTERM, saying so.
 */
@Timeout(180)
class FileServerJarIT {
    private static final Path JAR = Path.of(System.getProperty("ringfile.fileServerJar",
            "target/ringfile-file-server.jar"));
    private static final Pattern READY = Pattern.compile(
            "ringfile-file-server: serving (.+) at http://127\\.0\\.0\\.1:(\\d+)/ \\(transport (\\w+), Ringfile backend"
                    + " (IO_URING|NIO)(: .+)?\\)");
    private static final String CONTENT = "served by the jar\n";
    private static Path root;

    @BeforeAll
    static void tree() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "not built: " + JAR.toAbsolutePath());
        root = Files.createTempDirectory("ringfile-file-server-jar-");
        Files.writeString(root.resolve("hello.txt"), CONTENT);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void servesAndStopsOnSigterm(String transport) throws Exception {
        if (transport.equals("io_uring")) {
            Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring transport: " + IoUring.unavailabilityCause());
        }
        if (transport.equals("epoll")) {
            Assumptions.assumeTrue(Epoll.isAvailable(), () -> "epoll transport: " + Epoll.unavailabilityCause());
        }
        runJar(Path.of(System.getProperty("java.home"), "bin", "java"), transport);
    }

    /** On JDK 22+, Netty's System.load would print a warning; the jar's manifest grants native access. */
    @Test
    void printsNoWarningOnJdk25() throws Exception {
        Path jdk25 = null;
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            jdk25 = jdks.filter(p -> p.getFileName().toString().startsWith("temurin-25-jdk")).findFirst().orElse(null);
        } catch (IOException e) {
            // no /usr/lib/jvm
        }
        Path java = jdk25;
        Assumptions.assumeTrue(java != null, "no JDK 25 under /usr/lib/jvm");
        runJar(java.resolve("bin/java"), "auto");
    }

    private static void runJar(Path java, String transport) throws Exception {
        Process process = new ProcessBuilder(java.toString(), "-jar", JAR.toString(), "--root", root.toString(),
                "--port", "0", "--transport", transport).redirectErrorStream(true).start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "jar-output");
        reader.start();
        List<String> output = new ArrayList<>();
        try {
            String first = lines.poll(60, TimeUnit.SECONDS);
            assertNotNull(first, "no ready line within 60 s");
            output.add(first);
            Matcher ready = READY.matcher(first);
            assertTrue(ready.matches(), "the first line is the ready line: " + first);
            assertEquals(root.toRealPath().toString(), ready.group(1));
            if (!transport.equals("auto")) {
                assertEquals(transport, ready.group(3));
            }
            int port = Integer.parseInt(ready.group(2));

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello.txt"))
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(CONTENT, response.body());
            assertEquals("text/plain", response.headers().firstValue("content-type").orElse(null));
            try (RawHttp client = RawHttp.connect(new InetSocketAddress("127.0.0.1", port))) {
                client.send(RawHttp.get("/hello.txt", "Range: bytes=0-5"));
                RawHttp.Response r = client.read();
                assertEquals(206, r.status);
                assertEquals("served", r.bodyText());
                client.send(RawHttp.get("/../hello.txt"));
                assertEquals(403, client.read().status);
            }

            // SIGTERM. (Not Process.destroy(): it also closes this side's pipes, losing what the server prints.)
            assertTrue(process.toHandle().destroy(), "SIGTERM could not be sent");
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "still running 30 s after SIGTERM");
            reader.join(10_000);
            lines.drainTo(output);
            assertEquals(143, process.exitValue(), "exit status after SIGTERM; output: " + output);
            assertTrue(output.contains("ringfile-file-server: stopped"), "no stop line: " + output);
            assertEquals(2, output.size(), "nothing but the ready and stop lines (no warning): " + output);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
