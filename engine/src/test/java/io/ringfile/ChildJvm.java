package io.ringfile;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a probe's {@code main} in a fresh JVM of the running JDK, for what needs JVM-wide settings (a default file
 * system provider, the virtual-thread scheduler's size). The probe prints {@code KEY value} lines and {@code DONE}
 * last; a probe that cannot test what it was asked to prints {@code UNAVAILABLE reason}.
 */
final class ChildJvm {
    static final long CHILD_SECONDS = 180;

    private ChildJvm() {
    }

    /** The child's output and the facts it printed. */
    static final class Result {
        final String output;
        final Map<String, String> facts = new LinkedHashMap<>();

        Result(String output) {
            this.output = output;
            for (String line : output.split("\n")) {
                int space = line.indexOf(' ');
                if (space > 0 && line.substring(0, space).matches("[A-Z][A-Z0-9-]*")) {
                    facts.put(line.substring(0, space), line.substring(space + 1).trim());
                }
            }
        }

        String get(String key) {
            String value = facts.get(key);
            if (value == null) {
                fail("the child did not report '" + key + "':\n" + output);
            }
            return value;
        }

        /** Skips the test, with the child's reason, when it could not run the requested backend. */
        void assumeBackend(FileEngine.Backend backend) {
            String reason = facts.get("UNAVAILABLE");
            Assumptions.assumeTrue(reason == null, () -> backend + " cannot run here: " + reason);
        }

        @Override
        public String toString() {
            return "child output:\n" + output;
        }
    }

    /** Runs {@code main} on the test class path (as a class path) with {@code jvmArgs}. */
    static Result run(Path dir, List<String> jvmArgs, Class<?> main, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(jvmArgs);
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(List.of(args));
        return java(dir, command);
    }

    /** As {@link #run(Path, List, Class, String...)} with {@code environment} added to the child's. */
    static Result run(Path dir, Map<String, String> environment, List<String> jvmArgs, Class<?> main,
                      String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(jvmArgs);
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(List.of(args));
        return java(dir, command, environment);
    }

    /** Runs {@code java} with {@code arguments} (and the native-access flag where the JDK knows it). */
    static Result java(Path dir, List<String> arguments) throws IOException, InterruptedException {
        return java(dir, arguments, Map.of());
    }

    private static Result java(Path dir, List<String> arguments, Map<String, String> environment)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 22 && arguments.stream().noneMatch(a -> a.startsWith("--enable-native"))) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add("-Xmx256m");
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().remove("RINGFILE_BACKEND"); // the child sees only what the test gives it
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        if (!process.waitFor(CHILD_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            reader.join(10_000);
            fail("the child JVM did not end within " + CHILD_SECONDS + " s: " + command + "\n" + output);
        }
        reader.join(10_000);
        Result result = new Result(output.toString());
        assertEquals(0, process.exitValue(), () -> command + "\n" + result);
        assertTrue(result.output.contains("DONE"), result::toString);
        return result;
    }

    /** The test's module path and class path as one class path. */
    static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String property : List.of("jdk.module.path", "surefire.test.class.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value == null) {
                continue;
            }
            for (String entry : value.split(File.pathSeparator)) {
                if (!entry.isBlank() && !entries.contains(entry)) {
                    entries.add(entry);
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
