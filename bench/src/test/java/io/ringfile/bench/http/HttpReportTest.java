package io.ringfile.bench.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading wrk's output, from outputs captured by running wrk 4 against HttpBenchServer (test resources). */
class HttpReportTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = HttpReportTest.class.getResourceAsStream("/io/ringfile/bench/http/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void cachedFile() throws IOException {
        // wrk --latency -t 2 -c 16 -d 2s --timeout 10s http://127.0.0.1:18391/small-4k.bin (ringfile-shared)
        HttpReport.Wrk w = HttpReport.parse(resource("wrk-small-4k.txt"));
        assertEquals(3377.48, w.requestsPerSec, 1e-9);
        assertEquals(14.02 * (1 << 20), w.bytesPerSec, 1e-6);
        assertEquals(312.01, w.p99Ms, 1e-9);
        assertEquals(6792L, w.requests);
        assertEquals(0, w.errors);
        assertEquals(0, w.timeouts);
        assertNull(w.fuseReads);
    }

    @Test
    void missingFileCountsNon2xxAsErrors() throws IOException {
        // wrk --latency -t 1 -c 4 -d 1s http://127.0.0.1:18391/missing.bin: every response a 404
        HttpReport.Wrk w = HttpReport.parse(resource("wrk-missing.txt"));
        assertEquals(7597, w.errors);
        assertEquals(7597L, w.requests);
        assertEquals(0.40700, HttpReport.parse("     99%  407.00us\n  1 requests in 1s\n").p99Ms, 1e-9);
        assertEquals(12.78, w.p99Ms, 1e-9);
    }

    @Test
    void socketErrorsTimeoutsAndNothingCompleted() {
        String text = "  0 requests in 10.00s, 0.00B read\n  Socket errors: connect 1, read 2, write 3, timeout 7\n"
                + "     99%    0.00us\nRequests/sec:      0.00\nTransfer/sec:       0.00B\nfuse_reads 12\n";
        HttpReport.Wrk w = HttpReport.parse(text);
        assertEquals(6, w.errors);
        assertEquals(7, w.timeouts);
        assertNull(w.p99Ms, "no latency when nothing completed");
        assertEquals(12L, w.fuseReads);
        assertNull(w.cpuMicrosPerRequest(), "no CPU line, no CPU per request");
    }

    @Test
    void serverCpuPerRequest() throws IOException {
        HttpReport.Wrk w = HttpReport.parse(resource("wrk-small-4k.txt") + "server_cpu_us 3396000\n");
        assertEquals(3396000L, w.serverCpuMicros);
        assertEquals(500.0, w.cpuMicrosPerRequest(), 1e-9); // 6,792 requests
    }

    @Test
    void nettyReportFromRawOutputs(@TempDir Path raw) throws IOException {
        String small = resource("wrk-small-4k.txt");
        Files.writeString(raw.resolve("epoll-region.small-4k.txt"), small + "server_cpu_us 6792000\n");
        Files.writeString(raw.resolve("ringfile-shared.small-4k.txt"), small + "server_cpu_us 3396000\n");
        HttpReport.Args a = new HttpReport.Args(Map.of("raw", raw.toString(), "out", raw.resolve("r.md").toString(),
                "command", "bench/http-bench.sh", "modes", "epoll-region ringfile-shared", "duration", "2",
                "slow-ms", "20", "loops", "2", "slow-skipped", "needs root"));
        List<String> lines = HttpReport.netty(a);
        assertTrue(lines.contains("| ringfile-shared | 3377 | 312.01 | 0 | 0 | 1.00 | 1.00 | 500.0 | 0.50 |"),
                String.join("\n", lines));
        assertTrue(lines.contains("| 1 (4 KiB) requests/s | 1.00 | >= 1.0 | PASS |"), String.join("\n", lines));
        assertTrue(lines.contains("| 1 (64 KiB) requests/s | n/a | >= 1.0 | n/a |"));
        assertTrue(lines.contains("Skipped: needs root."));
    }
}
