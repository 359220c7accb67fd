package io.ringfile.netty.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.ringfile.FileEngine;

import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A static file server: {@link StaticFiles} on a Netty server, runnable as
 * {@code java -jar ringfile-file-server.jar --root DIR --port N}. It serves the directory on {@code 127.0.0.1}
 * (or {@code --bind ADDRESS}) and prints one line when it is ready: the URL, the transport, and the Ringfile
 * engine's backend with the reason when it fell back to NIO. It stops on SIGTERM or Ctrl-C (through a shutdown
 * hook): it stops accepting, closes the connections, shuts its event loops down and closes its engine.
 *
 * <p>Options: {@code --root DIR} (required), {@code --port N} (default 8080; 0 picks a free port),
 * {@code --bind ADDRESS} (default 127.0.0.1), {@code --transport auto|io_uring|epoll|nio} (default auto: io_uring,
 * else epoll, else NIO), {@code --backend auto|io_uring|nio} (the engine's; default auto), {@code --threads N}
 * (event loops; default the number of processors), {@code --idle-timeout SECONDS} (a connection with neither a
 * read nor a write for that long is closed; default 60, 0 for never), {@code --zero-copy never|remote|always} (when
 * bodies are spliced from file to socket, see {@link StaticFiles.Builder#zeroCopy}; default remote: to peers on other
 * machines).
 *
 * <p>The engine runs on the server's own event loops ({@link FileEngine.Builder#eventLoopGroup}): on the io_uring
 * transport every file step of a request is submitted into the ring of the channel's loop and completes on that
 * loop, with no thread hop. On the epoll and NIO transports the engine cannot share the loops: it runs rings of its
 * own (or the NIO pool), its {@link FileEngine#fallbackReason()} says why and the ready line prints it; completions
 * then reach the channel's loop with one hand-off.
 */
public final class FileServer implements AutoCloseable {
    /** Held so that its level stays set (the logging framework keeps loggers weakly). */
    private static final java.util.logging.Logger RINGFILE_LOGGER = java.util.logging.Logger.getLogger("io.ringfile");

    private final EventLoopGroup group;
    private final FileEngine engine;
    private final Channel channel;
    private final String transport;
    private final Path root;

    private FileServer(EventLoopGroup group, FileEngine engine, Channel channel, String transport, Path root) {
        this.group = group;
        this.engine = engine;
        this.channel = channel;
        this.transport = transport;
        this.root = root;
    }

    /**
     * Runs the server until the JVM is told to stop. Prints the ready line on standard output; on a bad argument,
     * prints the usage on standard error and exits with status 2.
     *
     * @param args the options (see the class description)
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        // The ready line carries the engine's backend and fallback reason: Ringfile's INFO lines saying the same
        // (for example that the engine cannot share an epoll group) would only repeat it before the ready line.
        RINGFILE_LOGGER.setLevel(java.util.logging.Level.WARNING);
        FileServer server;
        try {
            server = start(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ringfile-file-server: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        PrintStream out = System.out;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            out.println("ringfile-file-server: stopped");
            out.flush();
            stopped.countDown();
        }, "ringfile-file-server-shutdown"));
        out.println(server.readyLine());
        out.flush();
        server.channel.closeFuture().syncUninterruptibly();
        stopped.await();
    }

    /**
     * Starts a server with the given options (see the class description) and returns once it listens.
     *
     * @param args the options
     * @return the running server
     * @throws IllegalArgumentException if an option is missing, unknown or invalid, or the transport asked for
     *     cannot run here (the message says why)
     * @throws IOException if the root cannot be served (see {@link StaticFiles.Builder#build()})
     * @throws InterruptedException if interrupted while binding
     */
    public static FileServer start(String... args) throws IOException, InterruptedException {
        return start(UnaryOperator.identity(), args);
    }

    /** As {@link #start(String...)}, serving through {@code decorate} applied to the engine (for tests). */
    static FileServer start(UnaryOperator<FileEngine> decorate, String... args)
            throws IOException, InterruptedException {
        Path root = null;
        int port = 8080;
        String bind = "127.0.0.1";
        String transport = "auto";
        FileEngine.Backend backend = FileEngine.Backend.AUTO;
        int threads = Runtime.getRuntime().availableProcessors();
        int idleSeconds = 60;
        StaticFiles.ZeroCopy zeroCopy = StaticFiles.ZeroCopy.REMOTE_PEERS;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option.startsWith("--") ? option + " needs a value"
                        : "unknown argument " + option);
            }
            String value = args[++i];
            switch (option) {
                case "--root":
                    root = Path.of(value);
                    break;
                case "--port":
                    port = number(option, value, 0, 65535);
                    break;
                case "--bind":
                    bind = value;
                    break;
                case "--transport":
                    transport = value.toLowerCase(Locale.ROOT);
                    if (!transport.matches("auto|io_uring|epoll|nio")) {
                        throw new IllegalArgumentException("--transport must be auto, io_uring, epoll or nio: " + value);
                    }
                    break;
                case "--backend":
                    backend = FileEngine.Backend.parse(value);
                    break;
                case "--threads":
                    threads = number(option, value, 1, 1024);
                    break;
                case "--idle-timeout":
                    idleSeconds = number(option, value, 0, 86400);
                    break;
                case "--zero-copy":
                    switch (value.toLowerCase(Locale.ROOT)) {
                        case "never":
                            zeroCopy = StaticFiles.ZeroCopy.NEVER;
                            break;
                        case "remote":
                            zeroCopy = StaticFiles.ZeroCopy.REMOTE_PEERS;
                            break;
                        case "always":
                            zeroCopy = StaticFiles.ZeroCopy.ALWAYS;
                            break;
                        default:
                            throw new IllegalArgumentException("--zero-copy must be never, remote or always: " + value);
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (root == null) {
            throw new IllegalArgumentException("--root DIR is required");
        }
        InetAddress address = InetAddress.getByName(bind);
        String chosen = chooseTransport(transport);

        IoHandlerFactory factory;
        Class<? extends ServerChannel> channelType;
        switch (chosen) {
            case "io_uring":
                // Netty leaves the kernel's io-wq bounds; the unbounded one (the thread limit) would give every
                // pending read of a slow FUSE or network file a thread. The engine's own rings' default instead.
                factory = IoUringIoHandler.newFactory(new IoUringIoHandlerConfig()
                        .setMaxBoundedWorker(FileEngine.Builder.DEFAULT_KERNEL_WORKERS)
                        .setMaxUnboundedWorker(FileEngine.Builder.DEFAULT_KERNEL_WORKERS));
                channelType = IoUringServerSocketChannel.class;
                break;
            case "epoll":
                factory = EpollTransport.factory();
                channelType = EpollTransport.channelType();
                break;
            default:
                factory = NioIoHandler.newFactory();
                channelType = NioServerSocketChannel.class;
                break;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, factory);
        FileEngine engine = null;
        try {
            // On the server's own loops; inline completion: calls from other threads (none here) skip the executor.
            engine = FileEngine.builder().backend(backend).eventLoopGroup(group).inlineCompletion(true).build();
            StaticFiles files = StaticFiles.builder(root, decorate.apply(engine)).zeroCopy(zeroCopy).build();
            int idle = idleSeconds;
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (idle > 0) {
                                ch.pipeline().addLast(new IdleStateHandler(0, 0, idle), new CloseWhenIdle());
                            }
                            ch.pipeline().addLast(files.newCodec(), files.newHandler());
                        }
                    })
                    .bind(new InetSocketAddress(address, port)).sync().channel();
            return new FileServer(group, engine, channel, chosen, files.root());
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static String chooseTransport(String transport) {
        switch (transport) {
            case "io_uring":
                if (!IoUring.isAvailable()) {
                    throw new IllegalArgumentException("the io_uring transport cannot run here: "
                            + IoUring.unavailabilityCause());
                }
                return transport;
            case "epoll": {
                String why = EpollTransport.unavailability();
                if (why != null) {
                    throw new IllegalArgumentException("the epoll transport cannot run here: " + why);
                }
                return transport;
            }
            case "nio":
                return transport;
            default:
                if (IoUring.isAvailable()) {
                    return "io_uring";
                }
                return EpollTransport.unavailability() == null ? "epoll" : "nio";
        }
    }

    private static int number(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a number from " + min + " to " + max + ": " + value);
    }

    private static String usage() {
        return "usage: java -jar ringfile-file-server.jar --root DIR [--port N] [--bind ADDRESS]"
                + " [--transport auto|io_uring|epoll|nio] [--backend auto|io_uring|nio] [--threads N]"
                + " [--idle-timeout SECONDS] [--zero-copy never|remote|always]";
    }

    /**
     * The address the server listens on (with the port chosen when it was started with port 0).
     *
     * @return the local address
     */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * The server's base URL, such as {@code http://127.0.0.1:8080/}.
     *
     * @return the URL
     */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress() instanceof Inet6Address
                ? "[" + a.getAddress().getHostAddress() + "]" : a.getAddress().getHostAddress();
        return "http://" + host + ":" + a.getPort() + "/";
    }

    /**
     * The Netty transport in use: {@code io_uring}, {@code epoll} or {@code nio}.
     *
     * @return the transport's name
     */
    public String transport() {
        return transport;
    }

    /**
     * The engine serving the files (its backend and fallback reason are in the ready line).
     *
     * @return the engine
     */
    public FileEngine engine() {
        return engine;
    }

    /**
     * The line {@link #main} prints when the server is ready.
     *
     * @return the line
     */
    public String readyLine() {
        return "ringfile-file-server: serving " + root + " at " + url() + " (transport " + transport
                + ", Ringfile backend " + engine.backend()
                + engine.fallbackReason().map(r -> ": " + r).orElse("") + ")";
    }

    /**
     * Stops accepting, closes the engine (operations in flight finish first, on the loops that still run), then
     * shuts the event loops down, which closes every connection. Idempotent.
     */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        engine.close();
        // A short quiet period: the NIO transport releases a closed connection's descriptor at its next select.
        group.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).awaitUninterruptibly(15, TimeUnit.SECONDS);
    }

    /** Closes a connection that has neither read nor written for the idle timeout. */
    private static final class CloseWhenIdle extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(event);
            }
        }
    }

    /** The epoll transport, touched only when chosen: its classes are an optional dependency. */
    private static final class EpollTransport {
        static String unavailability() {
            try {
                return io.netty.channel.epoll.Epoll.isAvailable() ? null
                        : String.valueOf(io.netty.channel.epoll.Epoll.unavailabilityCause());
            } catch (LinkageError e) {
                return "Netty's epoll classes are not on the class path (" + e + ")";
            }
        }

        static IoHandlerFactory factory() {
            return io.netty.channel.epoll.EpollIoHandler.newFactory();
        }

        static Class<? extends ServerChannel> channelType() {
            return io.netty.channel.epoll.EpollServerSocketChannel.class;
        }
    }
}
