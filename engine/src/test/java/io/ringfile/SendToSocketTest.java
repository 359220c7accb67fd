package io.ringfile;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.ringfile.internal.uring.NoWaitCalls;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

import static io.ringfile.ContractSupport.await;
import static io.ringfile.ContractSupport.failure;
import static java.nio.file.StandardOpenOption.READ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AsyncFile#sendTo}: a file range spliced to a real socket by an engine on a Netty io_uring server's loop,
 * read back by a plain client. Ranges across 2 GiB and 4 GiB (where 32-bit offsets or lengths would wrap), a client
 * too slow to keep up (the socket fills), a client that goes away, and what cannot be spliced.
 */
@Timeout(300)
class SendToSocketTest {
    private static final long GIB = 1L << 30;
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    private EventLoopGroup group;
    private FileEngine engine;
    private Channel server;
    /** What the server's handler does with each accepted connection. */
    private volatile BiFunction<ChannelHandlerContext, AsyncFile, CompletableFuture<Long>> send;
    private volatile AsyncFile file;
    private final CompletableFuture<Object> served = new CompletableFuture<>();

    @BeforeEach
    void startServer() throws InterruptedException {
        group = SharedGroups.ioUring(1, "send-server");
        engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).eventLoopGroup(group).build();
        server = new ServerBootstrap().group(group).channel(IoUringServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        Thread loop = Thread.currentThread();
                        send.apply(ctx, file).whenComplete((n, error) -> {
                            served.complete(error != null ? error : (Object) (Thread.currentThread() == loop ? n
                                    : new AssertionError("completed on " + Thread.currentThread())));
                            ctx.close();
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    @AfterEach
    void stop() throws IOException {
        if (file != null) {
            file.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        SharedGroups.shutdown(group);
    }

    /** Splicing to a socket takes a duplicate of its descriptor, made with the foreign calls (JDK 22+). */
    private static void assumeSplicing() {
        Assumptions.assumeTrue(NoWaitCalls.available(),
                () -> "nothing is spliced without the foreign calls: " + NoWaitCalls.unavailabilityCause());
    }

    /** A sparse file of {@code size} bytes, random around 2 GiB and 4 GiB and at both ends, holes elsewhere. */
    private Path sparseFile(long size) throws IOException {
        Path path = dir.resolve("big.bin");
        Random random = new Random(7);
        byte[] block = new byte[2 * MIB];
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(size);
            for (long around : new long[] {MIB, 2 * GIB, 4 * GIB, size - MIB}) {
                if (around - MIB >= 0 && around + MIB <= size) {
                    random.nextBytes(block);
                    raf.seek(around - MIB);
                    raf.write(block);
                }
            }
        }
        return path;
    }

    /** Reads everything the server sends until it closes, comparing it with the file's bytes from {@code start}. */
    private static long receiveAndCompare(InetSocketAddress address, Path path, long start, int pauseEveryMiB)
            throws IOException, InterruptedException {
        try (SocketChannel client = SocketChannel.open(address); FileChannel expected = FileChannel.open(path)) {
            ByteBuffer got = ByteBuffer.allocateDirect(256 * 1024);
            ByteBuffer want = ByteBuffer.allocateDirect(256 * 1024);
            long received = 0;
            while (client.read(got.clear()) >= 0) {
                got.flip();
                want.clear().limit(got.limit());
                while (want.hasRemaining() && expected.read(want, start + received + want.position()) > 0) {
                    // the file's bytes for the same range
                }
                want.flip();
                assertEquals(want, got, () -> "bytes differ in the 256 KiB after offset " + (start + 0));
                received += got.limit();
                if (pauseEveryMiB > 0 && received % (pauseEveryMiB * (long) MIB) < got.limit()) {
                    Thread.sleep(20); // a slow client: the socket's buffer fills meanwhile
                }
            }
            return received;
        }
    }

    @Test
    void aRangeAcrossTwoAndFourGibibytesArrivesWholeAndCompletesOnTheChannelsLoop() throws Exception {
        assumeSplicing();
        Path path = sparseFile(4 * GIB + 2 * MIB);
        file = await(engine.open(path, READ));
        long start = 2 * GIB - MIB;
        long count = 2 * GIB + 2 * MIB; // more than 2^31: neither offsets nor the length fit an int
        send = (ctx, f) -> f.sendTo(ctx.channel(), start, count);
        long received = receiveAndCompare((InetSocketAddress) server.localAddress(), path, start, 0);
        assertEquals(count, received);
        assertEquals(count, await(served));
    }

    @Test
    void aSlowClientOnlyMakesTheSendWait() throws Exception {
        assumeSplicing();
        Path path = sparseFile(64 * MIB);
        file = await(engine.open(path, READ));
        send = (ctx, f) -> f.sendTo(ctx.channel(), 0, 64 * MIB);
        assertEquals(64L * MIB, receiveAndCompare((InetSocketAddress) server.localAddress(), path, 0, 1));
        assertEquals(64L * MIB, await(served));
    }

    @Test
    void aRangePastTheEndSendsWhatThereIs() throws Exception {
        assumeSplicing();
        Path path = sparseFile(3 * MIB);
        file = await(engine.open(path, READ));
        send = (ctx, f) -> f.sendTo(ctx.channel(), 2 * MIB, 5 * MIB);
        assertEquals(MIB, receiveAndCompare((InetSocketAddress) server.localAddress(), path, 2 * MIB, 0));
        assertEquals((long) MIB, await(served));
    }

    @Test
    void aClientThatGoesAwayFailsTheSendWithAnIOException() throws Exception {
        assumeSplicing();
        Path path = sparseFile(256 * MIB);
        file = await(engine.open(path, READ));
        send = (ctx, f) -> f.sendTo(ctx.channel(), 0, 256 * MIB);
        try (SocketChannel client = SocketChannel.open(server.localAddress())) {
            client.read(ByteBuffer.allocate(4096));
        } // closed with most of the file unread
        Object outcome = await(served);
        assertInstanceOf(IOException.class, outcome, () -> "the send failed: " + outcome);
    }

    /**
     * The server closes the channel while a send waits for the client to drain its socket, then opens files, which
     * take the lowest free descriptor numbers, the channel's among them; the client drains. Not one byte of the file
     * may reach those files (a step of the send made on the channel's old number would write there), and the close
     * ends the send: the client reads what was already on its way, then the end of the stream, and the send fails
     * with an IOException. Without the foreign calls the send is refused before it sends anything.
     */
    @Test
    void aChannelClosedMidSendNeverSendsToTheDescriptorThatTakesItsNumber() throws Exception {
        Path path = sparseFile(64 * MIB);
        file = await(engine.open(path, READ));
        List<FileChannel> victims = new ArrayList<>();
        List<Path> victimPaths = new ArrayList<>();
        CompletableFuture<Integer> reopened = new CompletableFuture<>();
        send = (ctx, f) -> {
            CompletableFuture<Long> sending = f.sendTo(ctx.channel(), 0, 64 * MIB);
            int number = ((UnixChannel) ctx.channel()).fd().intValue();
            // Once the client's socket is full: close the channel, then take the lowest free numbers with files.
            ctx.executor().schedule(() -> ctx.close().addListener(closed -> ctx.executor().schedule(() -> {
                try {
                    for (int i = 0; i < 8; i++) {
                        Path victim = dir.resolve("victim-" + i);
                        victimPaths.add(victim);
                        victims.add(FileChannel.open(victim, StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE));
                    }
                    reopened.complete(number);
                } catch (IOException e) {
                    reopened.completeExceptionally(e);
                }
            }, 100, java.util.concurrent.TimeUnit.MILLISECONDS)), 300, java.util.concurrent.TimeUnit.MILLISECONDS);
            return sending;
        };
        try (SocketChannel client = SocketChannel.open(server.localAddress())) {
            int number = await(reopened);
            ByteBuffer sink = ByteBuffer.allocateDirect(MIB);
            long received = 0;
            for (int n; (n = client.read(sink.clear())) >= 0; ) { // drains: the send's next steps would run now
                received += n;
            }
            Object outcome = await(served);
            if (NoWaitCalls.available()) {
                assertInstanceOf(IOException.class, outcome, () -> "the send failed: " + outcome);
                long got = received;
                assertTrue(got < 64L * MIB, () -> "the client read " + got + " bytes, the whole file, after the close");
            } else {
                assertInstanceOf(UnsupportedOperationException.class, outcome);
            }
            long written = 0;
            for (Path victim : victimPaths) {
                written += Files.size(victim);
            }
            long leaked = written;
            assertEquals(0, leaked, () -> leaked + " bytes of the file went to files opened after the channel "
                    + "(descriptor " + number + ") was closed");
            assertTrue(victims.size() == 8, "the files were opened");
        } finally {
            for (FileChannel victim : victims) {
                victim.close();
            }
        }
    }

    @Test
    void whatCannotBeSplicedFailsWithUnsupportedOperationException() throws Exception {
        Path path = sparseFile(2 * MIB);
        file = await(engine.open(path, READ));
        EmbeddedChannel embedded = new EmbeddedChannel();
        assertInstanceOf(UnsupportedOperationException.class, failure(file.sendTo(embedded, 0, 10)));
        embedded.close();
        try (FileEngine nio = FileEngine.builder().backend(FileEngine.Backend.NIO).build();
             AsyncFile viaNio = await(nio.open(path, READ))) {
            send = (ctx, f) -> viaNio.sendTo(ctx.channel(), 0, 10);
            try (SocketChannel client = SocketChannel.open(server.localAddress())) {
                Object outcome = await(served);
                assertInstanceOf(UnsupportedOperationException.class, outcome);
                assertSame(-1, client.read(ByteBuffer.allocate(16)), "nothing was sent");
            }
        }
    }
}
