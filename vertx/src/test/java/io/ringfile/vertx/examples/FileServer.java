package io.ringfile.vertx.examples;

import io.ringfile.vertx.RingfileFileSystem;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.transport.Transport;

import java.nio.file.Path;

/**
 * A Vert.x HTTP server that serves the files of one directory, for trying and benchmarking the module: each request
 * {@code GET /name} opens {@code dir/name} and pipes it to the response through the chosen file system's
 * {@code AsyncFile}, or reads it whole ({@code readFile}) when asked.
 *
 * <pre>
 * java ... io.ringfile.vertx.examples.FileServer DIR [PORT] [ringfile|vertx] [io_uring|epoll|nio] [pipe|readFile]
 * </pre>
 * Defaults: port 8080, ringfile, io_uring, pipe. Runs until the process is stopped.
 */
public final class FileServer {
    private FileServer() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: FileServer DIR [PORT] [ringfile|vertx] [io_uring|epoll|nio] [pipe|readFile]");
            System.exit(2);
        }
        Path root = Path.of(args[0]).toAbsolutePath();
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
        boolean ringfile = args.length <= 2 || args[2].equals("ringfile");
        String transportName = args.length > 3 ? args[3] : "io_uring";
        boolean pipe = args.length <= 4 || args[4].equals("pipe");
        Transport transport = transportName.equals("io_uring") ? Transport.IO_URING
                : transportName.equals("epoll") ? Transport.EPOLL : Transport.NIO;
        if (transport == null || !transport.available()) {
            throw new IllegalStateException("transport " + transportName + " cannot run here"
                    + (transport == null ? "" : ": " + transport.unavailabilityCause()));
        }
        Vertx vertx = Vertx.builder().with(new VertxOptions()).withTransport(transport).build();
        FileSystem fs = ringfile ? RingfileFileSystem.create(vertx) : vertx.fileSystem();
        OpenOptions readOnly = new OpenOptions().setRead(true).setWrite(false).setCreate(false);
        vertx.createHttpServer().requestHandler(request -> {
            HttpServerResponse response = request.response();
            String name = request.path().substring(1);
            Path file = root.resolve(name).normalize();
            if (name.isEmpty() || !file.startsWith(root)) {
                response.setStatusCode(404).end();
                return;
            }
            if (!pipe) {
                fs.readFile(file.toString()).onSuccess(response::end)
                        .onFailure(e -> response.setStatusCode(404).end());
                return;
            }
            fs.open(file.toString(), readOnly).onSuccess(asyncFile -> asyncFile.size().onSuccess(size -> {
                response.putHeader("Content-Length", Long.toString(size));
                asyncFile.setReadBufferSize(64 * 1024);
                asyncFile.pipeTo(response).onComplete(done -> asyncFile.close());
            }).onFailure(e -> {
                asyncFile.close();
                response.setStatusCode(500).end();
            })).onFailure(e -> response.setStatusCode(404).end());
        }).listen(port).onSuccess(server -> System.out.println("serving " + root + " on port " + server.actualPort()
                + " with " + (ringfile ? "Ringfile" : "Vert.x's file system") + " on " + transportName + ", "
                + (pipe ? "AsyncFile.pipeTo" : "readFile")
                + (ringfile ? " (engine: " + ((RingfileFileSystem) fs).engine().fallbackReason()
                        .map(r -> "not shared: " + r).orElse("shares the event loops") + ")" : "")));
    }
}
