package io.ringfile.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Samples the machine's spare CPU in the background while the report runs: every {@link #PERIOD_MS} ms it reads
 * /proc/stat (idle + iowait against busy, and steal) and the CPU time of this JVM and its child processes (fio), from
 * /proc/PID/stat. Spare CPU, in cores, is what other processes and the hypervisor left: idle + iowait + this process
 * tree's own time. Our own load does not lower it; a neighbour's does, and so does steal.
 *
 * <p>Where /proc is missing the sampler records nothing and every window reads as unknown (NaN).
 */
final class CpuSampler implements AutoCloseable {
    /** Sampling period: several samples in a 1.5 s run, each long enough for tick-based accounting to mean something. */
    static final long PERIOD_MS = 250;

    /** One sampling interval, ending at {@code nanos}. Figures in cores (0 to {@link #cores()}). */
    static final class Sample {
        final long startNanos;
        final long nanos;
        final double spare;
        final double steal;

        Sample(long startNanos, long nanos, double spare, double steal) {
            this.startNanos = startNanos;
            this.nanos = nanos;
            this.spare = spare;
            this.steal = steal;
        }
    }

    /** Spare CPU over a span of time. NaN where nothing was sampled. */
    static final class Window {
        static final Window UNKNOWN = new Window(Double.NaN, Double.NaN, Double.NaN, 0);

        final double spareMin;
        final double spareMedian;
        final double stealMax;
        final int samples;

        Window(double spareMin, double spareMedian, double stealMax, int samples) {
            this.spareMin = spareMin;
            this.spareMedian = spareMedian;
            this.stealMax = stealMax;
            this.samples = samples;
        }
    }

    private final int cores;
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean closed;

    private CpuSampler(int cores) {
        this.cores = cores;
        this.thread = new Thread(this::loop, "cpu-sampler");
        this.thread.setDaemon(true);
    }

    /** Starts sampling; the sampler runs until closed. */
    static CpuSampler start() {
        CpuSampler s = new CpuSampler(Runtime.getRuntime().availableProcessors());
        s.thread.start();
        return s;
    }

    int cores() {
        return cores;
    }

    /** The sampling thread's id (its allocation is left out of the report's bytes per operation). */
    long threadId() {
        return thread.getId();
    }

    private void loop() {
        long[] machine = machineTicks();
        long own = ownTicks();
        long t = System.nanoTime();
        if (machine == null) {
            return;
        }
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            long[] m = machineTicks();
            long o = ownTicks();
            long now = System.nanoTime();
            if (m == null) {
                return;
            }
            Sample s = sample(machine, m, o - own, t, now, cores);
            if (s != null) {
                samples.add(s);
            }
            machine = m;
            own = o;
            t = now;
        }
    }

    /**
     * One interval from two readings of /proc/stat's "cpu" line ({user, nice, system, idle, iowait, irq, softirq,
     * steal}) and the ticks this process tree used meanwhile. Interrupt time is left out of the neighbours' share:
     * most of it here is the completions of our own I/O.
     */
    static Sample sample(long[] before, long[] after, long ownTicks, long startNanos, long nanos, int cores) {
        long[] d = new long[8];
        long total = 0;
        for (int i = 0; i < 8; i++) {
            d[i] = Math.max(0, after[i] - before[i]);
            total += d[i];
        }
        if (total == 0) {
            return null;
        }
        long busy = d[0] + d[1] + d[2];
        long others = Math.max(0, busy - Math.max(0, ownTicks));
        double spare = cores * (double) Math.max(0, total - others - d[7]) / total;
        double steal = cores * (double) d[7] / total;
        return new Sample(startNanos, nanos, spare, steal);
    }

    /** The samples whose interval overlaps [{@code fromNanos}, {@code toNanos}]. */
    Window window(long fromNanos, long toNanos) {
        List<Double> spare = new ArrayList<>();
        double steal = 0;
        synchronized (samples) {
            for (Sample s : samples) {
                if (s.nanos > fromNanos && s.startNanos < toNanos) {
                    spare.add(s.spare);
                    steal = Math.max(steal, s.steal);
                }
            }
        }
        if (spare.isEmpty()) {
            return Window.UNKNOWN;
        }
        Collections.sort(spare);
        return new Window(spare.get(0), median(spare), steal, spare.size());
    }

    /** The whole run so far. */
    Window all() {
        return window(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** /proc/stat's aggregate line: user nice system idle iowait irq softirq steal; null without /proc. */
    private static long[] machineTicks() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.UTF_8)) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long[] t = new long[8];
                    for (int i = 0; i < 8 && i + 1 < f.length; i++) {
                        t[i] = Long.parseLong(f[i + 1]);
                    }
                    return t;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /**
     * CPU ticks of this JVM and every live descendant (fio and its job processes), each with its reaped children's:
     * a child's time moves from its own line to its parent's cutime/cstime when it ends, so the sum runs on.
     */
    private static long ownTicks() {
        long sum = processTicks(ProcessHandle.current().pid());
        for (ProcessHandle child : (Iterable<ProcessHandle>) ProcessHandle.current().descendants()::iterator) {
            sum += processTicks(child.pid());
        }
        return sum;
    }

    /** utime + stime + cutime + cstime of one process, 0 if it is gone. */
    static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
            // the command name may hold spaces and parentheses: fields are counted after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // f[0] is field 3 (state); utime, stime, cutime, cstime are fields 14 to 17
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
