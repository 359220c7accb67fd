package io.ringfile.netty.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.util.AsciiString;
import io.ringfile.FileEngine;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A directory tree served over HTTP/1.1 through a {@link FileEngine}: the settings shared by every connection, and
 * the factory of each connection's {@link StaticFileHandler}. Immutable and thread-safe; build one per server.
 *
 * <pre>{@code
 * StaticFiles files = StaticFiles.builder(Path.of("/srv/www"), engine).build();
 * // in the ChannelInitializer of each accepted channel:
 * channel.pipeline().addLast(files.newCodec(), files.newHandler());
 * }</pre>
 *
 * <p>What is served: regular files under the root, named by the request's path. What is refused: see
 * {@link StaticFileHandler}. The engine is the caller's: the handlers never close it, and it must stay open while
 * they run.
 */
public final class StaticFiles {
    /** Longest request line the codec of {@link #newCodec()} accepts; longer ones get 414. */
    public static final int MAX_REQUEST_LINE = 8192;
    /** Most bytes of header fields the codec of {@link #newCodec()} accepts; more get 431. */
    public static final int MAX_HEADER_SIZE = 8192;
    /** The default of {@link Builder#chunkSize(int)}: 256 KiB. */
    public static final int DEFAULT_CHUNK_SIZE = 256 * 1024;

    private final Path root;
    /** The root's name with one trailing separator: see {@link #resolve}. */
    private final String rootPrefix;
    private final FileEngine engine;
    private final int chunkSize;
    private final int readsInFlight;
    private final int maxPendingRequests;
    private final ZeroCopy zeroCopy;
    /** Header values as bytes: Netty's encoder copies an {@code AsciiString} at once, a {@code String} by char. */
    private final Map<String, AsciiString> contentTypes;
    private static final AsciiString DEFAULT_CONTENT_TYPE = AsciiString.of(ContentTypes.DEFAULT);

    private StaticFiles(Builder b, Path root) {
        this.root = root;
        String name = root.toString();
        String separator = root.getFileSystem().getSeparator();
        this.rootPrefix = name.endsWith(separator) ? name : name + separator;
        this.engine = b.engine;
        this.chunkSize = b.chunkSize;
        this.readsInFlight = b.readsInFlight;
        this.maxPendingRequests = b.maxPendingRequests;
        this.zeroCopy = b.zeroCopy;
        Map<String, AsciiString> types = new HashMap<>();
        b.contentTypes.forEach((extension, type) -> types.put(extension, AsciiString.of(type)));
        this.contentTypes = Collections.unmodifiableMap(types);
    }

    /**
     * A builder serving {@code root} through {@code engine}.
     *
     * @param root the directory to serve; its real path is taken when {@link Builder#build()} runs
     * @param engine the engine that does every file-system step; the caller's, never closed by the handlers
     * @return a new builder with every other setting at its default
     */
    public static Builder builder(Path root, FileEngine engine) {
        return new Builder(root, engine);
    }

    /**
     * The served directory: the real path (no symbolic link in it) the root had when this was built.
     *
     * @return the root's real path
     */
    public Path root() {
        return root;
    }

