package io.ringfile;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import org.junit.jupiter.api.Assumptions;

import java.util.concurrent.TimeUnit;

/** Netty event loop groups such as a server's, for the engines that share them; skips where they cannot run. */
final class SharedGroups {
    private SharedGroups() {
    }

    /** A group of {@code loops} io_uring event loops named {@code name-N-M}. */
    static EventLoopGroup ioUring(int loops, String name) {
        Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring cannot run here: " + IoUring.unavailabilityCause());
        return group(loops, name, IoUringIoHandler.newFactory());
    }

    /** A group of {@code loops} epoll event loops named {@code name-N-M}. */
    static EventLoopGroup epoll(int loops, String name) {
        Assumptions.assumeTrue(Epoll.isAvailable(), () -> "epoll cannot run here: " + Epoll.unavailabilityCause());
        return group(loops, name, EpollIoHandler.newFactory());
    }

    private static EventLoopGroup group(int loops, String name, IoHandlerFactory handlers) {
        return new MultiThreadIoEventLoopGroup(loops, new io.netty.util.concurrent.DefaultThreadFactory(name, true),
                handlers);
    }

    static void shutdown(EventLoopGroup group) {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }
}
