/**
 * Ringfile: asynchronous file I/O on Linux io_uring with automatic NIO fallback. Only {@code io.ringfile} is API.
 */
module io.ringfile {
    requires transitive io.netty.buffer; // AsyncFile has ByteBuf overloads
    requires io.netty.common;
    requires transitive io.netty.transport; // FileEngine.Builder takes an EventLoopGroup
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.io_uring;
    requires io.ringfile.fallback.nio;
    requires jdk.jfr; // io.ringfile JFR events
    requires HdrHistogram; // its jar names no module: the name comes from the file name, as Maven lays it out

    exports io.ringfile;
}
