package io.ringfile.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A Ringfile engine's metrics snapshot ({@code FileEngine.metrics()}), one event per live engine each period. Counts
 * are since the engine started; latency percentiles cover reads and writes since then. Disabled by default; the
 * period is 1 s when a recording enables it without one.
 */
@Name("io.ringfile.EngineStatistics")
@Label("Engine Statistics")
@Description("A Ringfile engine's operation counts, bytes, latencies and what it holds now")
@Category({"Ringfile", "File I/O"})
@Enabled(false)
@Period("1 s")
@StackTrace(false)
public final class EngineStatisticsEvent extends jdk.jfr.Event {
    @Label("Engine")
    public String engine;

    @Label("Backend")
    public String backend;

    @Label("Fallback Reason")
    public String fallbackReason;

    @Label("Reads")
    public long reads;

    @Label("Writes")
    public long writes;

    @Label("Forces")
    public long forces;

    @Label("Opens")
    public long opens;

    @Label("Closes")
    public long closes;

    @Label("Stats")
    public long stats;

    @Label("Path Operations")
    public long pathOperations;

    @Label("Failed")
    @Description("Operations of every kind that failed")
    public long failed;

    @Label("Cancelled")
    @Description("Operations of every kind whose caller cancelled them")
    public long cancelled;

    @Label("Bytes Read")
    @DataAmount
    public long bytesRead;

    @Label("Bytes Written")
    @DataAmount
    public long bytesWritten;

    @Label("Read p99")
    @Timespan
    public long readP99;

    @Label("Write p99")
    @Timespan
    public long writeP99;

    @Label("In Flight")
    @Description("Operations in the kernel, all rings")
    public int inFlight;

    @Label("Waiting")
    @Description("Operations waiting to be submitted, all rings")
    public int waiting;

    @Label("Under Way")
    @Description("Operations admitted and not yet ended")
    public int underWay;

    @Label("Rejected")
    @Description("Calls refused at the engine's limits")
    public long rejected;

    @Label("Pool Queued")
    public int poolQueued;

    @Label("Pool Active")
    public int poolActive;
}
