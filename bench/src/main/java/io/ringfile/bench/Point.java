package io.ringfile.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One point of the short report, alone in its JVM, so that tools around it ({@code perf stat}, {@code strace -c})
 * count only that workload:
 *
 * <pre>
 * Point ENGINE seqread|randread|seqwrite|randwrite|append HOT|DIRECT BLOCK_BYTES QUEUE_DEPTH
 *     [CALLBACKS|PLATFORM_THREADS|VIRTUAL_THREADS]
 *     [rings N] [seconds 3] [warmup 0.5] [size 256m] [dir /tmp]
 * </pre>
 *
 * For example {@code perf stat -e context-switches java -cp bench/target/benchmarks.jar io.ringfile.bench.Point
 * RINGFILE_IO_URING randread HOT 4096 128 rings 2}. Prints throughput, latency percentiles, process CPU and bytes
 * allocated per operation; the files are generated in a temporary directory (as the report's, see
 * {@link Report.WorkFiles}) and deleted at the end.
 */
public final class Point {
    private Point() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: Point ENGINE seqread|randread|seqwrite|randwrite|append HOT|DIRECT BLOCK_BYTES "
                    + "QUEUE_DEPTH [DRIVER] "
                    + "[rings N] [seconds S] [warmup S] [size 256m] [dir /tmp]");
            System.exit(2);
        }
        Engine engine = Engine.valueOf(args[0]);
        String workload = args[1];
        Cache cache = Cache.valueOf(args[2]);
        int blockSize = Integer.parseInt(args[3]);
        int queueDepth = Integer.parseInt(args[4]);
        int next = 5;
        Load.Driver driver = Load.Driver.CALLBACKS;
        if (args.length > next && !Character.isLowerCase(args[next].charAt(0))) {
            driver = Load.Driver.valueOf(args[next++]);
        }
        int rings = 0;
        double seconds = 3;
        double warmup = 0.5;
        long size = 256L << 20;
        Path parent = Path.of("/tmp");
        for (; next + 1 < args.length; next += 2) {
            String value = args[next + 1];
            switch (args[next]) {
                case "rings": rings = Integer.parseInt(value); break;
                case "seconds": seconds = Double.parseDouble(value); break;
                case "warmup": warmup = Double.parseDouble(value); break;
                case "size": size = TestFiles.parseSize(value); break;
                case "dir": parent = Path.of(value); break;
                default: throw new IllegalArgumentException("unknown option " + args[next]);
            }
        }
        Path dir = Files.createTempDirectory(parent, "ringfile-point");
        try {
            Report.WorkFiles files = new Report.WorkFiles(dir, size);
            files.create();
            Path data = files.prepare(workload);
            Load.Spec spec = Report.spec(workload, blockSize, cache, files.size(workload), driver, queueDepth);
            boolean direct = cache == Cache.DIRECT;
            try (EngineRuntime runtime = rings > 0 ? EngineRuntime.withRings(engine, rings)
                    : EngineRuntime.start(engine)) {
                Cell c = Report.runCell(runtime, engine.label(), data,
                        workload.endsWith("read") ? Options.read(direct) : Options.readWrite(direct), spec,
                        workload, cache, warmup, seconds);
                System.out.printf(Locale.ROOT, "%s %s %s bs=%d qd=%d %s%s: %.0f ops/s, %.2f GiB/s, p50 %.1f us, "
                                + "p99 %.1f us, %.2f CPU us/op, %.0f B/op, %d ops%n", engine, workload, cache, blockSize, queueDepth,
                        driver, rings > 0 ? " rings=" + rings : "", c.opsPerSec, c.gibPerSec, c.p50us, c.p99us,
                        c.cpuUsPerOp, c.allocBytesPerOp, c.ops);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