    /**
     * The file that {@code names} (a request's path, one name per level) lead to under the root, or null where the
     * path the file system makes of them is not exactly those names, one per level (a name that is empty, holds a
     * separator, or is rewritten): what {@link RequestPath} already guarantees, checked again on the real path. One
     * comparison of text, where a check of each level's parent and name would make two paths and a string per level.
     *
     * @throws java.nio.file.InvalidPathException if a name is not a valid name on the root's file system
     */
    Path resolve(String[] names) {
        Path p = root;
        StringBuilder expected = new StringBuilder(rootPrefix);
        String separator = root.getFileSystem().getSeparator();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (name.isEmpty() || name.contains(separator)) {
                return null;
            }
            p = p.resolve(name);
            if (i > 0) {
                expected.append(separator);
            }
            expected.append(name);
        }
        // Names that are not empty and hold no separator, whose path reads as them joined, are one level each.
        return p.toString().contentEquals(expected) ? p : null;
    }

    /**
     * The engine that does the file-system work.
     *
     * @return the engine
     */
    public FileEngine engine() {
        return engine;
    }

    /**
     * A new handler for one connection. Put it after an HTTP/1.1 server codec, such as {@link #newCodec()}'s.
     *
     * @return a new handler; not sharable between channels
     */
    public StaticFileHandler newHandler() {
        return new StaticFileHandler(this);
    }

    /**
     * A new HTTP/1.1 server codec for one connection, with the limits this handler is tested with: request line at
     * most {@value #MAX_REQUEST_LINE} bytes, header fields at most {@value #MAX_HEADER_SIZE} bytes, header
     * validation on. Netty's own codec also bounds how many pipelined requests it holds (128) and closes the
     * connection of a client that sends more without reading the answers.
     *
     * @return a new codec; not sharable between channels
     */
    public HttpServerCodec newCodec() {
        return new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(8192));
    }

    int chunkSize() {
        return chunkSize;
    }

    int readsInFlight() {
        return readsInFlight;
    }

    int maxPendingRequests() {
        return maxPendingRequests;
    }

    ZeroCopy zeroCopy() {
        return zeroCopy;
    }

    AsciiString contentType(String fileName) {
        AsciiString type = contentTypes.get(ContentTypes.extension(fileName));
        return type != null ? type : DEFAULT_CONTENT_TYPE;
    }

    /** When a body may be spliced from the file to the socket: see {@link Builder#zeroCopy(ZeroCopy)}. */
    public enum ZeroCopy {
        /** Never: every body is read into pooled buffers and written through the pipeline. */
        NEVER,
        /**
         * To peers on other machines only. To a peer on this machine (a loopback address, or the connection's own
         * local address) bodies are read into buffers: there a splice saves the server a copy but makes the client
         * read the file's page-cache pages from memory instead of from socket buffers still in the CPU's cache, so
         * the two together do more work. Measured with wrk on loopback (64 MiB file, 8 connections, server and wrk
         * on a CPU each, 2026-12-05): its receive copy cost it 3.1 times as much CPU per byte when spliced, wrk's CPU
         * had no idle time, and splicing served 0.80-0.85x the responses per second of reading into buffers in the
         * benchmark's three rounds. A file small enough to stay in the CPU's cache is the exception (4 MiB: splicing
         * was ahead).
         */
        REMOTE_PEERS,
        /** To every peer, on this machine too. */
        ALWAYS
    }

    /** Settings of a {@link StaticFiles}. Not thread-safe. */
    public static final class Builder {
        private final Path root;
        private final FileEngine engine;
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private int readsInFlight = 2;
        private int maxPendingRequests = 16;
        private ZeroCopy zeroCopy = ZeroCopy.REMOTE_PEERS;
        private final Map<String, String> contentTypes = ContentTypes.defaults();

        private Builder(Path root, FileEngine engine) {
            this.root = Objects.requireNonNull(root, "root");
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        /**
         * Bytes read from a file per read, and so the largest piece of a body written to the channel at once;
         * default {@link #DEFAULT_CHUNK_SIZE} (256 KiB). Each piece costs the loop a read, a write and their
         * completions whatever its size: on a 64 MiB file, 64 KiB pieces cost the server 1.05-1.25 times the CPU
         * per response of 256 KiB ones, 5.0 ms of user CPU against 1.2 (2026-12-05, wrk on loopback), while a client
         * that stops reading holds up to {@link #readsInFlight(int)} pieces in memory.
         *
         * @param bytes the size of each read; from 1 to 16 MiB
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is out of range
         */
        public Builder chunkSize(int bytes) {
            if (bytes < 1 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("chunkSize must be from 1 to 16 MiB: " + bytes);
            }
            this.chunkSize = bytes;
            return this;
        }

        /**
         * Reads of one response's body that may be in flight at once, while the channel is writable; default 2.
         * Together with {@link #chunkSize(int)} it bounds what a response holds beyond the channel's write-buffer
         * high-water mark: at most {@code readsInFlight x chunkSize} bytes.
         *
         * @param reads the number of reads; from 1 to 64
         * @return this builder
         * @throws IllegalArgumentException if {@code reads} is out of range
         */
        public Builder readsInFlight(int reads) {
            if (reads < 1 || reads > 64) {
                throw new IllegalArgumentException("readsInFlight must be from 1 to 64: " + reads);
            }
            this.readsInFlight = reads;
            return this;
        }

        /**
         * Pipelined requests a connection may have waiting behind the one being answered before the handler stops
         * reading from it (it reads again once half of them are answered); default 16.
         *
         * @param requests the number of waiting requests; from 1 to 1024
         * @return this builder
         * @throws IllegalArgumentException if {@code requests} is out of range
         */
        public Builder maxPendingRequests(int requests) {
            if (requests < 1 || requests > 1024) {
                throw new IllegalArgumentException("maxPendingRequests must be from 1 to 1024: " + requests);
            }
            this.maxPendingRequests = requests;
            return this;
        }

        /**
         * When bodies longer than one {@link #chunkSize(int) chunk} are sent with {@link io.ringfile.AsyncFile#sendTo}
         * (the kernel splices the file to the socket; no byte passes through Java memory); default
         * {@link ZeroCopy#REMOTE_PEERS}. Whatever the setting, it is used only where it cannot change what the client
         * gets: an io_uring engine, a channel of Netty's io_uring transport, and a pipeline whose outbound handlers
         * between the socket and the handler are only Netty's {@code HttpServerCodec} or {@code HttpResponseEncoder}
         * and {@code IdleStateHandler} (no TLS, no compression, nothing else that could transform the bytes).
         * Otherwise every body is read into pooled buffers and written through the pipeline.
         *
         * @param when when to splice
         * @return this builder
         * @throws NullPointerException if {@code when} is null
         */
        public Builder zeroCopy(ZeroCopy when) {
            this.zeroCopy = Objects.requireNonNull(when, "when");
            return this;
        }

        /**
         * Sets the content type of file names ending in {@code .extension} (compared ignoring case), replacing the
         * built-in entry if there is one. Names with no known extension are sent as
         * {@code application/octet-stream}.
         *
         * @param extension the extension, without the dot, such as {@code "txt"}
         * @param contentType the {@code Content-Type} value, such as {@code "text/plain; charset=utf-8"}
         * @return this builder
         * @throws IllegalArgumentException if the extension is empty or holds a dot, or the type is not a valid header
         *     value (a line break or another control character)
         */
        public Builder contentType(String extension, String contentType) {
            Objects.requireNonNull(extension, "extension");
            Objects.requireNonNull(contentType, "contentType");
            if (extension.isEmpty() || extension.indexOf('.') >= 0) {
                throw new IllegalArgumentException("not an extension: '" + extension + "'");
            }
            if (contentType.indexOf('\r') >= 0 || contentType.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("line break in content type");
            }
            if (HttpHeaderValidationUtil.validateValidHeaderValue(contentType) >= 0) {
                throw new IllegalArgumentException("not a header value: '" + contentType + "'");
            }
            contentTypes.put(extension.toLowerCase(Locale.ROOT), contentType);
            return this;
        }

        /**
         * Resolves the root's real path (a blocking call, made once here, on the calling thread) and returns the
         * settings.
         *
         * @return the settings
         * @throws NotDirectoryException if the root is not a directory
         * @throws IllegalArgumentException if the root is not on the default file system
         * @throws IOException if the root's real path cannot be had, such as {@code NoSuchFileException}
         */
        public StaticFiles build() throws IOException {
            if (root.getFileSystem() != FileSystems.getDefault()) {
                throw new IllegalArgumentException("the root must be on the default file system: " + root);
            }
            Path real = root.toRealPath();
            if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
                throw new NotDirectoryException(root.toString());
            }
            return new StaticFiles(this, real);
        }
    }
}
