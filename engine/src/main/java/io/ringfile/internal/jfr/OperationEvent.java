package io.ringfile.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Registered;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * What every Ringfile operation event records. The event's duration runs from the call to the backend's outcome; its
 * thread is the one that saw the outcome (a ring's thread, a pool thread, or the caller's for calls served there).
 * Disabled by default, with the 20 ms threshold the JDK's own {@code jdk.FileRead} has in its default settings.
 */
@Registered(false)
@Category({"Ringfile", "File I/O"})
@Enabled(false)
@Threshold("20 ms")
@StackTrace(false)
public abstract class OperationEvent extends jdk.jfr.Event {
    @Label("Engine")
    @Description("The engine's name")
    public String engine;

    @Label("Backend")
    @Description("io_uring or nio")
    public String backend;

    @Label("Ring")
    @Description("The thread of the ring that ran it, or empty where no ring did (NIO pool, caller's thread)")
    public String ring;

    @Label("Path")
    public String path;

    @Label("Outcome")
    @Description("completed, cancelled, or the failure's exception and message")
    public String outcome;
}
