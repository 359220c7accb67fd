/**
 * Vert.x 5's {@link io.vertx.core.file.FileSystem} and {@link io.vertx.core.file.AsyncFile} on Ringfile:
 * {@link io.ringfile.vertx.RingfileFileSystem#create(io.vertx.core.Vertx)}.
 */
package io.ringfile.vertx;
