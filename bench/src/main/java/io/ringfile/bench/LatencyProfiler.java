package io.ringfile.bench;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Adds the per-operation latency percentiles of the benchmarks that keep a queue depth (p50, p99, p99.9, in µs)
 * to JMH's results as secondary metrics, so that they appear in the table and in the JSON file. Enable it with
 * {@code -prof io.ringfile.bench.LatencyProfiler} (bench/run-jmh.sh does). Each iteration reports its own
 * percentiles; JMH averages them over the measurement iterations. Benchmarks without a latency histogram add
 * nothing.
 */
public final class LatencyProfiler implements InternalProfiler {

    @Override
    public String getDescription() {
        return "Ringfile bench: per-operation latency percentiles from HdrHistogram";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    }

    @Override
    @SuppressWarnings("rawtypes") // JMH's interface declares the raw type
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
                                                       IterationParams iterationParams, IterationResult result) {
        Histogram h = Latency.lastIteration();
        List<ScalarResult> results = new ArrayList<>();
        if (h == null || h.getTotalCount() == 0) {
            return results;
        }
        results.add(new ScalarResult("lat.p50", h.getValueAtPercentile(50) / 1000.0, "us", AggregationPolicy.AVG));
        results.add(new ScalarResult("lat.p99", h.getValueAtPercentile(99) / 1000.0, "us", AggregationPolicy.AVG));
        results.add(new ScalarResult("lat.p99.9", h.getValueAtPercentile(99.9) / 1000.0, "us",
                AggregationPolicy.AVG));
        return results;
    }
}
