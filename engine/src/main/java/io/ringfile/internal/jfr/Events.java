package io.ringfile.internal.jfr;

import io.ringfile.EngineMetrics;
import io.ringfile.EngineMetrics.Operation;
import io.ringfile.EngineMetrics.OperationMetrics;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Ringfile's JFR events: begun when an operation is asked for, ended and committed when its outcome arrives.
 *
 * <p>Cost: while no recording enables an event, {@link #begin} is one check of the event class's enabled flag (on a
 * prototype instance, so no event is made) and returns null; nothing else runs. When enabled, an event object per
 * operation, kept by the operation until its outcome.
 */
public final class Events {
    private static final System.Logger LOG = System.getLogger("io.ringfile");

    // Prototypes: never committed, only asked whether their class is enabled (a flag of the class, not the object).
    private static final FileReadEvent READ = new FileReadEvent();
    private static final FileWriteEvent WRITE = new FileWriteEvent();
    private static final FileForceEvent FORCE = new FileForceEvent();
    private static final FileOpenEvent OPEN = new FileOpenEvent();
    private static final PathOperationEvent PATH = new PathOperationEvent();

    private static final int READ_KIND = Operation.READ.ordinal();
    private static final int WRITE_KIND = Operation.WRITE.ordinal();
    private static final int FORCE_KIND = Operation.FORCE.ordinal();
    private static final int OPEN_KIND = Operation.OPEN.ordinal();

    /** Engines whose statistics the periodic event reports. */
    private static final Set<Supplier<EngineMetrics>> ENGINES = ConcurrentHashMap.newKeySet();
    private static boolean listening; // guarded by Events.class

    private Events() {
    }

    /**
     * An event for an operation of {@code kind} (an {@link Operation} ordinal) asked for now, begun; null when no
     * recording enables its kind.
     */
    public static OperationEvent begin(int kind) {
        OperationEvent event;
        if (kind == READ_KIND) {
            event = READ.isEnabled() ? new FileReadEvent() : null;
        } else if (kind == WRITE_KIND) {
            event = WRITE.isEnabled() ? new FileWriteEvent() : null;
        } else if (kind == FORCE_KIND) {
            event = FORCE.isEnabled() ? new FileForceEvent() : null;
        } else if (kind == OPEN_KIND) {
            event = OPEN.isEnabled() ? new FileOpenEvent() : null;
        } else {
            event = PATH.isEnabled() ? new PathOperationEvent() : null;
        }
        if (event != null) {
            event.begin();
        }
        return event;
    }

    /**
     * Ends {@code event} (from {@link #begin}) with the operation's outcome and commits it if it passes the
     * recordings' threshold. {@code position} and {@code bytes} are for reads and writes, {@code operation} for path
     * operations; {@code error} null and {@code cancelled} false mean it completed. Never throws.
     */
    public static void end(OperationEvent event, String engine, String backend, String ring, String path,
                           long position, long bytes, String operation, Throwable error, boolean cancelled) {
        try {
            event.end();
            if (!event.shouldCommit()) {
                return;
            }
            event.engine = engine;
            event.backend = backend;
            event.ring = ring;
            event.path = path;
            event.outcome = cancelled ? "cancelled" : error == null ? "completed"
                    : error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
            if (event instanceof FileReadEvent) {
                ((FileReadEvent) event).position = position;
                ((FileReadEvent) event).bytes = bytes;
            } else if (event instanceof FileWriteEvent) {
                ((FileWriteEvent) event).position = position;
                ((FileWriteEvent) event).bytes = bytes;
            } else if (event instanceof PathOperationEvent) {
                ((PathOperationEvent) event).operation = operation;
            }
            event.commit();
        } catch (RuntimeException e) { // an event must never cost an operation its outcome
            LOG.log(System.Logger.Level.DEBUG, "Ringfile: a JFR event could not be committed", e);
        }
    }

    /**
     * Reports {@code engine}'s metrics in the periodic {@code io.ringfile.EngineStatistics} event until the returned
     * action runs. The hook is added once JFR starts (the engine does not start JFR).
     */
    public static Runnable watch(Supplier<EngineMetrics> engine) {
        ENGINES.add(engine);
        listen();
        return () -> ENGINES.remove(engine);
    }

    private static synchronized void listen() {
        if (listening) {
            return;
        }
        listening = true;
        try {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    // Registered now, not at class load: registering would start JFR in every program using Ringfile.
                    try {
                        FlightRecorder.register(FileReadEvent.class);
                        FlightRecorder.register(FileWriteEvent.class);
                        FlightRecorder.register(FileForceEvent.class);
                        FlightRecorder.register(FileOpenEvent.class);
                        FlightRecorder.register(PathOperationEvent.class);
                        FlightRecorder.addPeriodicEvent(EngineStatisticsEvent.class, Events::emitStatistics);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.DEBUG, "Ringfile: JFR events could not be registered", e);
                    }
                }
            });
        } catch (RuntimeException | Error e) { // no JFR in this runtime, or not allowed: no periodic event
            LOG.log(System.Logger.Level.DEBUG, "Ringfile: no periodic JFR event", e);
        }
    }

    private static void emitStatistics() {
        for (Supplier<EngineMetrics> engine : ENGINES) {
            EngineMetrics m = engine.get();
            EngineStatisticsEvent event = new EngineStatisticsEvent();
            event.engine = m.name();
            event.backend = m.backend().name().toLowerCase(java.util.Locale.ROOT);
            event.fallbackReason = m.fallbackReason().orElse("");
            event.reads = m.operation(Operation.READ).submitted();
            event.writes = m.operation(Operation.WRITE).submitted();
            event.forces = m.operation(Operation.FORCE).submitted();
            event.opens = m.operation(Operation.OPEN).submitted();
            event.closes = m.operation(Operation.CLOSE).submitted();
            event.stats = m.operation(Operation.STAT).submitted();
            event.pathOperations = m.operation(Operation.PATH).submitted();
            for (OperationMetrics op : m.operations().values()) {
                event.failed += op.failed();
                event.cancelled += op.cancelled();
            }
            event.bytesRead = m.operation(Operation.READ).bytes();
            event.bytesWritten = m.operation(Operation.WRITE).bytes();
            event.readP99 = m.operation(Operation.READ).latency().p99Nanos();
            event.writeP99 = m.operation(Operation.WRITE).latency().p99Nanos();
            event.inFlight = m.inFlight();
            event.waiting = m.waiting();
            event.underWay = m.underWay();
            event.rejected = m.rejected();
            event.poolQueued = m.pool().queued();
            event.poolActive = m.pool().active();
            event.commit();
        }
    }
}
