/**
 * Ringfile for Vert.x 5: {@link io.ringfile.vertx.RingfileFileSystem}, Vert.x's {@code FileSystem} and
 * {@code AsyncFile} on a Ringfile engine that shares Vert.x's io_uring event loops.
 */
module io.ringfile.vertx {
    requires transitive io.ringfile;
    requires transitive io.vertx.core;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;

    exports io.ringfile.vertx;
}
