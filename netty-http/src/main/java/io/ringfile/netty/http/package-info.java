/**
 * Serving files from Netty through Ringfile: {@link io.ringfile.netty.http.StaticFiles} holds a server's settings
 * and makes the per-connection {@link io.ringfile.netty.http.StaticFileHandler}; {@link
 * io.ringfile.netty.http.FileServer} is a runnable file server built on them.
 */
package io.ringfile.netty.http;
