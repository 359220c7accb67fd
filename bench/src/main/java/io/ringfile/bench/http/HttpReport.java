package io.ringfile.bench.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The markdown report of bench/http-bench.sh, from the wrk outputs it saved (RAW/MODE.RUN.txt): per row, each server
 * mode's figures and its ratio to the best of the three Netty variants (row 3: each mode's p99 with the slow
 * connections over its p99 without them), and the targets of issue 13 judged on ringfile-shared and on
 * ringfile-epoll; with {@code --suite vertx}, the Vert.x tables of issue 17 (each Ringfile mode against Vert.x's own
 * file system on the same transport).
 *
 * <pre>
 * HttpReport --raw DIR --out FILE --command TEXT --modes "A B .." --duration S --slow-ms MS --loops N
 *            [--slow-skipped REASON] [--suite netty|vertx] [--slow-connections "4 32"] [--slow-pace-ms MS]
 * </pre>
 */
public final class HttpReport {
    private static final List<String> NETTY = List.of("epoll-region", "uring-region", "chunked");
    /** The Ringfile modes issue 13's targets are judged on, each in a table of its own: the server's loops shared. */
    private static final List<String> JUDGED = List.of("ringfile-shared", "ringfile-epoll");
    private static final Map<String, Double> UNITS = Map.of("us", 1e-3, "ms", 1.0, "s", 1000.0, "m", 60000.0);
    private static final Map<String, Long> BYTES = Map.of("B", 1L, "KB", 1L << 10, "MB", 1L << 20, "GB", 1L << 30,
            "TB", 1L << 40);
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern BPS = Pattern.compile("Transfer/sec:\\s+([\\d.]+)([KMGT]?B)");
    private static final Pattern P99 = Pattern.compile("^\\s+99%\\s+([\\d.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern FUSE_READS = Pattern.compile("^fuse_reads (\\d+)", Pattern.MULTILINE);
    private static final Pattern SERVER_CPU = Pattern.compile("^server_cpu_us (\\d+)", Pattern.MULTILINE);

    private HttpReport() {
    }

    /** What one wrk --latency output says. Figures wrk did not print are null. */
    public static final class Wrk {
        public Double requestsPerSec;
        public Double bytesPerSec;
        /** Milliseconds; null when no request completed (wrk then prints 0.00us). */
        public Double p99Ms;
        /** Non-2xx responses plus connect, read and write errors. */
        public long errors;
        /** Requests wrk gave up on after its timeout; its percentiles leave them out. */
        public long timeouts;
        /** The line http-bench.sh appends to a slow run: reads that reached faultfs. */
        public Long fuseReads;
        public Long requests;
        /** The line http-bench.sh appends to a measured run: CPU time the server's process used, microseconds. */
        public Long serverCpuMicros;

        /** The server's CPU time per completed request (every thread of its process), or null. */
        public Double cpuMicrosPerRequest() {
            return serverCpuMicros == null || requests == null || requests == 0 ? null
                    : serverCpuMicros / (double) requests;
        }
    }

    /** Parses one wrk --latency output. */
    public static Wrk parse(String text) {
        Wrk w = new Wrk();
        Matcher m = RPS.matcher(text);
        if (m.find()) {
            w.requestsPerSec = Double.parseDouble(m.group(1));
        }
        m = BPS.matcher(text);
        if (m.find()) {
            w.bytesPerSec = Double.parseDouble(m.group(1)) * BYTES.get(m.group(2));
        }
        m = P99.matcher(text);
        if (m.find()) {
            w.p99Ms = Double.parseDouble(m.group(1)) * UNITS.get(m.group(2));
        }
        m = REQUESTS.matcher(text);
        if (m.find()) {
            w.requests = Long.parseLong(m.group(1));
        }
        m = NON_2XX.matcher(text);
        while (m.find()) {
            w.errors += Long.parseLong(m.group(1));
        }
        m = SOCKET.matcher(text);
        if (m.find()) {
            w.errors += Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) + Long.parseLong(m.group(3));
            w.timeouts = Long.parseLong(m.group(4));
        }
        if (w.requests == null || w.requests == 0) {
            w.p99Ms = null; // wrk prints 0.00us when nothing completed: no latency to speak of
        }
        m = FUSE_READS.matcher(text);
        if (m.find()) {
            w.fuseReads = Long.parseLong(m.group(1));
        }
        m = SERVER_CPU.matcher(text);
        if (m.find()) {
            w.serverCpuMicros = Long.parseLong(m.group(1));
        }
        return w;
    }

