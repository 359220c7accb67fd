/**
 * Ringfile for Netty HTTP servers: {@link io.ringfile.netty.http.StaticFiles} and
 * {@link io.ringfile.netty.http.StaticFileHandler} serve a directory tree through a Ringfile engine without blocking
 * the event loop; {@link io.ringfile.netty.http.FileServer} is a runnable server built on them.
 */
module io.ringfile.netty.http {
    requires transitive io.ringfile;
    requires transitive io.netty.codec.http;
    requires transitive io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.transport.classes.io_uring;
    requires java.logging; // FileServer.main quiets Ringfile's INFO lines, which its ready line repeats
    // Only FileServer's --transport epoll uses it; the library works without it.
    requires static io.netty.transport.classes.epoll;

    exports io.ringfile.netty.http;
}
