package io.ringfile.bench.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.ringfile.FileEngine;
import io.ringfile.netty.http.StaticFiles;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP file server of the HTTP benchmark ({@code bench/http-bench.sh}), built the ways Netty users serve files
 * today and the ways Ringfile offers, one per run:
 * <ul>
 *   <li>{@code epoll-region}: the epoll transport, {@code DefaultFileRegion} ({@code sendfile(2)} on the loop);</li>
 *   <li>{@code uring-region}: the io_uring transport, {@code DefaultFileRegion} (Netty splices it through the
 *       ring);</li>
 *   <li>{@code chunked}: the epoll transport, {@code ChunkedNioFile} through {@code ChunkedWriteHandler} (blocking
 *       reads on the loop);</li>
 *   <li>{@code uring-chunked}: the same on the io_uring transport; not in the suite, for probes that separate what
 *       a transport costs per request from what the file path costs;</li>
 *   <li>{@code ringfile-hop}: the io_uring transport, Ringfile's {@code StaticFiles} on an engine with rings of its
 *       own and default completion (futures complete on the completion executor, then hop to the loop);</li>
 *   <li>{@code ringfile-shared}: the io_uring transport, {@code StaticFiles} on an engine built on the server's group
 *       (every file step completes on the channel's loop; bodies read into buffers, as {@code StaticFiles} does
 *       by default for a client on the same machine);</li>
 *   <li>{@code ringfile-shared-splice}: the same, with bodies past one chunk spliced by {@code sendTo}
 *       ({@code ZeroCopy.ALWAYS}: as served to a client on another machine);</li>
 *   <li>{@code ringfile-epoll}: the epoll transport, {@code StaticFiles} on an engine given the server's epoll group:
 *       it cannot share it, so it runs rings of its own; steps whose data the kernel has cached (open, stat, read)
 *       are made on the channel's loop without waiting, the others on those rings, completing back on the loop.</li>
 * </ul>
 * The three Netty variants open and stat the file on the loop, as Netty's own examples do, and serve only plain
 * names under the root (no security checks beyond that: a benchmark, not a server to expose). Usage:
 * {@code HttpBenchServer MODE ROOT PORT LOOPS}; prints {@code ready} once it listens and runs until killed.
 */
public final class HttpBenchServer {
    private HttpBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: HttpBenchServer epoll-region|uring-region|chunked|uring-chunked|ringfile-hop"
                    + "|ringfile-shared"
                    + "|ringfile-shared-splice"
                    + "|ringfile-epoll ROOT PORT LOOPS");
            System.exit(2);
        }
        String mode = args[0];
        Path root = Path.of(args[1]).toRealPath();
        int port = Integer.parseInt(args[2]);
        int loops = Integer.parseInt(args[3]);
        boolean epoll = mode.equals("epoll-region") || mode.equals("chunked") || mode.equals("ringfile-epoll");
        // io_uring: the engine's own rings' io-wq bounds, as the example file server sets them (Netty's default is
        // the kernel's).
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory()
                : IoUringIoHandler.newFactory(new IoUringIoHandlerConfig()
                        .setMaxBoundedWorker(FileEngine.Builder.DEFAULT_KERNEL_WORKERS)
                        .setMaxUnboundedWorker(FileEngine.Builder.DEFAULT_KERNEL_WORKERS));
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : IoUringServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, factory);
        FileEngine engine = null;
        ChannelInitializer<Channel> init;
        switch (mode) {
            case "epoll-region":
            case "uring-region":
            case "chunked":
            case "uring-chunked": {
                boolean chunked = mode.endsWith("chunked");
                init = new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192));
                        if (chunked) {
                            ch.pipeline().addLast(new ChunkedWriteHandler());
                        }
                        ch.pipeline().addLast(new NettyFiles(root, chunked));
                    }
                };
                break;
            }
            case "ringfile-hop":
            case "ringfile-shared":
            case "ringfile-shared-splice":
            case "ringfile-epoll": {
                FileEngine.Builder builder = FileEngine.builder().backend(FileEngine.Backend.IO_URING);
                if (!mode.equals("ringfile-hop")) {
                    builder.eventLoopGroup(group);
                }
                engine = builder.build();
                StaticFiles.Builder files0 = StaticFiles.builder(root, engine).zeroCopy(mode.endsWith("-splice")
                        ? StaticFiles.ZeroCopy.ALWAYS : StaticFiles.ZeroCopy.REMOTE_PEERS);
                Integer chunkSize = Integer.getInteger("ringfile.bench.chunkSize");
                if (chunkSize != null) { // for probes of the piece size; the suite runs the default
                    files0.chunkSize(chunkSize);
                }
                StaticFiles files = files0.build();
                init = new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(files.newCodec(), files.newHandler());
                    }
                };
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + mode);
        }
        Channel server = new ServerBootstrap().group(group).channel(type).childHandler(init)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
        System.out.println("ready " + mode + " on " + server.localAddress()
                + (engine == null ? "" : " (Ringfile backend " + engine.backend()
                        + engine.fallbackReason().map(r -> ": " + r).orElse("") + ")"));
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        FileEngine owned = engine;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            if (owned != null) {
                owned.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            stopped.countDown();
        }));
        server.closeFuture().sync();
        stopped.await();
    }

    /** A GET of a plain file under the root, as Netty's users write it: blocking open and stat on the loop. */
    private static final class NettyFiles extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Path root;
        private final boolean chunked;

        NettyFiles(Path root, boolean chunked) {
            this.root = root;
            this.chunked = chunked;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String uri = request.uri();
            int query = uri.indexOf('?');
            String name = (query < 0 ? uri : uri.substring(0, query)).substring(1);
            RandomAccessFile file;
            long length;
            try {
                if (name.isEmpty() || name.contains("..") || name.contains("\\")) {
                    throw new IOException("not served: " + name);
                }
                file = new RandomAccessFile(root.resolve(name).toFile(), "r");
                length = file.length();
            } catch (IOException e) {
                DefaultFullHttpResponse notFound = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.NOT_FOUND);
                HttpUtil.setContentLength(notFound, 0);
                ctx.writeAndFlush(notFound);
                return;
            }
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(response, length);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.write(response);
            io.netty.channel.ChannelFuture last;
            try {
                if (chunked) {
                    last = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file.getChannel(), 0, length,
                            64 * 1024)));
                } else {
                    ctx.write(new DefaultFileRegion(file.getChannel(), 0, length));
                    last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            } catch (IOException e) {
                ctx.close();
                return;
            }
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