    private static Wrk read(Path path) throws IOException {
        return Files.exists(path) ? parse(Files.readString(path, StandardCharsets.UTF_8)) : null;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        for (String required : List.of("raw", "out", "command", "modes", "duration", "slow-ms", "loops")) {
            if (!a.containsKey(required)) {
                System.err.println("usage: HttpReport --raw DIR --out FILE --command TEXT --modes \"A B\" --duration S "
                        + "--slow-ms MS --loops N [--slow-skipped REASON] [--suite netty|vertx] "
                        + "[--slow-connections \"4 32\"] [--slow-pace-ms MS]\nmissing --" + required);
                System.exit(2);
            }
        }
        String suite = a.getOrDefault("suite", "netty");
        if (!suite.equals("netty") && !suite.equals("vertx")) {
            System.err.println("--suite must be netty or vertx, not " + suite);
            System.exit(2);
        }
        HttpReport.Args args2 = new Args(a);
        List<String> lines = suite.equals("vertx") ? vertx(args2) : netty(args2);
        Path out = Path.of(a.get("out")).toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.writeString(out, String.join("\n", lines), StandardCharsets.UTF_8);
    }

    /** The command line's options. */
    static final class Args {
        final Path raw;
        final String command;
        final List<String> modes;
        final String duration;
        final String slowMs;
        final String loops;
        final String slowSkipped;
        final List<String> slowConnections;
        final String slowPaceMs;

        Args(Map<String, String> a) {
            raw = Path.of(a.get("raw"));
            command = a.get("command");
            modes = words(a.get("modes"));
            duration = a.get("duration");
            slowMs = a.get("slow-ms");
            loops = a.get("loops");
            slowSkipped = a.getOrDefault("slow-skipped", "");
            slowConnections = words(a.getOrDefault("slow-connections", "4"));
            slowPaceMs = a.getOrDefault("slow-pace-ms", "0");
        }

        /** How the slow connections are paced, as a sentence (empty when they are not). */
        String pacing() {
            return slowPaceMs.equals("0") ? "" : " Each slow connection waits " + slowPaceMs + " ms after each "
                    + "response before its next request (SLOW_PACE_MS), so that every server gets about the same slow "
                    + "work; the slow responses column shows how much.";
        }

        private static List<String> words(String s) {
            String t = s.strip();
            return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
        }
    }

    /** The runs of every mode, read from RAW/MODE.RUN.txt. */
    private static final class Runs {
        final Map<String, Wrk> runs = new HashMap<>();

        Runs(Args a, List<String> names) throws IOException {
            for (String mode : a.modes) {
                for (String run : names) {
                    runs.put(mode + "." + run, read(a.raw.resolve(mode + "." + run + ".txt")));
                }
            }
        }

        Wrk get(String mode, String run) {
            return mode == null ? null : runs.get(mode + "." + run);
        }

        Double rps(String mode, String run) {
            Wrk w = get(mode, run);
            return w == null ? null : w.requestsPerSec;
        }

        Double bps(String mode, String run) {
            Wrk w = get(mode, run);
            return w == null ? null : w.bytesPerSec;
        }

        Double p99(String mode, String run) {
            Wrk w = get(mode, run);
            return w == null ? null : w.p99Ms;
        }

        Double cpu(String mode, String run) {
            Wrk w = get(mode, run);
            return w == null ? null : w.cpuMicrosPerRequest();
        }

