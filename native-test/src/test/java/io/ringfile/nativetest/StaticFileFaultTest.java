package io.ringfile.nativetest;

import io.netty.buffer.PooledByteBufAllocator;
import io.ringfile.FileEngine;
import io.ringfile.netty.http.RawHttp;
import io.ringfile.netty.http.StaticFiles;
import io.ringfile.netty.http.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The static-file handler (netty-http) on files that fail or are slow, made so by faultfs, on both backends (an
 * io_uring engine on Netty's io_uring transport, a NIO engine on the NIO transport). A failing file affects only its
 * own request: 500 before the headers, or the connection closed mid-body; a slow one does not delay the other
 * connections of its event loop; nothing leaks ({@link LeakCheck}: descriptors, pooled buffers of the server's
 * channels, Netty's leak detector).
 *
 * <p>The served root is faultfs's base directory: {@code /mnt/...} is the FUSE mount (direct I/O, so every read
 * reaches faultfs), {@code /small.txt} a file on the ordinary file system beside it.
 */
@ExtendWith(LeakCheck.class)
@Timeout(120)
class StaticFileFaultTest {
    private static final int SIZE = 256 * 1024;
    private static final int CHUNK = 64 * 1024;

    private static Path base;
    private static FaultFs fs;
    private static byte[] data;
    private static String skipReason;

    @BeforeAll
    static void mount() throws Exception {
        skipReason = Native.setUp(() -> {
            Native.assumeLinuxRoot();
            base = Files.createTempDirectory("ringfile-http-faultfs-");
            fs = FaultFs.mount(base, FaultFs.Mode.DIRECT_IO);
            data = new byte[SIZE];
            new Random(13).nextBytes(data);
            Files.write(fs.backing("file.bin"), data);
            Files.writeString(base.resolve("small.txt"), "small and quick\n");
            warmUp();
        });
    }

    /**
     * One request on a server of each kind before the first baseline: the first use of Netty's io_uring transport in
     * a JVM keeps a few bytes of JDK direct memory for good (2 bytes for a bind and an accept, measured with
     * Netty alone; more with reads and writes), which LeakCheck would otherwise blame on the first test.
     */
    private static void warmUp() throws Exception {
        for (FileEngine.Backend backend : FileEngine.Backend.values()) {
            if (backend == FileEngine.Backend.AUTO) {
                continue;
            }
            try (Server s = new Server(backend); RawHttp client = RawHttp.connect(s.server.address())) {
                client.send(RawHttp.get("/mnt/file.bin"));
                assertEquals(200, client.read().status);
            } catch (org.opentest4j.TestAbortedException e) {
                // io_uring cannot run here: its tests skip with the reason
            }
        }
    }

    @AfterAll
    static void unmount() {
        if (fs != null) {
            fs.close();
        }
        ChildJvm.deleteTree(base);
    }

    @BeforeEach
    void noRules() {
        Native.assumeSetUp(skipReason);
        fs.clear();
    }

    private static final class Server implements AutoCloseable {
        final FileEngine engine;
        final TestServer server;

        Server(FileEngine.Backend backend) throws Exception {
            engine = Engines.start(FileEngine.builder().backend(backend).inlineCompletion(true));
            try {
                // ALWAYS: bodies past a chunk are spliced on io_uring, to this loopback client too.
                StaticFiles files = StaticFiles.builder(base, engine).chunkSize(CHUNK).readsInFlight(1)
                        .zeroCopy(StaticFiles.ZeroCopy.ALWAYS).build();
                // One event loop: "another connection" is certainly on the same loop. The pooled allocator is the
                // one LeakCheck watches.
                server = TestServer.start(files, backend == FileEngine.Backend.IO_URING, 1,
                        PooledByteBufAllocator.DEFAULT);
            } catch (Exception | Error e) {
                engine.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } finally {
                engine.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void eioOnTheFirstReadGives500AndTheConnectionGoesOn(FileEngine.Backend backend) throws Exception {
        try (Server s = new Server(backend); RawHttp client = RawHttp.connect(s.server.address())) {
            long fired = fs.fired();
            fs.rule("read", 5, 0, 1, 0);
            client.send(RawHttp.get("/mnt/file.bin"));
            RawHttp.Response failed = client.read();
            assertEquals("HTTP/1.1 500 Internal Server Error", failed.statusLine, failed::toString);
            assertEquals(fired + 1, fs.fired(), "faultfs failed one read");

            client.send(RawHttp.get("/mnt/file.bin"));
            RawHttp.Response ok = client.read();
            assertEquals(200, ok.status, "the next request on the same connection");
            assertArrayEquals(data, ok.body);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void eioMidBodyClosesTheConnectionAfterWhatWasRead(FileEngine.Backend backend) throws Exception {
        try (Server s = new Server(backend); RawHttp client = RawHttp.connect(s.server.address())) {
            // The first read succeeds, every later one fails. (Every one, not only the second: on io_uring the rest of
            // the body is spliced, and the kernel's splice reads a FUSE file through the page cache, retrying a page
            // whose read failed once, so a single EIO there is recovered from and the body arrives whole and exact.)
            fs.rule("read", 5, 1, -1, 0);
            client.send(RawHttp.get("/mnt/file.bin"));
            RawHttp.Response cut = client.read();
            assertEquals(200, cut.status);
            assertEquals(String.valueOf(SIZE), cut.header("Content-Length"));
            assertFalse(cut.complete, "the body must not look complete: " + cut);
            assertTrue(cut.body.length > 0 && cut.body.length < SIZE, "body length " + cut.body.length);
            assertArrayEquals(Arrays.copyOf(data, cut.body.length), cut.body, "what was sent is the file's start");
            assertTrue(client.closedByServer());
        }
    }

    /**
     * While one connection waits 5 s for a slow open or read, another connection on the same (single) event loop
     * is answered five times before the slow one gets a single byte; then the slow one completes.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aSlowFileDoesNotDelayOtherConnectionsOnItsLoop(FileEngine.Backend backend) throws Exception {
        for (String op : new String[] {"read", "open"}) {
            try (Server s = new Server(backend);
                 RawHttp slow = RawHttp.connect(s.server.address());
                 RawHttp quick = RawHttp.connect(s.server.address())) {
                long fired = fs.fired();
                fs.rule(op, 0, 0, 1, 5000);
                slow.send(RawHttp.get("/mnt/file.bin"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                while (fs.fired() == fired) { // the slow call has reached faultfs
                    assertTrue(System.nanoTime() < deadline, "the slow " + op + " never reached faultfs");
                    Thread.sleep(5);
                }
                for (int i = 0; i < 5; i++) {
                    quick.send(RawHttp.get("/small.txt"));
                    RawHttp.Response r = quick.read();
                    assertEquals(200, r.status);
                    assertEquals("small and quick\n", r.bodyText());
                }
                assertEquals(0, slow.available(), "the slow " + op + " answered before the quick requests");
                RawHttp.Response late = slow.read();
                assertEquals(200, late.status);
                assertArrayEquals(data, late.body);
            } finally {
                fs.clear();
            }
        }
    }

    /** A client that disconnects while its read is held by faultfs: the file is closed, the buffer released. */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aClientGoneDuringASlowReadLeavesNothingBehind(FileEngine.Backend backend) throws Exception {
        try (Server s = new Server(backend)) {
            long fired = fs.fired();
            fs.rule("read", 0, 0, 1, 2000);
            try (RawHttp client = RawHttp.connect(s.server.address())) {
                client.send(RawHttp.get("/mnt/file.bin"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                while (fs.fired() == fired) {
                    assertTrue(System.nanoTime() < deadline, "the slow read never reached faultfs");
                    Thread.sleep(5);
                }
            } // closed with the read in flight
            // Once the held read completes, the file is closed, while the server and engine still run (closing the
            // engine would close it anyway).
            String file = fs.path("file.bin").toString();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (LeakCheck.fds().containsValue(file)) {
                assertTrue(System.nanoTime() < deadline, "the file is still open 15 s after its client left");
                Thread.sleep(20);
            }
            try (RawHttp client = RawHttp.connect(s.server.address())) {
                client.send(RawHttp.get("/mnt/file.bin"));
                assertArrayEquals(data, client.read().body, "the server goes on serving");
            }
        }
    }
}
