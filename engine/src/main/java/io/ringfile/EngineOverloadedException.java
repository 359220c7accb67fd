package io.ringfile;

import java.util.concurrent.RejectedExecutionException;

/**
 * An operation refused because its engine already has as many under way as its limits allow:
 * {@link FileEngine.Builder#maxInFlight(int)} handed to the kernel or the pool plus
 * {@link FileEngine.Builder#maxQueued(int)} waiting. The refused call returns a future already failed with it;
 * nothing of the call was started. Closes are never refused. The refusals are counted in {@link EngineMetrics#rejected()}.
 *
 * <p>It carries no stack trace: it is made at whatever rate a flood of calls arrives, and says where it comes from.
 */
public final class EngineOverloadedException extends RejectedExecutionException {
    private static final long serialVersionUID = 1L;

    /** The refusing engine's name. */
    private final String engine;
    /** Its in-flight limit. */
    private final int maxInFlight;
    /** Its queue limit. */
    private final int maxQueued;

    /**
     * A refusal by the engine named {@code engine}, whose limits are {@code maxInFlight} and {@code maxQueued}.
     *
     * @param engine the engine's name
     * @param maxInFlight its in-flight limit
     * @param maxQueued its queue limit
     */
    public EngineOverloadedException(String engine, int maxInFlight, int maxQueued) {
        super("Ringfile engine '" + engine + "' refused an operation: " + ((long) maxInFlight + maxQueued)
                + " are under way, its limit (maxInFlight " + maxInFlight + " + maxQueued " + maxQueued + ")");
        this.engine = engine;
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
    }

    /**
     * The refusing engine's name.
     *
     * @return the name
     */
    public String engine() {
        return engine;
    }

    /**
     * The engine's {@link FileEngine.Builder#maxInFlight(int)}.
     *
     * @return the limit
     */
    public int maxInFlight() {
        return maxInFlight;
    }

    /**
     * The engine's {@link FileEngine.Builder#maxQueued(int)}.
     *
     * @return the limit
     */
    public int maxQueued() {
        return maxQueued;
    }

    /** No stack trace: see the class description. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