        /** A count as the report prints it ("None" where the run is missing, as the reports always said). */
        String count(String mode, String run, java.util.function.Function<Wrk, Object> field) {
            Wrk w = get(mode, run);
            Object v = w == null ? null : field.apply(w);
            return v == null ? "None" : v.toString();
        }
    }

    /** One line of the targets table. */
    private static final class Target {
        final String name;
        final Double value;
        final String target;
        final boolean ok;

        Target(String name, Double value, String target, boolean ok) {
            this.name = name;
            this.value = value;
            this.target = target;
            this.ok = ok;
        }
    }

    static String fmt(Double x, int digits) {
        return x == null ? "n/a" : String.format(Locale.ROOT, "%." + digits + "f", x);
    }

    static String fmt(Double x) {
        return fmt(x, 2);
    }

    static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }

    private static String machine() {
        return String.format(Locale.ROOT, "%s-%s-%s, %d CPUs", System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("os.arch").replace("amd64", "x86_64"),
                Runtime.getRuntime().availableProcessors());
    }

    private static String bestNetty(Runs runs, String run, boolean bytes) {
        String best = null;
        for (String m : NETTY) {
            Double v = bytes ? runs.bps(m, run) : runs.rps(m, run);
            Double b = best == null ? null : bytes ? runs.bps(best, run) : runs.rps(best, run);
            if (v != null && (b == null || v > b)) {
                best = m;
            }
        }
        return best;
    }

    private static void targetsTable(List<String> lines, String title, List<Target> targets) {
        lines.add(title);
        lines.add("");
        lines.add("| row | ratio | target | verdict |");
        lines.add("|---|---|---|---|");
        for (Target t : targets) {
            lines.add("| " + t.name + " | " + fmt(t.value) + " | " + t.target + " | "
                    + (t.value == null ? "n/a" : t.ok ? "PASS" : "MISS") + " |");
        }
        lines.add("");
    }

    private static String row(Object... cells) {
        StringBuilder sb = new StringBuilder("|");
        for (Object c : cells) {
            sb.append(' ').append(c).append(" |");
        }
        return sb.toString();
    }

    static List<String> netty(Args a) throws IOException {
        Runs runs = new Runs(a, List.of("small-4k", "small-64k", "large-64m", "small-4k-base", "small-4k-with-slow",
                "slow"));
        List<String> lines = new ArrayList<>(List.of("# HTTP file serving: Ringfile against Netty's own ways (issue 13)",
                "",
                "Command: `" + a.command + "` (" + a.duration + " s per measured wrk run, " + a.loops + " event loops, "
                        + "slow reads " + a.slowMs + " ms); " + machine() + ".",
                "Ratios are within this run: each Ringfile mode against the best Netty variant of the row. "
                        + "Errors are wrk's non-2xx responses and connect/read/write errors; timeouts are requests wrk "
                        + "gave up on after its timeout (10 s), which its latency percentiles leave out, so a p99 next "
                        + "to timeouts understates; n/a: no request completed.", ""));
        Map<String, List<Target>> targets = new LinkedHashMap<>();
        for (String m : JUDGED) {
            if (a.modes.contains(m)) {
                targets.put(m, new ArrayList<>());
            }
        }

        for (String[] r : new String[][] {{"small-4k", "4 KiB"}, {"small-64k", "64 KiB"}}) {
            String run = r[0];
            String best = bestNetty(runs, run, false);
            lines.addAll(List.of("## Row 1: small cached file, " + r[1] + ", 64 connections", "",
                    "| mode | requests/s | p99 ms | errors | timeouts | requests/s ÷ best Netty | p99 ÷ best Netty's p99 "
                            + "| server CPU µs/request | CPU ÷ best Netty's |",
                    "|---|---|---|---|---|---|---|---|---|"));
            for (String m : a.modes) {
                Double rps = runs.rps(m, run);
                Double p99 = runs.p99(m, run);
                Double cpu = runs.cpu(m, run);
                lines.add(row(m, fmt(rps, 0), fmt(p99), runs.count(m, run, w -> w.errors),
                        runs.count(m, run, w -> w.timeouts), fmt(ratio(rps, runs.rps(best, run))),
                        fmt(ratio(p99, runs.p99(best, run))), fmt(cpu, 1), fmt(ratio(cpu, runs.cpu(best, run)))));
            }
            lines.addAll(List.of("", "Best Netty variant: " + (best == null ? "None" : best) + ".", ""));
            for (Map.Entry<String, List<Target>> judged : targets.entrySet()) {
                Double rRps = ratio(runs.rps(judged.getKey(), run), runs.rps(best, run));
                Double rP99 = ratio(runs.p99(judged.getKey(), run), runs.p99(best, run));
                judged.getValue().add(new Target("1 (" + r[1] + ") requests/s", rRps, ">= 1.0",
                        rRps != null && rRps >= 1.0));
                judged.getValue().add(new Target("1 (" + r[1] + ") p99", rP99, "<= 1.0", rP99 != null && rP99 <= 1.0));
            }
        }

        String run = "large-64m";
        String best = bestNetty(runs, run, true);
        lines.addAll(List.of("## Row 2: large cached file, 64 MiB, 8 connections", "",
                "| mode | GiB/s | errors | GiB/s ÷ best Netty |", "|---|---|---|---|"));
        for (String m : a.modes) {
            Double bps = runs.bps(m, run);
            lines.add(row(m, fmt(bps == null ? null : bps / (1L << 30)), runs.count(m, run, w -> w.errors),
                    fmt(ratio(bps, runs.bps(best, run)))));
        }
        lines.addAll(List.of("", "Best Netty variant: " + (best == null ? "None" : best) + ".", ""));
        for (Map.Entry<String, List<Target>> judged : targets.entrySet()) {
            Double r2 = ratio(runs.bps(judged.getKey(), run), runs.bps(best, run));
            judged.getValue().add(new Target("2 GiB/s", r2, ">= 0.9", r2 != null && r2 >= 0.9));
        }

        lines.addAll(List.of("## Row 3: head-of-line blocking", ""));
        if (!a.slowSkipped.isEmpty()) {
            lines.addAll(List.of("Skipped: " + a.slowSkipped + ".", ""));
            targets.values().forEach(t -> t.add(new Target("3 p99 with slow ÷ without", null, "<= 2.0", false)));
        } else {
            lines.addAll(List.of("64 connections fetch the 4 KiB cached file while 4 connections fetch a 1 MiB file "
                    + "from faultfs (every read waits " + a.slowMs + " ms; the file is dropped from the page cache "
                    + "every 20 ms so that splice and sendfile reach the slow file system too). \"without\" is the same "
                    + "64-connection load on the same server just before, without the slow connections." + a.pacing(),
                    "",
                    "| mode | p99 ms without | p99 ms with slow | degradation (with ÷ without) | requests/s without "
                            + "| requests/s with slow | timeouts with slow | slow responses | faultfs reads | errors |",
                    "|---|---|---|---|---|---|---|---|---|---|"));
            for (String m : a.modes) {
                Double base = runs.p99(m, "small-4k-base");
                Double slow = runs.p99(m, "small-4k-with-slow");
                Wrk withSlow = runs.get(m, "small-4k-with-slow");
                boolean none = slow == null && withSlow != null && withSlow.requests != null && withSlow.requests == 0;
                lines.add(row(m, fmt(base), fmt(slow), none ? "none completed" : fmt(ratio(slow, base)),
                        fmt(runs.rps(m, "small-4k-base"), 0), fmt(runs.rps(m, "small-4k-with-slow"), 0),
                        runs.count(m, "small-4k-with-slow", w -> w.timeouts), runs.count(m, "slow", w -> w.requests),
                        runs.count(m, "slow", w -> w.fuseReads), runs.count(m, "small-4k-with-slow", w -> w.errors)));
            }
            lines.add("");
            for (Map.Entry<String, List<Target>> judged : targets.entrySet()) {
                Double r3 = ratio(runs.p99(judged.getKey(), "small-4k-with-slow"),
                        runs.p99(judged.getKey(), "small-4k-base"));
                judged.getValue().add(new Target("3 p99 with slow ÷ without", r3, "<= 2.0",
                        r3 != null && r3 <= 2.0));
            }
        }
        for (Map.Entry<String, List<Target>> judged : targets.entrySet()) {
            targetsTable(lines, "## Targets (judged on " + judged.getKey() + ")", judged.getValue());
        }
        return lines;
    }

    /** Vert.x (issue 17): each RingfileFileSystem mode against Vert.x's own file system on the same transport. */
    private static final Map<String, String> VERTX_PAIRS = new LinkedHashMap<>(Map.of(
            "ringfile-uring", "vertx-uring", "ringfile-epoll", "vertx-epoll"));

    static List<String> vertx(Args a) throws IOException {
        List<String[]> suffixes = new ArrayList<>(); // {count, file name suffix}
        for (int i = 0; i < a.slowConnections.size(); i++) {
            String n = a.slowConnections.get(i);
            suffixes.add(new String[] {n, i == 0 ? "" : "-" + n});
        }
        List<String> names = new ArrayList<>(List.of("small-4k", "small-64k", "large-64m", "small-4k-base"));
        for (String[] s : suffixes) {
            names.add("small-4k-with-slow" + s[1]);
            names.add("slow" + s[1]);
        }
        Runs runs = new Runs(a, names);
        List<String> lines = new ArrayList<>(List.of(
                "# HTTP file serving on Vert.x 5: RingfileFileSystem against vertx.fileSystem() (issue 17)", "",
                "Command: `" + a.command + "` (" + a.duration + " s per measured wrk run, " + a.loops + " event loops, "
                        + "slow reads " + a.slowMs + " ms); " + machine() + ".",
                "Ratios are within this run: each Ringfile mode against Vert.x's own file system on the same transport "
                        + "(ringfile-uring ÷ vertx-uring, ringfile-epoll ÷ vertx-epoll). Small files and the slow file "
                        + "are served with `readFile`, the 64 MiB file with `AsyncFile.pipeTo`. Errors and timeouts as "
                        + "wrk counts them; a p99 next to timeouts understates; n/a: no request completed.", ""));
        List<Target> targets = new ArrayList<>();

        for (String[] r : new String[][] {{"small-4k", "4 KiB"}, {"small-64k", "64 KiB"}}) {
            String run = r[0];
            lines.addAll(List.of("## Row 1: small cached file, " + r[1] + ", 64 connections, readFile", "",
                    "| mode | requests/s | p99 ms | errors | timeouts | requests/s ÷ Vert.x's | p99 ÷ Vert.x's "
                            + "| server CPU µs/request | CPU ÷ Vert.x's |",
                    "|---|---|---|---|---|---|---|---|---|"));
            for (String m : a.modes) {
                String other = VERTX_PAIRS.get(m);
                Double rps = runs.rps(m, run);
                Double p99 = runs.p99(m, run);
                Double cpu = runs.cpu(m, run);
                Double rRps = other == null ? null : ratio(rps, runs.rps(other, run));
                Double rP99 = other == null ? null : ratio(p99, runs.p99(other, run));
                lines.add(row(m, fmt(rps, 0), fmt(p99), runs.count(m, run, w -> w.errors),
                        runs.count(m, run, w -> w.timeouts), other == null ? "" : fmt(rRps),
                        other == null ? "" : fmt(rP99), fmt(cpu, 1),
                        other == null ? "" : fmt(ratio(cpu, runs.cpu(other, run)))));
                if (other != null && a.modes.contains(other)) {
                    targets.add(new Target("1 (" + r[1] + ", " + m + ") requests/s", rRps, ">= 1.0",
                            rRps != null && rRps >= 1.0));
                    targets.add(new Target("1 (" + r[1] + ", " + m + ") p99", rP99, "<= 1.0",
                            rP99 != null && rP99 <= 1.0));
                }
            }
            lines.add("");
        }

        String run = "large-64m";
        lines.addAll(List.of("## Row 2: large cached file, 64 MiB, 8 connections, AsyncFile.pipeTo", "",
                "| mode | GiB/s | p99 ms | errors | GiB/s ÷ Vert.x's | p99 ÷ Vert.x's |", "|---|---|---|---|---|---|"));
        for (String m : a.modes) {
            String other = VERTX_PAIRS.get(m);
            Double bps = runs.bps(m, run);
            Double p99 = runs.p99(m, run);
            Double rBps = other == null ? null : ratio(bps, runs.bps(other, run));
            Double rP99 = other == null ? null : ratio(p99, runs.p99(other, run));
            lines.add(row(m, fmt(bps == null ? null : bps / (1L << 30)), fmt(p99), runs.count(m, run, w -> w.errors),
                    other == null ? "" : fmt(rBps), other == null ? "" : fmt(rP99)));
            if (other != null && a.modes.contains(other)) {
                targets.add(new Target("2 (" + m + ") GiB/s", rBps, ">= 1.0", rBps != null && rBps >= 1.0));
                targets.add(new Target("2 (" + m + ") p99", rP99, "<= 1.0", rP99 != null && rP99 <= 1.0));
            }
        }
        lines.add("");

        lines.addAll(List.of("## Row 3: head-of-line blocking", ""));
        if (!a.slowSkipped.isEmpty()) {
            lines.addAll(List.of("Skipped: " + a.slowSkipped + ".", ""));
        } else {
            lines.addAll(List.of("64 connections fetch the 4 KiB cached file (readFile) while N connections fetch a "
                    + "1 MiB file from faultfs (every read waits " + a.slowMs + " ms; dropped from the page cache every "
                    + "20 ms). \"without\" is the same 64-connection load on the same server just before. Vert.x runs "
                    + "a blocking `readFile` on its internal blocking pool (20 threads by default): with more slow "
                    + "connections than that, cached requests queue behind slow ones." + a.pacing(), "",
                    "| mode | slow connections | p99 ms without | p99 ms with slow | with ÷ without | p99 with slow "
                            + "÷ Vert.x's | requests/s without | requests/s with slow | timeouts with slow | slow "
                            + "responses | faultfs reads |",
                    "|---|---|---|---|---|---|---|---|---|---|---|"));
            for (String m : a.modes) {
                String other = VERTX_PAIRS.get(m);
                Double base = runs.p99(m, "small-4k-base");
                for (String[] s : suffixes) {
                    String withSlow = "small-4k-with-slow" + s[1];
                    Double slow = runs.p99(m, withSlow);
                    Double moved = ratio(slow, base);
                    Double vs = other == null ? null : ratio(slow, runs.p99(other, withSlow));
                    Wrk w = runs.get(m, withSlow);
                    boolean none = slow == null && w != null && w.requests != null && w.requests == 0;
                    lines.add(row(m, s[0], fmt(base), fmt(slow), none ? "none completed" : fmt(moved),
                            other == null ? "" : fmt(vs), fmt(runs.rps(m, "small-4k-base"), 0),
                            fmt(runs.rps(m, withSlow), 0), runs.count(m, withSlow, x -> x.timeouts),
                            runs.count(m, "slow" + s[1], x -> x.requests),
                            runs.count(m, "slow" + s[1], x -> x.fuseReads)));
                    if (other != null && a.modes.contains(other)) {
                        targets.add(new Target("3 (" + m + ", " + s[0] + " slow) p99 with slow", vs, "<= 1.0",
                                vs != null && vs <= 1.0));
                    }
                }
            }
            lines.add("");
        }
        targetsTable(lines, "## Targets (each Ringfile mode against Vert.x's own file system on its transport)",
                targets);
        return lines;
    }
}
