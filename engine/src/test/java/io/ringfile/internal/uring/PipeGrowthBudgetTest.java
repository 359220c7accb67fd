package io.ringfile.internal.uring;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.READ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The splice pipes of long sends ({@code AsyncFile.sendTo}) grow by at most 16 MiB in all, and every send gives its
 * growth back when it ends, sent or failed: 24 sends of 16 MiB each wait at once on clients that do not read, then
 * half the clients go away and the other half read everything. Where the foreign calls are missing (before JDK 22)
 * nothing is spliced (see {@code SendToSocketTest}), so there is nothing to test.
 */
@Timeout(120)
class PipeGrowthBudgetTest {
    private static final int SENDS = 24;
    private static final int LENGTH = 16 << 20; // more than a socket's send buffer (4 MiB at most by default) holds
    private static final long GROWTH_PER_SEND = (1 << 20) - (64 << 10);
    private static final long BUDGET = 16L << 20;

    @TempDir
    Path dir;
    private EventLoopGroup group;
    private FileEngine engine;
    private Channel server;
    private final List<SocketChannel> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel client : clients) {
            client.close();
        }
        if (server != null) {
            server.close().sync();
        }
        if (engine != null) {
            engine.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    @Test
    void longSendsGrowTheirPipesWithinTheBudgetAndGiveItAllBack() throws Exception {
        Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring cannot run here: " + IoUring.unavailabilityCause());
        Assumptions.assumeTrue(NoWaitCalls.available(), () -> "nothing is spliced without the foreign calls: "
                + NoWaitCalls.unavailabilityCause());
        assertEquals(0, UringFile.pipeGrowthBytes(), "no send is running yet");
        byte[] content = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            content[i] = (byte) (i * 31 + (i >>> 13));
        }
        Path data = Files.write(dir.resolve("data.bin"), content);
        group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).eventLoopGroup(group).build();
        AsyncFile file = engine.open(data, READ).get(30, TimeUnit.SECONDS);
        List<CompletableFuture<Long>> sends = new CopyOnWriteArrayList<>();
        server = new ServerBootstrap().group(group).channel(IoUringServerSocketChannel.class)
                .childHandler(new SendOnConnect() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        CompletableFuture<Long> send = file.sendTo(ctx.channel(), 0, LENGTH);
                        sends.add(send);
                        send.whenComplete((n, error) -> ctx.close());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        for (int i = 0; i < SENDS; i++) {
            SocketChannel client = SocketChannel.open();
            client.setOption(StandardSocketOptions.SO_RCVBUF, 64 << 10);
            client.connect(address);
            clients.add(client);
        }

        // Every send starts and fills its socket and pipe; none reads, so all wait at once.
        long expected = (BUDGET / GROWTH_PER_SEND) * GROWTH_PER_SEND;
        long most = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sends.size() < SENDS || most < expected) {
            long now = UringFile.pipeGrowthBytes();
            assertTrue(now <= BUDGET, () -> "pipes grown by " + now + " bytes, over the budget of " + BUDGET);
            most = Math.max(most, now);
            if (System.nanoTime() > deadline) {
                fail(sends.size() + " sends started, pipes grown by at most " + most + " bytes, expected " + expected);
            }
            Thread.sleep(5);
        }
        Thread.sleep(200); // were the budget not kept, more growth would show by now
        assertEquals(expected, UringFile.pipeGrowthBytes(),
                "as many sends as the budget allows grow their pipes: " + (BUDGET / GROWTH_PER_SEND));
        for (CompletableFuture<Long> send : sends) {
            assertTrue(!send.isDone(), () -> "a send finished though its client reads nothing: "
                    + send.handle((n, e) -> e != null ? e.toString() : n + " bytes").join());
        }

        // Half the clients go away: their sends fail; the other half read everything and theirs succeed.
        for (int i = 0; i < SENDS / 2; i++) {
            clients.get(i).setOption(StandardSocketOptions.SO_LINGER, 0);
            clients.get(i).close(); // a reset, so that the send's next splice fails
        }
        List<CompletableFuture<Long>> reads = new ArrayList<>();
        for (int i = SENDS / 2; i < SENDS; i++) {
            SocketChannel client = clients.get(i);
            reads.add(CompletableFuture.supplyAsync(() -> matchingBytes(client, content)));
        }
        for (CompletableFuture<Long> read : reads) {
            assertEquals(LENGTH, read.get(60, TimeUnit.SECONDS), "a client got the whole file, byte for byte");
        }
        int sent = 0;
        int failed = 0;
        for (CompletableFuture<Long> send : sends) {
            try {
                assertEquals(LENGTH, send.get(30, TimeUnit.SECONDS));
                sent++;
            } catch (ExecutionException e) {
                assertInstanceOf(IOException.class, e.getCause());
                failed++;
            }
        }
        assertEquals(SENDS / 2, sent, "the sends of the clients that read: " + sent + " sent, " + failed + " failed");
        assertEquals(SENDS / 2, failed, "the sends of the clients that went away");
        assertEquals(0, UringFile.pipeGrowthBytes(), "every send, sent or failed, gave its growth back");
        file.close();
    }

    /** One handler for every connection. */
    @ChannelHandler.Sharable
    private abstract static class SendOnConnect extends ChannelInboundHandlerAdapter {
    }

    /** Reads until the server closes; how many bytes arrived, or -1 - the offset of the first that differs. */
    private static long matchingBytes(SocketChannel client, byte[] content) {
        ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
        long received = 0;
        try {
            while (client.read(buffer.clear()) >= 0) {
                for (int i = 0; i < buffer.position(); i++, received++) {
                    if (received >= content.length || buffer.get(i) != content[(int) received]) {
                        return -1 - received;
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return received;
    }
}
