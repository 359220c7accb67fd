package io.ringfile.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The short report's chart, as a self-contained SVG: four panels (sequential and random reads, page cache hot;
 * throughput and p99 latency against queue depth), one line per engine, fio dashed.
 */
final class Chart {
    private static final int PANEL_W = 460;
    private static final int PANEL_H = 260;
    private static final int LEFT = 70;
    private static final int TOP = 80;
    private static final int GAP_X = 110;
    private static final int GAP_Y = 90;
    private static final String[] COLORS = {"#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#8c564b"};

    private Chart() {
    }

    static String svg(List<Cell> cells, List<Cell> fio, String subtitle) {
        List<Cell> all = new ArrayList<>(cells);
        all.addAll(fio);
        Set<String> engines = new LinkedHashSet<>();
        for (Cell c : all) {
            engines.add(c.engine);
        }
        Map<String, String> colors = new LinkedHashMap<>();
        int i = 0;
        for (String e : engines) {
            colors.put(e, e.startsWith("fio") ? "#000000" : COLORS[i++ % COLORS.length]);
        }
        int width = LEFT + 2 * PANEL_W + GAP_X + 30;
        int height = TOP + 2 * PANEL_H + GAP_Y + 130;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        sb.append("<text x=\"").append(LEFT).append("\" y=\"24\" font-size=\"16\" font-weight=\"bold\">")
                .append("Ringfile short report: throughput and p99 latency against queue depth (page cache hot)")
                .append("</text>\n");
        sb.append("<text x=\"").append(LEFT).append("\" y=\"42\" fill=\"#555\">").append(escape(subtitle))
                .append("</text>\n");
        panel(sb, all, colors, "seqread", false, LEFT, TOP, "Sequential 1 MiB reads: GiB/s");
        panel(sb, all, colors, "seqread", true, LEFT + PANEL_W + GAP_X, TOP, "Sequential 1 MiB reads: p99 latency");
        panel(sb, all, colors, "randread", false, LEFT, TOP + PANEL_H + GAP_Y, "Random 4 KiB reads: thousand reads/s");
        panel(sb, all, colors, "randread", true, LEFT + PANEL_W + GAP_X, TOP + PANEL_H + GAP_Y,
                "Random 4 KiB reads: p99 latency");
        // legend
        int ly = TOP + 2 * PANEL_H + GAP_Y + 60;
        int lx = LEFT;
        for (Map.Entry<String, String> e : colors.entrySet()) {
            boolean dashed = e.getKey().startsWith("fio");
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2.5\"%s/>%n", lx, ly - 4, lx + 28, ly - 4, e.getValue(),
                    dashed ? " stroke-dasharray=\"6,4\"" : ""));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 34, ly,
                    escape(e.getKey())));
            lx += 40 + 8 * e.getKey().length();
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%s</text>%n", LEFT, ly + 26,
                escape("FileChannel threads: most reads finish in about a microsecond, but the few that wait for a "
                        + "CPU wait long; their p99 hides that (see mean and p99.9 in report.md).")));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void panel(StringBuilder sb, List<Cell> all, Map<String, String> colors, String workload,
                              boolean latency, int x0, int y0, String title) {
        List<Cell> cells = new ArrayList<>();
        TreeSet<Integer> depths = new TreeSet<>();
        for (Cell c : all) {
            if (c.workload.equals(workload) && c.cache.equals("HOT")) {
                cells.add(c);
                depths.add(c.queueDepth);
            }
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", x0,
                y0 - 8, escape(title)));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#999\"/>%n", x0, y0, PANEL_W, PANEL_H));
        if (cells.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">no data</text>%n", x0 + 20, y0 + 30));
            return;
        }
        List<Integer> qd = new ArrayList<>(depths);
        // y scale
        double max = 0;
        double minPos = Double.MAX_VALUE;
        for (Cell c : cells) {
            double v = value(c, latency);
            max = Math.max(max, v);
            if (v > 0) {
                minPos = Math.min(minPos, v);
            }
        }
        double lo;
        double hi;
        if (latency) { // log scale in µs, whole decades
            lo = Math.pow(10, Math.floor(Math.log10(Math.max(minPos, 0.1))));
            hi = Math.pow(10, Math.ceil(Math.log10(Math.max(max, lo * 10))));
            for (double t = lo; t <= hi * 1.001; t *= 10) {
                double y = yLog(t, lo, hi, y0);
                gridLine(sb, x0, y, Report.fmtMicros(t).replace(".00", "").replace(".0 ", " "));
            }
        } else {
            lo = 0;
            double step = niceStep(max / 5);
            hi = Math.max(step, Math.ceil(max / step) * step);
            for (double t = 0; t <= hi * 1.001; t += step) {
                double y = y0 + PANEL_H - (t - lo) / (hi - lo) * PANEL_H;
                gridLine(sb, x0, y, step < 1 ? String.format(Locale.ROOT, "%.1f", t)
                        : String.format(Locale.ROOT, "%.0f", t));
            }
        }
        // x axis: queue depths equally spaced
        for (int k = 0; k < qd.size(); k++) {
            double x = xAt(k, qd.size(), x0);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, y0 + PANEL_H, x,
                    y0 + PANEL_H + 5, x, y0 + PANEL_H + 19, qd.get(k)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">"
                + "operations in flight (queue depth; FileChannel: threads)</text>%n", x0 + PANEL_W / 2,
                y0 + PANEL_H + 36));
        // lines
        Map<String, List<Cell>> byEngine = new LinkedHashMap<>();
        for (Cell c : cells) {
            byEngine.computeIfAbsent(c.engine, e -> new ArrayList<>()).add(c);
        }
        for (Map.Entry<String, List<Cell>> e : byEngine.entrySet()) {
            List<Cell> points = e.getValue();
            points.sort((a, b) -> Integer.compare(a.queueDepth, b.queueDepth));
            StringBuilder path = new StringBuilder();
            String color = colors.get(e.getKey());
            boolean dashed = e.getKey().startsWith("fio");
            for (Cell c : points) {
                double x = xAt(qd.indexOf(c.queueDepth), qd.size(), x0);
                double v = value(c, latency);
                double y = latency ? yLog(Math.max(v, lo), lo, hi, y0) : y0 + PANEL_H - v / hi * PANEL_H;
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x,
                        y, color));
            }
            sb.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                    path, color, dashed ? " stroke-dasharray=\"6,4\"" : ""));
        }
    }

    private static double value(Cell c, boolean latency) {
        if (latency) {
            return c.p99us;
        }
        return c.workload.equals("seqread") ? c.gibPerSec : c.opsPerSec / 1000;
    }

    private static void gridLine(StringBuilder sb, int x0, double y, String label) {
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
                + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#333\">%s</text>%n", x0, y, x0 + PANEL_W, y,
                x0 - 6, y + 4, escape(label)));
    }

    private static double xAt(int index, int count, int x0) {
        double margin = 40;
        return count == 1 ? x0 + PANEL_W / 2.0 : x0 + margin + index * (PANEL_W - 2 * margin) / (count - 1);
    }

    private static double yLog(double v, double lo, double hi, int y0) {
        return y0 + PANEL_H - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * PANEL_H;
    }

    private static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / magnitude;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
