package io.ringfile.netty.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.Assumptions;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A Netty server running {@link StaticFiles} on loopback, for tests. */
public final class TestServer implements AutoCloseable {
    private final EventLoopGroup group;
    private Channel channel;
    /** Writes of the handler that the codec refused (EncoderException): a response the handler got wrong. */
    private final List<Throwable> encoderFailures = new CopyOnWriteArrayList<>();

    private TestServer(EventLoopGroup group) {
        this.group = group;
    }

    /** Between the codec and the handler: records every write the codec refuses. */
    private final class WriteProbe extends ChannelOutboundHandlerAdapter
            implements StaticFileHandler.PassesBodiesThrough {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ChannelPromise watched = promise.unvoid();
            watched.addListener(f -> {
                if (!f.isSuccess() && f.cause() instanceof io.netty.handler.codec.EncoderException) {
                    encoderFailures.add(f.cause());
                }
            });
            ctx.write(msg, watched);
        }
    }

    /** The writes the codec refused so far; a correct handler makes none. */
    public List<Throwable> encoderFailures() {
        return encoderFailures;
    }

    /** An engine on exactly {@code backend}, with inline completion; skips the test where io_uring cannot run. */
    public static FileEngine engine(FileEngine.Backend backend) {
        try {
            return FileEngine.builder().backend(backend).inlineCompletion(true).build();
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("io_uring cannot run here: " + e.getMessage()
                    + (e.getCause() != null ? " (" + e.getCause() + ")" : ""));
            throw e;
        }
    }

    /**
     * A server whose transport matches the engine's backend (io_uring transport for an io_uring engine, NIO for a
     * NIO engine), with {@code loops} event loops and the channels' default allocator.
     */
    public static TestServer start(StaticFiles files, int loops) throws InterruptedException {
        return start(files, files.engine().backend() == FileEngine.Backend.IO_URING, loops, null);
    }

    /**
     * A server on the io_uring transport ({@code ioUring}) or NIO, with {@code loops} event loops; a non-null
     * {@code allocator} is used for the accepted channels.
     */
    public static TestServer start(StaticFiles files, boolean ioUring, int loops, ByteBufAllocator allocator)
            throws InterruptedException {
        return start(files, ioUring, loops, allocator, null);
    }

    /** As above, with a handler from {@code socketSide} (if not null) between the socket and the codec. */
    public static TestServer start(StaticFiles files, boolean ioUring, int loops, ByteBufAllocator allocator,
            Supplier<ChannelHandler> socketSide) throws InterruptedException {
        IoHandlerFactory factory;
        Class<? extends ServerChannel> type;
        if (ioUring) {
            Assumptions.assumeTrue(IoUring.isAvailable(),
                    () -> "Netty's io_uring transport cannot run here: " + IoUring.unavailabilityCause());
            factory = IoUringIoHandler.newFactory();
            type = IoUringServerSocketChannel.class;
        } else {
            factory = NioIoHandler.newFactory();
            type = NioServerSocketChannel.class;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, factory);
        TestServer server = new TestServer(group);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(type)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (socketSide != null) {
                                ch.pipeline().addLast(socketSide.get());
                            }
                            ch.pipeline().addLast(files.newCodec(), server.new WriteProbe(), files.newHandler());
                        }
                    });
            if (allocator != null) {
                bootstrap.childOption(ChannelOption.ALLOCATOR, allocator);
            }
            server.channel = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            return server;
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public String url(String target) {
        return "http://" + address().getAddress().getHostAddress() + ":" + address().getPort() + target;
    }

    public EventLoopGroup group() {
        return group;
    }

    /**
     * Closes the listening channel and every connection, and ends the event loops (bounded). The quiet period lets
     * the loops select once more: with Netty 4.2.18's NIO transport, a connection the client closed just before a
     * shutdown without one stays open (CLOSE_WAIT) after the loop has ended (seen with a bare Netty server too), as
     * the JDK closes a registered channel's descriptor only when its selector deregisters it.
     */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (!group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly(20, TimeUnit.SECONDS)) {
            throw new AssertionError("event loops did not end within 20 s");
        }
    }
}
