package io.ringfile.bench;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.CategoryItemLabelGenerator;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The short report's chart, drawn with JFreeChart and written as SVG by JFreeSVG: eight panels (sequential 1 MiB and
 * random 4 KiB reads, page cache hot and O_DIRECT; throughput and p99 latency against queue depth), one line per
 * engine, fio dashed, and the targets of {@link Targets} that are a ratio to a comparator at a point drawn as a
 * labelled bar at that point's queue depth, at the figure the target asks for (target × comparator).
 */
final class Chart {
    private static final int WIDTH = 1200;
    private static final int PANEL_H = 300;
    private static final int TOP = 70;
    private static final int LEGEND_H = 90;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0xd62728), new Color(0x8c564b)};
    private static final Color TARGET = new Color(0xb00060);
    private static final Color NOISY = new Color(0x999999);
    private static final BasicStroke LINE = new BasicStroke(2f);
    private static final BasicStroke DASHED = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
            new float[] {6f, 4f}, 0f);
    private static final Shape TARGET_BAR = new Rectangle2D.Double(-16, -1.5, 32, 3);

    private Chart() {
    }

    /** One panel: a workload, a cache mode, throughput or latency. */
    private static final class Panel {
        final String workload;
        final String cache;
        final boolean latency;
        final String title;

        Panel(String workload, String cache, boolean latency, String title) {
            this.workload = workload;
            this.cache = cache;
            this.latency = latency;
            this.title = title;
        }
    }

    private static final Panel[] PANELS = {
        new Panel("seqread", "HOT", false, "Sequential 1 MiB reads, page cache: GiB/s"),
        new Panel("seqread", "HOT", true, "Sequential 1 MiB reads, page cache: p99 latency"),
        new Panel("randread", "HOT", false, "Random 4 KiB reads, page cache: thousand reads/s"),
        new Panel("randread", "HOT", true, "Random 4 KiB reads, page cache: p99 latency"),
        new Panel("seqread", "DIRECT", false, "Sequential 1 MiB reads, O_DIRECT: GiB/s"),
        new Panel("seqread", "DIRECT", true, "Sequential 1 MiB reads, O_DIRECT: p99 latency"),
        new Panel("randread", "DIRECT", false, "Random 4 KiB reads, O_DIRECT: thousand reads/s"),
        new Panel("randread", "DIRECT", true, "Random 4 KiB reads, O_DIRECT: p99 latency"),
    };

    /** The SVG document: {@code cells} and {@code fio} as lines, {@code targets} as bars where they apply. */
    static String svg(List<Cell> cells, List<Cell> fio, List<Targets.Row> targets, String subtitle) {
        SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, height());
        // one decimal is a tenth of a pixel: enough, and a third of the file
        g2.setGeomDoubleConverter(d -> String.format(Locale.ROOT, "%.1f", d));
        g2.setTransformDoubleConverter(d -> String.format(Locale.ROOT, "%.3f", d));
        draw(g2, cells, fio, targets, subtitle);
        return g2.getSVGDocument() + "\n";
    }

    /** The chart's size in pixels. */
    static int width() {
        return WIDTH;
    }

    static int height() {
        return TOP + (PANELS.length + 1) / 2 * PANEL_H + LEGEND_H;
    }

    /** Draws the chart on {@code g2} at (0, 0), {@link #width()} by {@link #height()}. */
    static void draw(java.awt.Graphics2D g2, List<Cell> cells, List<Cell> fio, List<Targets.Row> targets,
                     String subtitle) {
        List<Cell> all = new ArrayList<>(cells);
        all.addAll(fio);
        Map<String, Color> colors = new LinkedHashMap<>();
        int i = 0;
        for (Cell c : all) {
            if (!colors.containsKey(c.engine)) {
                colors.put(c.engine, c.engine.startsWith("fio") ? Color.BLACK : COLORS[i++ % COLORS.length]);
            }
        }
        int rows = (PANELS.length + 1) / 2;
        int height = height();
        g2.setPaint(Color.WHITE);
        g2.fill(new Rectangle2D.Double(0, 0, WIDTH, height));
        g2.setPaint(Color.BLACK);
        g2.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g2.drawString("Ringfile short report: throughput and p99 latency against queue depth", 20, 26);
        g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g2.setPaint(Color.DARK_GRAY);
        g2.drawString(subtitle, 20, 46);
        g2.drawString("Bars: targets of the targets table at the figure each asks for (target x comparator), "
                + "labelled with the row and its verdict; grey when noisy.", 20, 62);
        for (int p = 0; p < PANELS.length; p++) {
            JFreeChart chart = panel(PANELS[p], all, colors, targets);
            chart.draw(g2, new Rectangle2D.Double((p % 2) * WIDTH / 2.0, TOP + (p / 2) * PANEL_H, WIDTH / 2.0,
                    PANEL_H));
        }
        LegendItemCollection items = new LegendItemCollection();
        for (Map.Entry<String, Color> e : colors.entrySet()) {
            org.jfree.chart.LegendItem item = new org.jfree.chart.LegendItem(e.getKey(), null, null, null,
                    new java.awt.geom.Line2D.Double(-14, 0, 14, 0), e.getValue().equals(Color.BLACK) ? DASHED : LINE,
                    e.getValue());
            items.add(item);
        }
        org.jfree.chart.LegendItem target = new org.jfree.chart.LegendItem("target (row: verdict)", null, null, null,
                TARGET_BAR, TARGET);
        items.add(target);
        LegendTitle legend = new LegendTitle(() -> items);
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        legend.setBackgroundPaint(Color.WHITE);
        org.jfree.chart.ui.Size2D size = legend.arrange(g2, new org.jfree.chart.block.RectangleConstraint(WIDTH - 40,
                null, org.jfree.chart.block.LengthConstraintType.FIXED, 0, null,
                org.jfree.chart.block.LengthConstraintType.NONE));
        legend.draw(g2, new Rectangle2D.Double(20, TOP + rows * PANEL_H + 8, WIDTH - 40, size.height));
        g2.setPaint(Color.DARK_GRAY);
        g2.drawString("FileChannel: one thread per operation in flight; the few reads that wait for a CPU wait long, "
                + "which its p99 hides (see mean and p99.9 in report.md).", 20, TOP + rows * PANEL_H + 66);
    }

    private static JFreeChart panel(Panel panel, List<Cell> all, Map<String, Color> colors,
                                    List<Targets.Row> targets) {
        TreeSet<Integer> depths = new TreeSet<>();
        Map<String, List<Cell>> byEngine = new LinkedHashMap<>();
        for (Cell c : all) {
            if (c.workload.equals(panel.workload) && c.cache.equals(panel.cache)) {
                depths.add(c.queueDepth);
                byEngine.computeIfAbsent(c.engine, k -> new ArrayList<>()).add(c);
            }
        }
        List<TargetMark> marks = new ArrayList<>();
        for (Targets.Row r : targets) {
            TargetMark m = TargetMark.of(r, panel);
            if (m != null) {
                marks.add(m);
                depths.add(m.queueDepth);
            }
        }
        DefaultCategoryDataset lines = new DefaultCategoryDataset();
        for (Map.Entry<String, List<Cell>> e : byEngine.entrySet()) {
            for (int qd : depths) { // every category in order, so that the axis reads left to right
                lines.addValue(null, e.getKey(), Integer.toString(qd));
            }
            for (Cell c : e.getValue()) {
                double v = value(c, panel.latency);
                if (v > 0 && !Double.isNaN(v)) {
                    lines.setValue(v, e.getKey(), Integer.toString(c.queueDepth));
                }
            }
        }
        // the renderer places a second dataset's items by column index: give it the same columns in the same order
        DefaultCategoryDataset bars = new DefaultCategoryDataset();
        for (TargetMark m : marks) {
            for (int qd : depths) {
                bars.addValue(null, m.label, Integer.toString(qd));
            }
            bars.setValue(m.value, m.label, Integer.toString(m.queueDepth));
        }

        CategoryAxis x = new CategoryAxis("operations in flight (queue depth; FileChannel: threads)");
        x.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        x.setLowerMargin(0.05);
        x.setUpperMargin(0.2); // room for the target labels, written to the right of their bars
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (List<Cell> cs : byEngine.values()) {
            for (Cell c : cs) {
                double v = value(c, panel.latency);
                if (v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        for (TargetMark m : marks) {
            lo = Math.min(lo, m.value);
            hi = Math.max(hi, m.value);
        }
        ValueAxis y;
        if (panel.latency && hi / lo > 20) { // log scale where latencies span decades, whole decades ticked
            LogAxis log = new LogAxis("p99 (µs, log scale)");
            log.setBase(10);
            log.setSmallestValue(0.1);
            log.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.##")); // plain labels, not 10^n
            log.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            y = log;
        } else {
            NumberAxis n = new NumberAxis(panel.latency ? "p99 (µs)"
                    : panel.workload.equals("seqread") ? "GiB/s" : "thousand reads/s");
            n.setAutoRangeIncludesZero(true);
            y = n;
        }
        y.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        LineAndShapeRenderer lineRenderer = new LineAndShapeRenderer(true, true);
        int s = 0;
        for (Object key : lines.getRowKeys()) {
            Paint color = colors.get(key.toString());
            lineRenderer.setSeriesPaint(s, color);
            lineRenderer.setSeriesStroke(s, key.toString().startsWith("fio") ? DASHED : LINE);
            lineRenderer.setSeriesShape(s, new java.awt.geom.Ellipse2D.Double(-3, -3, 6, 6));
            s++;
        }
        CategoryPlot plot = new CategoryPlot(lines, x, y, lineRenderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        if (!marks.isEmpty()) {
            LineAndShapeRenderer barRenderer = new LineAndShapeRenderer(false, true);
            for (int k = 0; k < marks.size(); k++) {
                barRenderer.setSeriesShape(k, TARGET_BAR);
                barRenderer.setSeriesPaint(k, marks.get(k).noisy ? NOISY : TARGET);
            }
            barRenderer.setDefaultItemLabelGenerator(new RowKeyLabels());
            barRenderer.setDefaultItemLabelsVisible(true);
            barRenderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            barRenderer.setDefaultItemLabelPaint(TARGET);
            barRenderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3,
                    TextAnchor.CENTER_LEFT));
            plot.setDataset(1, bars);
            plot.setRenderer(1, barRenderer);
            plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        }
        JFreeChart chart = new JFreeChart(null, new Font(Font.SANS_SERIF, Font.BOLD, 13), plot, false);
        chart.setTitle(new TextTitle(panel.title, new Font(Font.SANS_SERIF, Font.BOLD, 13)));
        chart.setBackgroundPaint(Color.WHITE);
        if (byEngine.isEmpty()) {
            chart.addSubtitle(new TextTitle("no data"));
        }
        return chart;
    }

    /** Labels a target bar with its series key (the row, its target and verdict). */
    private static final class RowKeyLabels implements CategoryItemLabelGenerator, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public String generateRowLabel(CategoryDataset dataset, int row) {
            return dataset.getRowKey(row).toString();
        }

        @Override
        public String generateColumnLabel(CategoryDataset dataset, int column) {
            return dataset.getColumnKey(column).toString();
        }

        @Override
        public String generateLabel(CategoryDataset dataset, int row, int column) {
            return dataset.getRowKey(row).toString();
        }
    }

    /** Where a target row sits in a panel: its queue depth and the figure it asks for, in the panel's unit. */
    private static final class TargetMark {
        final int queueDepth;
        final double value;
        final String label;
        final boolean noisy;

        private TargetMark(int queueDepth, double value, String label, boolean noisy) {
            this.queueDepth = queueDepth;
            this.value = value;
            this.label = label;
            this.noisy = noisy;
        }

        /** The mark of {@code r} in {@code panel}, or null if the row is not a ratio measured at this panel's points. */
        static TargetMark of(Targets.Row r, Panel panel) {
            if (r.comparatorLabel == null || r.point == null || Double.isNaN(r.comparatorValue)
                    || r.measure == Targets.Measure.ALLOC || r.measure == Targets.Measure.CPU
                    || (r.measure == Targets.Measure.P99) != panel.latency) {
                return null;
            }
            String[] p = r.point.split("-"); // workload-cache-blockSize-queueDepth
            if (!p[0].equals(panel.workload) || !p[1].equals(panel.cache)) {
                return null;
            }
            double figure = r.target * r.comparatorValue;
            if (r.measure == Targets.Measure.IOPS) {
                figure /= 1000;
            }
            String label = String.format(Locale.ROOT, "%s %s %.2fx %s: %s", r.id, r.atMost ? "<=" : ">=", r.target,
                    shortName(r.comparatorLabel), r.verdict());
            return new TargetMark(Integer.parseInt(p[3]), figure, label, "noisy".equals(r.verdict()));
        }

        private static String shortName(String comparator) {
            return comparator.replace("fio io_uring", "fio").replace("FileChannel", "FC");
        }
    }

    private static double value(Cell c, boolean latency) {
        if (latency) {
            return c.p99us;
        }
        return c.workload.equals("seqread") ? c.gibPerSec : c.opsPerSec / 1000;
    }
}
