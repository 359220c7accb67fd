package io.ringfile.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * Shared machinery of the benchmarks that run a continuous {@link Load}: the load starts at the beginning of the
 * trial and keeps its queue depth through warm-up and measurement; a benchmark call waits for the next N
 * completions, so JMH's time per call is the time the engine took for N operations at that depth.
 */
@State(Scope.Benchmark)
public abstract class LoadState {
    EngineRuntime runtime;
    OpenFile file;
    Load load;
    final Latency latency = new Latency();
    private long target;
    private String description;

    /** Starts {@code engine}, opens {@code path} and starts the load; prints what runs. */
    void begin(Engine engine, Path path, Set<OpenOption> options, Load.Spec spec, String what) throws IOException {
        runtime = EngineRuntime.start(engine);
        runtime.ringfile().ifPresent(e -> System.out.println("# ringfile backend " + e.backend()
                + e.fallbackReason().map(r -> " (" + r + ")").orElse("")));
        file = runtime.open(path, options);
        load = Load.start(file, spec, latency.recorder());
        description = what;
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        latency.startIteration();
        target = load.completedOps();
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams params) {
        latency.endIteration(params.getType() == IterationType.MEASUREMENT);
    }

    /** Waits until {@code ops} more reads/writes have completed since the last call. */
    long await(long ops) {
        target += ops;
        load.awaitCompleted(target);
        return target;
    }

    /** Stops the load, prints its latency, closes the file and the engine. Idempotent. */
    @TearDown(Level.Trial)
    public void end() throws IOException {
        Load l = load;
        OpenFile f = file;
        EngineRuntime r = runtime;
        load = null;
        file = null;
        runtime = null;
        try {
            if (l != null) {
                l.close();
                System.out.println();
                System.out.println("# " + description + ": latency over measurement iterations: "
                        + Latency.describe(latency.measured()));
                if (l.fsyncs() > 0) {
                    System.out.println("# fsyncs: " + l.fsyncs());
                }
            }
        } finally {
            try {
                if (f != null) {
                    f.close();
                }
            } finally {
                if (r != null) {
                    r.close();
                }
            }
        }
    }
}
