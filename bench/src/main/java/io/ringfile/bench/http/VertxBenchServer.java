package io.ringfile.bench.http;

import io.ringfile.vertx.RingfileFileSystem;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.transport.Transport;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The Vert.x server of the HTTP benchmark ({@code bench/http-bench.sh}): one Vert.x 5 HTTP server serving the files
 * of a directory through Vert.x's own file system or through {@link RingfileFileSystem}, on Vert.x's io_uring or
 * epoll transport, one combination per run:
 * <ul>
 *   <li>{@code vertx-uring}, {@code vertx-epoll}: {@code vertx.fileSystem()} (every file step a blocking action on
 *       Vert.x's worker pool);</li>
 *   <li>{@code ringfile-uring}: {@code RingfileFileSystem.create(vertx)}, its engine sharing Vert.x's io_uring event
 *       loops (file steps complete on the request's own loop);</li>
 *   <li>{@code ringfile-epoll}: the same on the epoll transport, where the engine runs rings of its own and hands each
 *       result to the request's context.</li>
 * </ul>
 * {@code GET /r/NAME} answers with {@code readFile} (the whole file in one buffer, as Vert.x users serve small files);
 * {@code GET /p/NAME} opens the file and {@code pipeTo}s the response (as they stream large ones). Plain names under
 * the root only: a benchmark, not a server to expose. Usage: {@code VertxBenchServer MODE ROOT PORT LOOPS}; prints
 * {@code ready} once it listens and runs until killed.
 */
public final class VertxBenchServer {
    private VertxBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: VertxBenchServer vertx-uring|vertx-epoll|ringfile-uring|ringfile-epoll"
                    + " ROOT PORT LOOPS");
            System.exit(2);
        }
        String mode = args[0];
        Path root = Path.of(args[1]).toRealPath();
        int port = Integer.parseInt(args[2]);
        int loops = Integer.parseInt(args[3]);
        boolean ringfile;
        Transport transport;
        switch (mode) {
            case "vertx-uring": ringfile = false; transport = Transport.IO_URING; break;
            case "vertx-epoll": ringfile = false; transport = Transport.EPOLL; break;
            case "ringfile-uring": ringfile = true; transport = Transport.IO_URING; break;
            case "ringfile-epoll": ringfile = true; transport = Transport.EPOLL; break;
            default: throw new IllegalArgumentException("unknown mode " + mode);
        }
        if (!transport.available()) {
            throw new IllegalStateException(transport.name() + " cannot run here: " + transport.unavailabilityCause());
        }
        Vertx vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(loops)).withTransport(transport)
                .build();
        FileSystem fs = ringfile ? RingfileFileSystem.create(vertx) : vertx.fileSystem();
        OpenOptions readOnly = new OpenOptions().setRead(true).setWrite(false).setCreate(false);
        HttpServer server = vertx.createHttpServer().requestHandler(request -> serve(request, root, fs, readOnly))
                .listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("ready " + mode + " on 127.0.0.1:" + server.actualPort() + " (" + transport.name()
                + (ringfile ? ", Ringfile backend " + ((RingfileFileSystem) fs).engine().backend()
                        + ((RingfileFileSystem) fs).engine().fallbackReason().map(r -> ": " + r)
                                .orElse(", sharing the event loops") : "")
                + ")");
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS)
                    .whenComplete((v, e) -> stopped.countDown());
            try {
                stopped.await(6, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        stopped.await();
    }

    private static void serve(HttpServerRequest request, Path root, FileSystem fs, OpenOptions readOnly) {
        HttpServerResponse response = request.response();
        String path = request.path();
        boolean pipe = path.startsWith("/p/");
        String name = path.length() > 3 ? path.substring(3) : "";
        if (!(pipe || path.startsWith("/r/")) || name.isEmpty() || name.contains("..") || name.contains("\\")) {
            response.setStatusCode(404).end();
            return;
        }
        String file = root.resolve(name).toString();
        if (!pipe) {
            fs.readFile(file).onSuccess(response::end).onFailure(e -> response.setStatusCode(404).end());
            return;
        }
        fs.open(file, readOnly).onSuccess(asyncFile -> asyncFile.size().onSuccess(size -> {
            response.putHeader("Content-Length", Long.toString(size));
            asyncFile.setReadBufferSize(64 * 1024);
            asyncFile.pipeTo(response).onComplete(done -> asyncFile.close());
        }).onFailure(e -> {
            asyncFile.close();
            response.setStatusCode(500).end();
        })).onFailure(e -> response.setStatusCode(404).end());
    }
}
