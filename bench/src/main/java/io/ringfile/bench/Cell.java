package io.ringfile.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One measured point of the short report (or of fio): a workload at a queue depth on one engine. */
final class Cell {
    static final String HEADER = "workload,cache,blockSize,queueDepth,engine,opsPerSec,gibPerSec,p50us,p99us,"
            + "p999us,ops,allocBytesPerOp,meanUs,clatP99us,cpuUsPerOp";

    String workload;   // seqread, randread, seqwrite, randwrite or append
    String cache;      // HOT or DIRECT
    int blockSize;
    int queueDepth;
    String engine;     // an Engine label, or "fio io_uring"
    double opsPerSec;
    double gibPerSec;
    double p50us;
    double p99us;
    double p999us;
    long ops;
    double allocBytesPerOp = Double.NaN;
    double meanUs = Double.NaN;
    /** fio only: p99 of completion latency (clat, submission excluded); p99us is fio's total latency. */
    double clatP99us = Double.NaN;
    /**
     * CPU time per operation in microseconds (= CPU seconds per million operations): every thread of the process
     * that ran it (this JVM: process CPU time over the measured seconds, the JVM's own threads and the kernel's
     * io_uring workers of the process included; fio: its usr + sys share).
     */
    double cpuUsPerOp = Double.NaN;

    /** The mean of {@code cells} (the same run measured more than once): rates and latencies averaged, ops summed. */
    static Cell mean(List<Cell> cells) {
        Cell first = cells.get(0);
        if (cells.size() == 1) {
            return first;
        }
        Cell m = new Cell();
        m.workload = first.workload;
        m.cache = first.cache;
        m.blockSize = first.blockSize;
        m.queueDepth = first.queueDepth;
        m.engine = first.engine;
        for (Cell c : cells) {
            m.ops += c.ops;
        }
        m.opsPerSec = mean(cells, c -> c.opsPerSec);
        m.gibPerSec = mean(cells, c -> c.gibPerSec);
        m.p50us = mean(cells, c -> c.p50us);
        m.p99us = mean(cells, c -> c.p99us);
        m.p999us = mean(cells, c -> c.p999us);
        m.allocBytesPerOp = mean(cells, c -> c.allocBytesPerOp);
        m.meanUs = mean(cells, c -> c.meanUs);
        m.clatP99us = mean(cells, c -> c.clatP99us);
        m.cpuUsPerOp = mean(cells, c -> c.cpuUsPerOp);
        return m;
    }

    private static double mean(List<Cell> cells, java.util.function.ToDoubleFunction<Cell> field) {
        double sum = 0;
        for (Cell c : cells) {
            sum += field.applyAsDouble(c);
        }
        return sum / cells.size(); // NaN stays NaN
    }

    boolean sameConfig(Cell o) {
        return workload.equals(o.workload) && cache.equals(o.cache) && blockSize == o.blockSize
                && queueDepth == o.queueDepth;
    }

    String toCsv() {
        return String.join(",", workload, cache, Integer.toString(blockSize), Integer.toString(queueDepth), engine,
                fmt(opsPerSec), fmt(gibPerSec), fmt(p50us), fmt(p99us), fmt(p999us), Long.toString(ops),
                Double.isNaN(allocBytesPerOp) ? "" : fmt(allocBytesPerOp), Double.isNaN(meanUs) ? "" : fmt(meanUs),
                Double.isNaN(clatP99us) ? "" : fmt(clatP99us), Double.isNaN(cpuUsPerOp) ? "" : fmt(cpuUsPerOp));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** Parses lines written by {@link #toCsv()}; lines starting with '#' and the header are skipped. */
    static List<Cell> parse(List<String> lines) {
        List<Cell> cells = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("workload,")) {
                continue;
            }
            String[] f = line.split(",", -1);
            Cell c = new Cell();
            c.workload = f[0];
            c.cache = f[1];
            c.blockSize = Integer.parseInt(f[2]);
            c.queueDepth = Integer.parseInt(f[3]);
            c.engine = f[4];
            c.opsPerSec = Double.parseDouble(f[5]);
            c.gibPerSec = Double.parseDouble(f[6]);
            c.p50us = Double.parseDouble(f[7]);
            c.p99us = Double.parseDouble(f[8]);
            c.p999us = Double.parseDouble(f[9]);
            c.ops = Long.parseLong(f[10]);
            c.allocBytesPerOp = f.length > 11 && !f[11].isEmpty() ? Double.parseDouble(f[11]) : Double.NaN;
            c.meanUs = f.length > 12 && !f[12].isEmpty() ? Double.parseDouble(f[12]) : Double.NaN;
            c.clatP99us = f.length > 13 && !f[13].isEmpty() ? Double.parseDouble(f[13]) : Double.NaN;
            c.cpuUsPerOp = f.length > 14 && !f[14].isEmpty() ? Double.parseDouble(f[14]) : Double.NaN;
            cells.add(c);
        }
        return cells;
    }
}
