package io.ringfile.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Runs fio's io_uring engine once and reads its JSON output ({@code --output-format=json}) with Jackson. Used by the
 * short report ({@link Report}, between its engines) and by {@link FioCompare} (bench/fio-compare.sh).
 */
final class Fio {
    /** The engine label of fio's results in the report's CSV files. */
    static final String ENGINE = "fio io_uring";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fio() {
    }

    /** One fio job: what to read or write, and how. */
    static final class Job {
        /** The fio executable. */
        String executable = "fio";
        String file;
        long size;
        int blockSize = 4096;
        int queueDepth = 1;
        boolean direct;
        /**
         * fio's --rw: read, randread, write (one pass and an fsync), seqwrite (--rw=write for the given time),
         * randwrite, or randrw (70% reads, fsync every 64 writes).
         */
        String rw = "randread";
        /** More than one: that many jobs of {@link #queueDepth} each on the same file, summed. */
        int numJobs = 1;
    }

    /** What one fio run measured. Latencies in microseconds; 0 where fio reported none. */
    static final class Result {
        double opsPerSec;
        double gibPerSec;
        /** Total latency (fio's lat_ns: submission plus completion) percentiles and mean. */
        double p50us;
        double p99us;
        double p999us;
        double meanUs;
        /** Completion latency (clat_ns) p99. */
        double clatP99us;
        /** fio's usr + sys CPU time per operation, microseconds; NaN when it reported none. */
        double cpuUsPerOp = Double.NaN;
    }

    /** The command line of {@code job}: {@code ramp} seconds of ramp, then {@code runtime} seconds measured. */
    static List<String> command(Job job, double ramp, double runtime) {
        List<String> cmd = new ArrayList<>(List.of(job.executable, "--name=ringfile-compare", "--ioengine=io_uring",
                "--filename=" + job.file, "--size=" + job.size, "--bs=" + job.blockSize,
                "--iodepth=" + job.queueDepth, "--direct=" + (job.direct ? 1 : 0), "--invalidate=0",
                "--lat_percentiles=1", "--percentile_list=50:99:99.9", "--output-format=json"));
        if (job.numJobs > 1) {
            cmd.add("--numjobs=" + job.numJobs);
            cmd.add("--group_reporting"); // one summed result in jobs[0]
        }
        if (job.rw.equals("write")) {
            cmd.add("--rw=write");
            cmd.add("--end_fsync=1"); // one pass and an fsync, timed together
        } else {
            cmd.add("--time_based");
            cmd.add("--runtime=" + (int) (runtime * 1000) + "ms");
            cmd.add("--ramp_time=" + (int) (ramp * 1000) + "ms");
            if (job.rw.equals("seqwrite")) {
                cmd.add("--rw=write");
            } else if (job.rw.equals("randrw")) {
                cmd.add("--rw=randrw");
                cmd.add("--rwmixread=70");
                cmd.add("--fsync=64");
            } else {
                cmd.add("--rw=" + job.rw);
            }
        }
        return cmd;
    }

    /** Runs {@code job}; throws if fio fails, with what it printed. */
    static Result run(Job job, double ramp, double runtime) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command(job, ramp, runtime)).start();
        process.getOutputStream().close();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = readAll(process.getInputStream());
        int status = process.waitFor();
        if (status != 0) {
            String why = stderr.join().strip();
            throw new IOException("fio failed (" + status + "): " + (why.isEmpty() ? stdout.strip() : why));
        }
        return parse(stdout);
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Reads the first job of fio's JSON output (text before the first '{', such as fio's warnings, is skipped). Reads
     * and writes are added up; the latency figures are the reads' where the job read anything, else the writes'.
     */
    static Result parse(String output) throws IOException {
        int start = output.indexOf('{');
        if (start < 0) {
            throw new IOException("no JSON in fio's output: " + output.strip());
        }
        JsonNode job = JSON.readTree(output.substring(start)).path("jobs").path(0);
        if (job.isMissingNode()) {
            throw new IOException("fio's JSON output has no jobs");
        }
        double ops = 0;
        long ioBytes = 0;
        long runtimeMs = 0;
        JsonNode lat = null;
        JsonNode clat = null;
        double meanNs = 0;
        for (String side : new String[] {"read", "write"}) {
            JsonNode s = job.path(side);
            if (s.path("io_bytes").asLong(0) > 0) {
                ops += s.path("iops").asDouble(0);
                ioBytes += s.path("io_bytes").asLong(0);
                runtimeMs = Math.max(runtimeMs, s.path("runtime").asLong(0));
                if (lat == null || side.equals("read")) {
                    lat = s.path("lat_ns").path("percentile");
                    clat = s.path("clat_ns").path("percentile"); // fio prints both with --lat_percentiles=1
                    meanNs = s.path("lat_ns").path("mean").asDouble(0);
                }
            }
        }
        Result r = new Result();
        r.opsPerSec = ops;
        r.gibPerSec = runtimeMs > 0 ? ioBytes / (runtimeMs / 1000.0) / (1L << 30) : 0;
        r.p50us = percentile(lat, "50.000000");
        r.p99us = percentile(lat, "99.000000");
        r.p999us = percentile(lat, "99.900000");
        r.meanUs = meanNs / 1000.0;
        r.clatP99us = percentile(clat, "99.000000");
        // usr_cpu and sys_cpu: percent of one CPU over the job's run time
        double cpuShare = (job.path("usr_cpu").asDouble(0) + job.path("sys_cpu").asDouble(0)) / 100;
        if (cpuShare > 0 && ops > 0) {
            r.cpuUsPerOp = cpuShare * 1e6 / ops;
        }
        return r;
    }

    private static double percentile(JsonNode percentiles, String key) {
        return percentiles == null ? 0 : percentiles.path(key).asDouble(0) / 1000.0;
    }

    /** One run as a cell of the short report: workload seqread or randread, engine labelled with the job count. */
    static Cell cell(Job job, Result r, double runtime) {
        Cell c = new Cell();
        c.workload = job.rw.equals("read") ? "seqread" : job.rw;
        c.cache = job.direct ? "DIRECT" : "HOT";
        c.blockSize = job.blockSize;
        c.queueDepth = job.queueDepth * job.numJobs;
        c.engine = job.numJobs == 1 ? ENGINE : ENGINE + " " + job.numJobs + " jobs";
        c.opsPerSec = r.opsPerSec;
        c.gibPerSec = r.gibPerSec;
        c.p50us = r.p50us;
        c.p99us = r.p99us;
        c.p999us = r.p999us;
        c.ops = (long) (r.opsPerSec * runtime);
        c.meanUs = r.meanUs;
        c.clatP99us = r.clatP99us;
        c.cpuUsPerOp = r.cpuUsPerOp;
        return c;
    }

    /** fio's version line, or "fio" if it does not run. */
    static String version() {
        try {
            Process p = new ProcessBuilder("fio", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return v.isEmpty() ? "fio" : v;
        } catch (IOException e) {
            return "fio";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "fio";
        }
    }

    /** Whether an executable named fio is on the PATH. */
    static boolean installed() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "fio"))) {
                return true;
            }
        }
        return false;
    }

    /** Microseconds as the tables print them; "-" for 0. */
    static String fmtUs(double us) {
        if (us == 0 || Double.isNaN(us)) {
            return "-";
        }
        if (us >= 1000) {
            return String.format(Locale.ROOT, "%.2f ms", us / 1000);
        }
        return String.format(Locale.ROOT, us >= 100 ? "%.0f us" : us >= 10 ? "%.1f us" : "%.2f us", us);
    }
}
