package io.ringfile.internal;

import io.ringfile.EngineMetrics;
import io.ringfile.internal.jfr.Events;
import io.ringfile.internal.jfr.OperationEvent;

import java.util.function.Supplier;

/**
 * The engine's way to its JFR events ({@link Events}), usable where the runtime has no {@code jdk.jfr} module (a
 * trimmed image running Ringfile on the class path): then no event class is ever loaded and there are no events.
 * Events are passed around as {@code Object}, so that no class outside {@code internal.jfr} names an event type.
 */
final class Jfr {
    /** Whether the runtime has JFR's API. */
    static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    private Jfr() {
    }

    /** See {@link Events#begin}; null without JFR. */
    static Object begin(int kind) {
        return AVAILABLE ? Events.begin(kind) : null;
    }

    /** See {@link Events#end}; nothing for a null {@code event}. */
    static void end(Object event, String engine, String backend, String ring, String path, long position,
                    long bytes, String operation, Throwable error, boolean cancelled) {
        if (event != null) {
            Events.end((OperationEvent) event, engine, backend, ring, path, position, bytes, operation, error,
                    cancelled);
        }
    }

    /** See {@link Events#watch}; without JFR, nothing to undo. */
    static Runnable watch(Supplier<EngineMetrics> engine) {
        return AVAILABLE ? Events.watch(engine) : () -> { };
    }
}
