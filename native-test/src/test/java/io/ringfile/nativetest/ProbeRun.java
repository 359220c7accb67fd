package io.ringfile.nativetest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** One run of {@link FallbackProbe} in a forked JVM, and what it reported. */
final class ProbeRun {
    /** Bound on one forked JVM, contract suite included (it takes a few seconds when nothing is wrong). */
    static final Duration TIMEOUT = Duration.ofMinutes(4);

    final String scenario;
    final Native.Result result;
    final Map<String, String> info = new LinkedHashMap<>();
    final List<String> passed = new ArrayList<>();
    final List<String> failed = new ArrayList<>();
    private boolean done;

    private ProbeRun(String scenario, Native.Result result) {
        this.scenario = scenario;
        this.result = result;
        for (String line : result.output.split("\n")) {
            if (line.startsWith("INFO ")) {
                int eq = line.indexOf('=');
                info.put(line.substring(5, eq), line.substring(eq + 1));
            } else if (line.startsWith("PASS ")) {
                passed.add(line.substring(5));
            } else if (line.startsWith("FAIL ")) {
                failed.add(line.substring(5));
            } else if (line.startsWith("DONE ")) {
                done = true;
            }
        }
    }

    /**
     * Runs the probe: {@code prefix} (a wrapper such as nouring or setpriv, may be empty), then the JVM with
     * {@code classPath} and {@code jvmFlags}, working in {@code work}, with the probe's {@code modes}.
     */
    static ProbeRun start(String scenario, List<String> prefix, List<String> classPath, List<String> jvmFlags,
                          Path work, String... modes) {
        List<String> command = new ArrayList<>(prefix);
        String[] args = new String[modes.length + 1];
        args[0] = work.toString();
        System.arraycopy(modes, 0, args, 1, modes.length);
        command.addAll(ChildJvm.command(classPath, jvmFlags, FallbackProbe.class.getName(), args));
        return run(scenario, command);
    }

    /** Runs {@code command}, a program that reports in {@link FallbackProbe}'s format, and parses what it said. */
    static ProbeRun run(String scenario, List<String> command) {
        ProbeRun run = new ProbeRun(scenario, Native.run(TIMEOUT, null, command));
        run.saveLog(command);
        return run;
    }

    /** Keeps the child's output in target/probe-logs for reading after the build. */
    private void saveLog(List<String> command) {
        try {
            Path logs = Files.createDirectories(Native.TARGET.resolve("probe-logs"));
            Files.writeString(logs.resolve(scenario.replaceAll("[^A-Za-z0-9.=-]+", "_") + ".log"),
                    String.join(" ", command) + "\n" + result);
        } catch (IOException ignored) {
            // only a convenience
        }
    }

    String info(String key) {
        String value = info.get(key);
        if (value == null) {
            fail(scenario + ": the probe did not report " + key + "\n" + this);
        }
        return value;
    }

    String backend() {
        return info("backend");
    }

    /** Every check in the child held and it ended normally. */
    ProbeRun assertClean() {
        assertTrue(done, () -> scenario + ": the probe did not finish\n" + this);
        assertTrue(failed.isEmpty(), () -> scenario + ": failed checks " + failed + "\n" + this);
        assertEquals(0, result.exit, () -> scenario + ": exit status\n" + this);
        return this;
    }

    /** The counts the child reported for one contract class: found, succeeded, failed, aborted. */
    Map<String, Integer> contract(String simpleName) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String pair : info("contract." + simpleName).split(" ")) {
            String[] kv = pair.split("=");
            counts.put(kv[0], Integer.parseInt(kv[1]));
        }
        return counts;
    }

    @Override
    public String toString() {
        return "---- " + scenario + ": " + result + "----";
    }
}
