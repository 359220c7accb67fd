package io.ringfile.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmarks jar's entry point: JMH's command line, except that on a JDK without virtual threads the
 * virtual-thread benchmark is excluded with a message instead of failing.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = new ArrayList<>(Arrays.asList(args));
        String unavailable = VirtualThreads.unavailableReason();
        boolean help = arguments.contains("-h") || arguments.contains("-help") || arguments.contains("--help");
        if (unavailable != null && !help) {
            System.out.println("# VirtualThreadsBenchmark and BlockingChannelBenchmark skipped: " + unavailable);
            arguments.add("-e");
            arguments.add("VirtualThreadsBenchmark");
            arguments.add("-e");
            arguments.add("BlockingChannelBenchmark");
        }
        org.openjdk.jmh.Main.main(arguments.toArray(new String[0]));
    }
}
