package io.ringfile.netty.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 client for tests: writes exactly the bytes it is given and parses responses itself, so requests a
 * well-behaved client would never send can be sent. Every read has a bound (a timeout fails the test: no hang).
 */
public final class RawHttp implements AutoCloseable {
    /** Bound on one wait for bytes from the server. */
    public static final int TIMEOUT_MILLIS = 15_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Every byte received on this connection, for "no secret byte appears" checks. */
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code address} with the default timeout. */
    public static RawHttp connect(InetSocketAddress address) throws IOException {
        return connect(address, 0);
    }

    /**
     * Connects to {@code address}; a positive {@code receiveBuffer} fixes the socket's receive buffer (so that a
     * client that stops reading stops the server's writes soon).
     */
    public static RawHttp connect(InetSocketAddress address, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.connect(address, TIMEOUT_MILLIS);
        return new RawHttp(socket);
    }

    /** Sends text as ISO-8859-1 (one byte per char, so {@code \u0000} or {@code \u00c0} are those raw bytes). */
    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** A GET of {@code target} with {@code Host}, and extra header lines ("Name: value"). */
    public static String get(String target, String... headers) {
        return request("GET", target, headers);
    }

    public static String request(String method, String target, String... headers) {
        StringBuilder s = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: test\r\n");
        for (String h : headers) {
            s.append(h).append("\r\n");
        }
        return s.append("\r\n").toString();
    }

    /** Reads one response to a GET-like request (a body as its headers say). */
    public Response read() throws IOException {
        return read(false);
    }

    /**
     * Reads one response. {@code head}: the response to a HEAD, which has no body whatever its headers say. A body
     * without Content-Length is read to the end of the stream.
     */
    public Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFOrTimeout("connection closed before a status line");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line = line(); ; line = line()) {
            if (line == null) {
                throw new EOFOrTimeout("connection closed inside the headers after " + statusLine);
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete = true;
        boolean noBody = head || status == 304 || status == 204 || status / 100 == 1;
        List<String> length = headers.get("content-length");
        if (!noBody) {
            if (length != null) {
                long n = Long.parseLong(length.get(0));
                byte[] chunk = new byte[65536];
                while (n > 0) {
                    int r = readSome(chunk, (int) Math.min(chunk.length, n));
                    if (r < 0) {
                        complete = false;
                        break;
                    }
                    body.write(chunk, 0, r);
                    n -= r;
                }
            } else {
                body.write(readToEnd());
            }
        }
        return new Response(statusLine, status, headers, body.toByteArray(), complete);
    }

    /** Everything until the server closes the connection. */
    public byte[] readToEnd() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] chunk = new byte[65536];
        for (int r; (r = readSome(chunk, chunk.length)) >= 0; ) {
            all.write(chunk, 0, r);
        }
        return all.toByteArray();
    }

    /** True if the server closed the connection (end of stream) within the timeout; fails if it sends bytes. */
    public boolean closedByServer() throws IOException {
        byte[] one = new byte[1];
        try {
            int r = readSome(one, 1);
            if (r >= 0) {
                throw new AssertionError("expected the server to close, got more bytes");
            }
            return true;
        } catch (IOException e) {
            if (e instanceof EOFOrTimeout) {
                throw e;
            }
            return true; // reset by the server counts as closed
        }
    }

    /** Bytes that have arrived from the server and not been read yet (0 when none has arrived). */
    public int available() throws IOException {
        return in.available();
    }

    /** Every byte received so far. */
    public byte[] received() {
        return received.toByteArray();
    }

    /** Reads up to {@code max} bytes; -1 at end of stream; a timeout fails. */
    public int readSome(byte[] into, int max) throws IOException {
        try {
            int r = in.read(into, 0, max);
            if (r > 0) {
                received.write(into, 0, r);
            }
            return r;
        } catch (SocketTimeoutException e) {
            throw new EOFOrTimeout("no byte from the server within " + TIMEOUT_MILLIS + " ms");
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] one = new byte[1];
        while (true) {
            int r = readSome(one, 1);
            if (r < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (one[0] == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(one[0]);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stream ended or timed out where a response was expected. */
    public static final class EOFOrTimeout extends IOException {
        private static final long serialVersionUID = 1L;

        EOFOrTimeout(String message) {
            super(message);
        }
    }

    /** One parsed response. */
    public static final class Response {
        public final String statusLine;
        public final int status;
        /** Header values by lower-case name. */
        public final Map<String, List<String>> headers;
        public final byte[] body;
        /** False when the connection ended before Content-Length bytes of body arrived. */
        public final boolean complete;

        Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body, boolean complete) {
            this.statusLine = statusLine;
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.complete = complete;
        }

        /** The header's single value, or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            if (values == null) {
                return null;
            }
            if (values.size() != 1) {
                throw new AssertionError("header " + name + " appears " + values.size() + " times: " + values);
            }
            return values.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " (" + body.length + " bytes of body" + (complete ? "" : ", cut") + ")";
        }
    }
}
