package io.ringfile.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import io.ringfile.RingfileOpenOption;

import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.Objects;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Serves the files of a {@link StaticFiles} root over HTTP/1.1 on one connection, doing every file-system step
 * (open, the open file's stat, reads, close) through its {@link FileEngine}: nothing blocks the channel's event
 * loop.
 *
 * <h2>Threads</h2>
 * Every event of this handler runs on the channel's event loop. Each engine future is continued on that loop: at
 * once when it completes there, else through {@code ctx.executor().execute(...)}, so handler state is only ever
 * touched by the loop. The dependent stages this handler registers only do that hand-over, so they may run on any
 * thread, an engine's I/O thread included. An engine built on the server's own io_uring group
 * ({@link FileEngine.Builder#eventLoopGroup}) completes every step on the channel's loop: no hand-over at all.
 *
 * <h2>HTTP</h2>
 * GET and HEAD of regular files; any other method gets 405 with {@code Allow: GET, HEAD}. Responses carry
 * {@code Content-Length}, {@code Content-Type} (from the file name's extension), {@code Last-Modified}, a strong
 * {@code ETag} made of the size, the modification time in nanoseconds and the inode number, {@code Accept-Ranges},
 * {@code Date} and {@code X-Content-Type-Options: nosniff}. {@code If-None-Match} (weak comparison, {@code *}
 * included) and, without it, {@code If-Modified-Since} give 304. A single byte range of a GET gives 206 with
 * {@code Content-Range}, an unsatisfiable one 416 with {@code Content-Range: bytes *}{@code /size}; several ranges,
 * or a range whose {@code If-Range} does not match, get the whole file. Keep-alive follows the request (HTTP/1.1
 * unless {@code Connection: close}; HTTP/1.0 with {@code Connection: keep-alive}); pipelined requests are answered
 * one at a time, in order. An HTTP/1.1 request without {@code Host}, or one the codec could not decode, gets 400
 * (414 and 431 for a request line or headers over the codec's limits) and the connection is closed after it.
 *
 * <h2>What is refused</h2>
 * No request reads outside the root. The request path is decoded once and strictly (see below) and the file is
 * opened under the root's real path with {@link RingfileOpenOption#NO_SYMLINKS} (no link on any component, checked
 * in one step with the open) and {@link RingfileOpenOption#REGULAR_FILE_ONLY}; the response (type check, size,
 * ETag, Last-Modified) is made from the open file's own attributes (those its open read,
 * {@link AsyncFile#attributesAtOpen()}, else {@link AsyncFile#readAttributes()}), not from a separate look-up of its
 * name:
 * <ul>
 *   <li>403: a target that is not a plain path: {@code .} or {@code ..} segments (also percent-encoded), an empty
 *       segment ({@code //}), an encoded {@code /} or {@code \} or a raw {@code \}, an encoded NUL or control
 *       character, a malformed percent-escape, bytes that are not strict UTF-8 (overlong forms included), raw bytes
 *       outside visible ASCII, a first segment like a drive ({@code C:}), more than 32 segments, or a target that is
 *       neither a path nor an absolute URL. Percent-decoding happens once: {@code %252e} is a file named
 *       {@code %2e}.</li>
 *   <li>404: a name that does not exist; a symbolic link anywhere on the path, whether it points inside the root or
 *       out of it (links are never followed); a directory (never listed); a device, FIFO or socket (refused by
 *       the open, which never waits for a FIFO's other side; a device node is opened without waiting and closed at
 *       once, never read, as nginx does; an untrusted party cannot make device nodes, which need
 *       {@code CAP_MKNOD}).</li>
 *   <li>403 for a file the process may not read.</li>
 * </ul>
 * The root itself is resolved to its real path once, when the {@link StaticFiles} is built.
 *
 * <p>Someone who can rename directories inside the root while it is served cannot lead a request out of it by
 * swapping a directory for a link: the open refuses a link on any component in the same step as it opens
 * ({@code openat2} with {@code RESOLVE_NO_SYMLINKS} on io_uring; on NIO a walk that opens each directory relative to
 * the one before it without following links), and whatever it opens is what is checked and served. Residual risk:
 * on the NIO backend the open's type check and the attributes are read by name (the JDK has no fstat), so a FIFO put
 * in a checked file's place can still make that request wait on one pool thread (the loop does not). A hard link to
 * an outside file, made inside the root by someone who can, is served like any file; so is a file under a mount
 * point inside the root. Serve trees that untrusted parties cannot write to.
 *
 * <h2>Bodies and failures</h2>
 * A body is read into pooled direct buffers ({@code ctx.alloc()}) with {@link AsyncFile#read(ByteBuf, long)} and
 * each buffer is written to the channel as its read completes, in order; reads are issued only while the channel is
 * writable (at most {@link StaticFiles.Builder#readsInFlight(int)} at once), and resume when it becomes writable
 * again, so a slow client holds at most that many buffers beyond the channel's high-water mark. The headers are sent
 * with the first piece of the body, so a file that fails on its first read gets 500; one that fails later (an I/O
 * error, or a file shorter than its size said) has the connection closed mid-body.
 *
 * <p>Zero copy: on an io_uring engine and a channel of Netty's io_uring transport whose pipeline cannot change the
 * bytes, and by default only to a peer on another machine (see {@link StaticFiles.Builder#zeroCopy}), a body longer
 * than one chunk is sent as its first piece (read as above, with the headers) and then, once those are on the
 * socket, the rest with {@link AsyncFile#sendTo} in segments of 8 MiB: the kernel splices file to pipe to socket,
 * the bytes never enter Java memory, and a slow client only makes the splice wait for its socket (nothing is
 * buffered toward it). Nothing else is written to the channel while a segment is in flight; between two segments
 * the handler writes an empty piece, which an idle timeout counts as activity. Where {@code sendTo} refuses before
 * sending anything ({@code UnsupportedOperationException}: before JDK 22, or without native access for the engine),
 * the rest is read into buffers as above. The file is
 * closed once its last read completes, or when the connection closes. An exception in the pipeline closes the
 * connection.
 *
 * <p>The handler toggles the channel's {@code autoRead} to bound the requests waiting behind the one being answered.
 */
public final class StaticFileHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger("io.ringfile.netty.http");
    private static final OpenOption[] OPEN_OPTIONS = {StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS,
            RingfileOpenOption.NO_SYMLINKS, RingfileOpenOption.REGULAR_FILE_ONLY};
    /**
     * A file response's headers, unchecked: every value is made here (numbers, dates, the hex ETag) or is a content
     * type {@link StaticFiles.Builder#contentType} checked when it was set.
     */
    private static final HttpHeadersFactory FILE_RESPONSE_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final String ALLOW = "GET, HEAD";
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
    private static final AsciiString X_CONTENT_TYPE_OPTIONS =
            AsciiString.cached("x-content-type-options");

    private static volatile DateText date;

    private final StaticFiles files;
    private final ArrayDeque<HttpRequest> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Exchange current;
    /** The channel is closed or this handler removed: nothing more is answered. */
    private boolean gone;
    /** A response that ends the connection was sent: later requests are not answered. */
    private boolean closing;
    private boolean readingPaused;
    private boolean starting;
    /** The validators of the file this connection was last answered from (on the channel's loop only). */
    private Validators lastValidators;

    StaticFileHandler(StaticFiles files) {
        this.files = files;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        abortAll();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abortAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg); // request bodies and trailers are not used
            return;
        }
        HttpRequest request = (HttpRequest) msg;
        // Only a request the codec could not decode arrives as a full request; its content is never used.
        ReferenceCountUtil.release(msg);
        if (gone || closing) {
            return;
        }
        waiting.add(request);
        if (!readingPaused && waiting.size() >= files.maxPendingRequests()) {
            readingPaused = true;
            ctx.channel().config().setAutoRead(false);
        }
        startNext();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null && ctx.channel().isWritable()) {
            current.pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, () -> "closing " + ctx.channel() + " after " + cause, cause);
        ctx.close();
    }

    private void abortAll() {
        gone = true;
        waiting.clear();
        if (current != null) {
            Exchange e = current;
            current = null;
            e.abort();
        }
    }

    /** Starts answering the oldest waiting request, and the next ones as long as each is answered at once. */
    private void startNext() {
        if (starting) {
            return;
        }
        starting = true;
        try {
            while (current == null && !gone && !closing) {
                HttpRequest request = waiting.poll();
                if (request == null) {
                    break;
                }
                if (readingPaused && waiting.size() <= files.maxPendingRequests() / 2) {
                    readingPaused = false;
                    ctx.channel().config().setAutoRead(true);
                }
                Exchange e = new Exchange(request);
                current = e;
                e.begin();
            }
        } finally {
            starting = false;
        }
    }

    /**
     * Runs {@code task} on the channel's loop: now if this is the loop, else as a task of it. If the loop no
     * longer takes tasks (it is shutting down), {@code cleanup} runs instead, here: it may only release what the
     * completion itself handed over. A task that throws closes the connection (it would otherwise be left without
     * an answer).
     */
    private void onLoop(Runnable task, Runnable cleanup) {
        EventExecutor loop = ctx.executor();
        if (loop.inEventLoop()) {
            runGuarded(task);
            return;
        }
        try {
            loop.execute(() -> runGuarded(task));
        } catch (RejectedExecutionException e) {
            cleanup.run();
        }
    }

    private void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.WARNING, () -> "closing " + ctx.channel() + " after " + e, e);
            ctx.close();
        }
    }

    private static final Runnable NOTHING = () -> { };

    /**
     * Whether bytes written to the socket directly reach the client as the pipeline would have sent them: an
     * io_uring engine and channel, and between the socket and this handler only outbound handlers known to pass
     * a body's bytes through unchanged.
     */
    private boolean canSplice() {
        StaticFiles.ZeroCopy when = files.zeroCopy();
        if (when == StaticFiles.ZeroCopy.NEVER || files.engine().backend() != FileEngine.Backend.IO_URING
                || !(ctx.channel() instanceof IoUringSocketChannel)
                || when == StaticFiles.ZeroCopy.REMOTE_PEERS
                        && peerOnThisMachine(ctx.channel().localAddress(), ctx.channel().remoteAddress())) {
            return false;
        }
        for (Map.Entry<String, ChannelHandler> entry : ctx.pipeline()) { // from the socket's end
            ChannelHandler handler = entry.getValue();
            if (handler == this) {
                return true;
            }
            if (handler instanceof ChannelOutboundHandler && !passesBodiesThrough(handler)) {
                return false; // TLS, compression, or anything else that may change or add bytes
            }
        }
        return false;
    }

    /**
     * A loopback peer, or one that connected from the address it connected to (another program on this host);
     * false for anything that is not an IP socket's pair of addresses.
     */
    static boolean peerOnThisMachine(SocketAddress localAddress, SocketAddress remoteAddress) {
        if (!(remoteAddress instanceof InetSocketAddress) || !(localAddress instanceof InetSocketAddress)) {
            return false;
        }
        InetAddress remote = ((InetSocketAddress) remoteAddress).getAddress();
        InetAddress local = ((InetSocketAddress) localAddress).getAddress();
        return remote != null && (remote.isLoopbackAddress() || remote.equals(local));
    }

    private static boolean passesBodiesThrough(ChannelHandler handler) {
        Class<?> type = handler.getClass();
        return type == HttpServerCodec.class || type == HttpResponseEncoder.class || type == IdleStateHandler.class
                || handler instanceof PassesBodiesThrough;
    }

    /** An outbound handler of this package (or its tests) that passes every write through unchanged. */
    interface PassesBodiesThrough {
    }

    /** Bytes of a body spliced by one {@link AsyncFile#sendTo} call; between two, the pipeline sees a write. */
    static final long SPLICE_SEGMENT = 8L << 20;

    /** One request and its response. */
    private final class Exchange {
        private final HttpRequest request;
        private boolean keepAlive;
        private boolean aborted;
        private Path path;
        private String fileName;
        // the body
        private HttpResponse head;
        private AsyncFile file;
        private boolean fileClosed;
        private long next;
        private long end;
        private final ArrayDeque<Chunk> chunks = new ArrayDeque<>(4);
        private int reading;
        private boolean headSent;
        private boolean bodyDone;
        private boolean pumping;
        private boolean pumpAgain;
        /** The body after its first piece goes out by {@link AsyncFile#sendTo}, not through buffers. */
        private boolean splice;
        /** The first piece is written: the rest is being spliced (nothing else is written meanwhile). */
        private boolean splicing;
        private long bodyStart;

        Exchange(HttpRequest request) {
            this.request = request;
        }

        void begin() {
            keepAlive = HttpUtil.isKeepAlive(request);
            if (request.decoderResult().isFailure()) {
                Throwable cause = request.decoderResult().cause();
                HttpResponseStatus status = cause instanceof TooLongHttpLineException
                        ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : cause instanceof TooLongHttpHeaderException
                        ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                        : HttpResponseStatus.BAD_REQUEST;
                keepAlive = false;
                respondError(status);
                return;
            }
            HttpMethod method = request.method();
            boolean head = HttpMethod.HEAD.equals(method);
            if (!head && !HttpMethod.GET.equals(method)) {
                // A body the client may still be sending (or waiting to send, with Expect) is not read: close after.
                if (HttpUtil.isContentLengthSet(request) || HttpUtil.isTransferEncodingChunked(request)) {
                    keepAlive = false;
                }
                FullHttpResponse response = errorResponse(HttpResponseStatus.METHOD_NOT_ALLOWED);
                response.headers().set(HttpHeaderNames.ALLOW, ALLOW);
                respond(response);
                return;
            }
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                    && !request.headers().contains(HttpHeaderNames.HOST)) {
                keepAlive = false;
                respondError(HttpResponseStatus.BAD_REQUEST);
                return;
            }
            RequestPath target = RequestPath.parse(request.uri());
            if (target.refused()) {
                LOG.log(System.Logger.Level.DEBUG, () -> "403 for " + request.uri() + ": " + target.refusal);
                respondError(HttpResponseStatus.FORBIDDEN);
                return;
            }
            if (target.directory || target.names.length == 0) {
                respondError(HttpResponseStatus.NOT_FOUND); // directories are not listed
                return;
            }
            String[] names = target.names;
            Path p;
            try {
                p = files.resolve(names);
            } catch (InvalidPathException e) {
                p = null;
            }
            if (p == null) {
                respondError(HttpResponseStatus.FORBIDDEN);
                return;
            }
            path = p;
            fileName = names[names.length - 1];
            openFile();
        }

        /**
         * Opens the file (a regular file only, through no link on any component, never waiting for a FIFO), then takes
         * the open file's own attributes (as its open read them, else read from it): what the response says is what the
         * open file is, whatever the name names by then.
         */
        private void openFile() {
            CompletableFuture<AsyncFile> opening;
            try {
                opening = files.engine().open(path, OPEN_OPTIONS);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            opening.whenComplete((f, error) -> onLoop(() -> opened(f, error), () -> {
                if (f != null) {
                    f.closeAsync();
                }
            }));
        }

        private void opened(AsyncFile f, Throwable error) {
            if (aborted) {
                if (f != null) {
                    f.closeAsync();
                }
                return;
            }
            if (error != null) {
                fail(error);
                return;
            }
            file = f;
            java.util.Optional<BasicFileAttributes> atOpen = f.attributesAtOpen();
            if (atOpen.isPresent()) { // what the open itself read of the file: no further call
                attributesRead(atOpen.get(), null);
                return;
            }
            CompletableFuture<BasicFileAttributes> reading;
            try {
                reading = f.readAttributes();
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            reading.whenComplete((attributes, e) -> onLoop(() -> attributesRead(attributes, e), NOTHING));
        }

        private void attributesRead(BasicFileAttributes attributes, Throwable error) {
            if (aborted) {
                return; // the abort closed the file
            }
            if (error != null) {
                fail(error);
                return;
            }
            if (!attributes.isRegularFile()) { // the NIO backend reads them by name: something replaced the file
                stopBody();
                respondError(HttpResponseStatus.NOT_FOUND);
                return;
            }
            decide(attributes);
        }

        /** Conditional requests and ranges, then the response: headers only, or a body read from the file. */
        private void decide(BasicFileAttributes attributes) {
            long size = attributes.size();
            long modifiedMillis = attributes.lastModifiedTime().toMillis();
            Validators validators = validators(attributes);
            String etag = validators.etag;
            AsciiString lastModified = validators.lastModified;
            HttpHeaders in = request.headers();
            boolean get = HttpMethod.GET.equals(request.method());

            String ifNoneMatch = in.get(HttpHeaderNames.IF_NONE_MATCH);
            boolean notModified;
            if (ifNoneMatch != null) {
                notModified = ETags.matchesWeakly(ifNoneMatch, etag);
            } else {
                Date since = parseDate(in.get(HttpHeaderNames.IF_MODIFIED_SINCE));
                notModified = since != null && modifiedMillis / 1000 <= since.getTime() / 1000;
            }
            if (notModified) {
                closeFile();
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
                response.headers().set(HttpHeaderNames.ETAG, validators.etagValue)
                        .set(HttpHeaderNames.LAST_MODIFIED, lastModified);
                respond(response);
                return;
            }

            ByteRange range = ByteRange.WHOLE;
            String rangeHeader = get ? in.get(HttpHeaderNames.RANGE) : null; // only GET has ranges (RFC 9110 14.2)
            if (rangeHeader != null) {
                String ifRange = in.get(HttpHeaderNames.IF_RANGE);
                if (ifRange == null || ETags.ifRangeMatches(ifRange, etag, modifiedMillis)) {
                    range = ByteRange.parse(rangeHeader, size);
                }
            }
            if (range == ByteRange.UNSATISFIABLE) {
                closeFile();
                FullHttpResponse response = errorResponse(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
                respond(response);
                return;
            }
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                    range.partial() ? HttpResponseStatus.PARTIAL_CONTENT : HttpResponseStatus.OK,
                    FILE_RESPONSE_HEADERS);
            long first = range.partial() ? range.first : 0;
            long length = range.partial() ? range.length() : size;
            HttpHeaders out = response.headers();
            out.set(HttpHeaderNames.CONTENT_LENGTH, range.partial() ? AsciiString.of(Long.toString(length))
                            : validators.sizeValue)
                    .set(HttpHeaderNames.CONTENT_TYPE, files.contentType(fileName))
                    .set(HttpHeaderNames.LAST_MODIFIED, lastModified)
                    .set(HttpHeaderNames.ETAG, validators.etagValue)
                    .set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
            if (range.partial()) {
                out.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + range.first + "-" + range.last + "/" + size);
            }
            standardHeaders(response);
            if (!get || length == 0) {
                closeFile();
                ctx.write(response, ctx.voidPromise());
                finish();
                return;
            }
            head = response;
            next = first;
            end = first + length;
            bodyStart = next;
            splice = end - next > files.chunkSize() && canSplice();
            pump();
        }

        // ---------------------------------------------------------------- the rest of a body, spliced

        /** The headers and the first piece are on the socket (or failed): splice the next segment. */
        private void readyToSplice(ChannelFuture written) {
            if (aborted || bodyDone) {
                return;
            }
            if (!written.isSuccess()) {
                failBody(written.cause());
                return;
            }
            long count = Math.min(SPLICE_SEGMENT, end - next);
            CompletableFuture<Long> sending;
            try {
                sending = file.sendTo(ctx.channel(), next, count);
            } catch (RuntimeException e) {
                spliced(count, null, e);
                return;
            }
            sending.whenComplete((n, error) -> onLoop(() -> spliced(count, n, error), NOTHING));
        }

        private void spliced(long count, Long n, Throwable error) {
            if (aborted || bodyDone) {
                return;
            }
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof UnsupportedOperationException) {
                    // Refused before sending anything: the rest goes through buffers.
                    LOG.log(System.Logger.Level.DEBUG, () -> "no splice to " + ctx.channel() + ": " + cause);
                    splice = false;
                    splicing = false;
                    pump();
                    return;
                }
                failBody(cause);
                return;
            }
            next += n;
            if (n < count) {
                failBody(new EOFException(path + " ended before the size it had when it was opened"));
                return;
            }
            if (next >= end) {
                bodyDone = true;
                closeFile();
                finish();
                return;
            }
            // An empty piece between segments: activity an idle timeout sees, with nothing of ours in flight.
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.EMPTY_BUFFER)).addListener(
                    (ChannelFutureListener) this::readyToSplice);
        }

        // ---------------------------------------------------------------- the body: the one place that sends it

        /**
         * Writes the pieces whose reads are done, in order, then issues reads while the channel is writable. Called
         * once the response is decided to have a body, when a read completes and when the channel becomes writable
         * again; before the body is decided (the file being opened or its attributes read) it does nothing.
         */
        void pump() {
            if (head == null || bodyDone || aborted) {
                return; // no body yet: a writability change must not end a response that has not begun
            }
            if (pumping) {
                pumpAgain = true; // a future that completed at once, inside read(): loop here instead of recursing
                return;
            }
            pumping = true;
            try {
                do {
                    pumpAgain = false;
                    writeReadPieces();
                    if (bodyDone || aborted || splicing) {
                        return;
                    }
                    issueReads();
                } while (pumpAgain);
            } finally {
                pumping = false;
            }
        }

        private void writeReadPieces() {
            boolean wrote = false;
            while (!chunks.isEmpty() && chunks.peekFirst().done) {
                if (!headSent) {
                    headSent = true;
                    ctx.write(head, ctx.voidPromise());
                }
                Chunk chunk = chunks.pollFirst();
                if (splice) {
                    // The only piece read: once it and the headers are on the socket, the rest is spliced.
                    splicing = true;
                    ctx.writeAndFlush(chunk.buf).addListener((ChannelFutureListener) this::readyToSplice);
                    return;
                }
                if (next >= end && chunks.isEmpty()) { // the body's last piece: it ends the response too
                    bodyDone = true;
                    closeFile();
                    ended(ctx.writeAndFlush(new DefaultLastHttpContent(chunk.buf, EmptyHttpHeaders.INSTANCE)));
                    return;
                }
                ctx.write(chunk.buf, ctx.voidPromise()); // the channel owns the buffer now
                wrote = true;
            }
            if (next >= end && chunks.isEmpty()) {
                bodyDone = true;
                closeFile();
                finish();
            } else if (wrote) {
                ctx.flush();
            }
        }

        private void issueReads() {
            int limit = files.readsInFlight();
            // Pieces held (in flight, or read and not yet written), not reads in flight: a read that completes at
            // once (cached data, read on the loop) is written only after this loop returns, so counting reads in
            // flight would let it read the whole body into buffers while the channel still looks writable.
            while (chunks.size() < limit && next < end && ctx.channel().isWritable()
                    && !(splice && next > bodyStart)) {
                int length = (int) Math.min(files.chunkSize(), end - next);
                Chunk chunk = new Chunk(next, ctx.alloc().directBuffer(length, length));
                next += length;
                chunks.addLast(chunk);
                read(chunk);
                if (bodyDone || aborted) {
                    return;
                }
            }
            if (next >= end && reading == 0) {
                closeFile();
            }
        }

        private void read(Chunk chunk) {
            CompletableFuture<Integer> future;
            chunk.inFlight = true;
            reading++;
            try {
                future = file.read(chunk.buf, chunk.position + chunk.buf.writerIndex());
            } catch (RuntimeException e) {
                readDone(chunk, null, e);
                return;
            }
            future.whenComplete((n, error) -> onLoop(() -> readDone(chunk, n, error), chunk.buf::release));
        }

        private void readDone(Chunk chunk, Integer n, Throwable error) {
            chunk.inFlight = false;
            reading--;
            if (aborted || bodyDone) {
                chunk.buf.release();
                return;
            }
            if (error != null) {
                failBody(error);
                return;
            }
            if (n < 0) {
                failBody(new EOFException(path + " ended before the size it had when it was opened"));
                return;
            }
            if (chunk.buf.isWritable()) {
                read(chunk); // a short read: the rest of this piece, before any later piece is written
            } else {
                chunk.done = true;
            }
            pump();
        }

        private void failBody(Throwable error) {
            if (!headSent) {
                fail(error); // nothing sent yet: a 500 (or a 404 if the file went away)
                return;
            }
            LOG.log(System.Logger.Level.WARNING, () -> "closing the connection mid-body: " + describe(error));
            closing = true;
            abort();
            ctx.close();
        }

        private void closeFile() {
            if (file != null && !fileClosed) {
                fileClosed = true;
                file.closeAsync().whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.log(System.Logger.Level.DEBUG, () -> "closing " + path + ": " + e);
                    }
                });
            }
        }

        /** The connection is gone: releases what the response holds; nothing more is sent. */
        void abort() {
            aborted = true;
            stopBody();
        }

        /**
         * Ends the body for good: releases the pieces read but not written and closes the file; reads still in
         * flight release their buffers when they complete.
         */
        private void stopBody() {
            bodyDone = true;
            for (Chunk chunk : chunks) {
                if (!chunk.inFlight) {
                    chunk.buf.release();
                }
            }
            chunks.clear();
            closeFile();
        }

        // ---------------------------------------------------------------- ending the response

        /** The request failed before its headers were sent: 404/403 for what the file system says, else 500. */
        private void fail(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            HttpResponseStatus status = statusOf(cause);
            if (status == HttpResponseStatus.INTERNAL_SERVER_ERROR) {
                LOG.log(System.Logger.Level.WARNING, () -> "500 for " + request.uri() + ": " + describe(cause));
            }
            stopBody();
            respondError(status);
        }

        private void respondError(HttpResponseStatus status) {
            respond(errorResponse(status));
        }

        private FullHttpResponse errorResponse(HttpResponseStatus status) {
            boolean head = HttpMethod.HEAD.equals(request.method());
            byte[] text = (status.code() + " " + status.reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(text));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii")
                    .set(HttpHeaderNames.CONTENT_LENGTH, text.length);
            return response;
        }

        /** Sends a whole response (it is its own last content) and moves on. */
        private void respond(FullHttpResponse response) {
            standardHeaders(response);
            ended(ctx.writeAndFlush(response));
        }

        private void standardHeaders(HttpResponse response) {
            HttpHeaders out = response.headers();
            out.set(HttpHeaderNames.DATE, now()).set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
            if (!keepAlive) {
                out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (!request.protocolVersion().isKeepAliveDefault()) {
                out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }

        /** Ends a response whose headers and body are written, and moves on. */
        private void finish() {
            ended(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        }

        /** The response's last write is {@code written}: on to the next request, or close once it is sent. */
        private void ended(ChannelFuture written) {
            if (!keepAlive) {
                closing = true;
                written.addListener(ChannelFutureListener.CLOSE);
            }
            if (current == this) {
                current = null;
                startNext();
            }
        }
    }

    /** One piece of a body: read from {@code position} into {@code buf}, then written to the channel. */
    private static final class Chunk {
        final long position;
        final ByteBuf buf;
        boolean inFlight;
        boolean done;

        Chunk(long position, ByteBuf buf) {
            this.position = position;
            this.buf = buf;
        }
    }

    private static HttpResponseStatus statusOf(Throwable cause) {
        if (cause instanceof NoSuchFileException || cause instanceof NotDirectoryException) {
            return HttpResponseStatus.NOT_FOUND;
        }
        if (cause instanceof AccessDeniedException) {
            return HttpResponseStatus.FORBIDDEN;
        }
        if (cause instanceof FileSystemException) {
            String reason = ((FileSystemException) cause).getReason();
            if (reason != null && (reason.startsWith("Not a directory")
                    || reason.startsWith("Too many levels of symbolic links") // O_NOFOLLOW met a link
                    || reason.startsWith("Not a regular file") // REGULAR_FILE_ONLY: a directory, FIFO, device
                    || reason.startsWith("File name too long"))) {
                return HttpResponseStatus.NOT_FOUND;
            }
        }
        return HttpResponseStatus.INTERNAL_SERVER_ERROR;
    }

    private static String describe(Throwable t) {
        return t.getClass().getName() + ": " + t.getMessage();
    }

    private static Date parseDate(String text) {
        return text == null ? null : DateFormatter.parseHttpDate(text);
    }

    /**
     * The strong validator: size, modification time in nanoseconds and inode number, in hex. It changes with every
     * change the file system records; two versions of a file with equal size written within one tick of the file
     * system's clock (and so equal times) would share it, as they would with any server that derives it from
     * metadata.
     */
    /**
     * The ETag and Last-Modified text for {@code attributes}: those of the connection's last file when its size,
     * time and key are the same (a keep-alive connection often asks for one file again), else made anew.
     */
    private Validators validators(BasicFileAttributes attributes) {
        long size = attributes.size();
        FileTime modified = attributes.lastModifiedTime();
        long modifiedNanos = modified.to(TimeUnit.NANOSECONDS);
        Object key = attributes.fileKey();
        Validators v = lastValidators;
        if (v == null || v.size != size || v.modifiedNanos != modifiedNanos || !Objects.equals(v.key, key)) {
            v = new Validators(size, modifiedNanos, key, etag(attributes),
                    DateFormatter.format(new Date(modified.toMillis())));
            lastValidators = v;
        }
        return v;
    }

    /** A file's validators, with the header values as {@code AsciiString}s (Netty's encoder copies those at once). */
    private static final class Validators {
        final long size;
        final long modifiedNanos;
        final Object key;
        final String etag;
        final AsciiString etagValue;
        final AsciiString lastModified;
        final AsciiString sizeValue;

        Validators(long size, long modifiedNanos, Object key, String etag, String lastModified) {
            this.size = size;
            this.modifiedNanos = modifiedNanos;
            this.key = key;
            this.etag = etag;
            this.etagValue = AsciiString.of(etag);
            this.lastModified = AsciiString.of(lastModified);
            this.sizeValue = AsciiString.of(Long.toString(size));
        }
    }

    static String etag(BasicFileAttributes attributes) {
        StringBuilder tag = new StringBuilder(48).append('"')
                .append(Long.toHexString(attributes.size())).append('-')
                .append(Long.toHexString(attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        Object key = attributes.fileKey();
        if (key != null) {
            // Both backends describe a key as the JDK does: (dev=HEX,ino=DECIMAL).
            String text = key.toString();
            int ino = text.indexOf("ino=");
            if (ino >= 0) {
                int from = ino + 4;
                int to = from;
                while (to < text.length() && Character.isDigit(text.charAt(to))) {
                    to++;
                }
                if (to > from) {
                    tag.append('-').append(Long.toHexString(Long.parseLong(text.substring(from, to))));
                }
            }
        }
        return tag.append('"').toString();
    }

    /** The {@code Date} header's text, made at most once a second. */
    private static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        DateText d = date;
        if (d == null || d.second != second) {
            d = new DateText(second, AsciiString.of(DateFormatter.format(new Date(second * 1000))));
            date = d;
        }
        return d.text;
    }

    private static final class DateText {
        final long second;
        final AsciiString text;

        DateText(long second, AsciiString text) {
            this.second = second;
            this.text = text;
        }
    }
}
