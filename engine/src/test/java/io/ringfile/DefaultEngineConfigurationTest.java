package io.ringfile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
 * The default engine's configuration: system properties and {@link AsyncFiles#configureDefault}. The default engine
 * is one per JVM and this JVM's may have started already, so each case runs {@link DefaultEngineProbe} in a fresh
 * JVM (the test class path, as a class path) and asserts on what it printed.
 */
@Timeout(300)
class DefaultEngineConfigurationTest {
    private static final long CHILD_SECONDS = 120;

    @TempDir
    Path dir;

    @Test
    void aBadPropertyFailsEveryUseNamingPropertyValueAndChoicesAndNeverFailsClassInitialization() throws Exception {
        Child child = run(List.of(), "bad-properties");
        String[][] expected = {
                {"ringfile.backend=io-uring", "auto, io_uring, nio"},
                {"ringfile.threadFactory=no.such.Factory", "not found"},
                {"ringfile.threadFactory=java.lang.String", "does not implement java.util.concurrent.ThreadFactory"},
                {"ringfile.threadFactory=" + DefaultEngineProbe.NoNoArgConstructor.class.getName(),
                        "no public no-argument constructor"},
                {"ringfile.threadFactory=" + DefaultEngineProbe.FailingConstructor.class.getName(),
                        "refuses to be made"},
        };
        for (String[] c : expected) {
            for (String use : List.of(" first", " again")) {
                String outcome = child.get("OUTCOME " + c[0] + use);
                assertTrue(outcome.startsWith(IllegalStateException.class.getName() + ": "), child + "\n" + outcome);
                String property = c[0].substring(0, c[0].indexOf('='));
                String value = c[0].substring(c[0].indexOf('=') + 1);
                assertTrue(outcome.contains(property) && outcome.contains(value) && outcome.contains(c[1]),
                        "the message names the property, the value and what is wrong: " + outcome);
            }
        }
        assertTrue(child.get("OUTCOME no property").startsWith("worked on "),
                "without the bad value the default engine starts: " + child);
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void theThreadFactoryPropertyMakesEveryThreadOfTheDefaultEngine(FileEngine.Backend backend) throws Exception {
        Child child = run(List.of("-Dringfile.backend=" + backend.name().toLowerCase(java.util.Locale.ROOT),
                "-Dringfile.threadFactory=" + DefaultEngineProbe.NamingFactory.class.getName()), "factory-property");
        child.assumeAvailable(backend);
        assertEquals(backend.name(), child.get("BACKEND"));
        int rings = backend == FileEngine.Backend.IO_URING ? Runtime.getRuntime().availableProcessors() : 0;
        assertTrue(Integer.parseInt(child.get("FACTORY-THREADS")) >= rings + 1,
                "the factory made the ring threads and a pool thread: " + child);
        assertEquals("none", child.get("OTHER-ENGINE-THREADS"), "threads the engine made without the factory");
        assertEquals("true", child.get("FACTORY-THREADS-DAEMON"),
                "the default engine is never closed: its threads are daemons, or the JVM could not exit");
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void configureDefaultSetsThreadFactoryAndCompletionExecutorBeforeFirstUseAndFailsAfter(FileEngine.Backend backend)
            throws Exception {
        Child child = run(List.of("-Dringfile.backend=" + backend.name().toLowerCase(java.util.Locale.ROOT)),
                "configure");
        child.assumeAvailable(backend);
        assertEquals(backend.name(), child.get("BACKEND"));
        assertTrue(!child.get("DELIVERING-THREADS").equals("none"),
                "the completion executor set by configureDefault was used: " + child);
        assertEquals("none", child.get("DELIVERING-THREADS-NOT-FROM-FACTORY"),
                "every completion was handed over by a thread the factory made");
        assertEquals("none", child.get("OTHER-ENGINE-THREADS"));
        String late = child.get("LATE-CONFIGURE");
        assertTrue(late.startsWith(IllegalStateException.class.getName()) && late.contains("already started"),
                "configuring after the start fails clearly: " + late);
    }

    // ---------------------------------------------------------------- the child JVM

    /** A finished child: its output and the facts it printed. */
    private static final class Child {
        final String output;
        final Map<String, String> facts = new LinkedHashMap<>();

        Child(String output) {
            this.output = output;
            for (String line : output.split("\n")) {
                if (line.startsWith("OUTCOME ")) {
                    int arrow = line.indexOf(" => ");
                    facts.put(line.substring(0, arrow), line.substring(arrow + 4));
                } else if (line.contains(" ")) {
                    facts.put(line.substring(0, line.indexOf(' ')), line.substring(line.indexOf(' ') + 1));
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

        void assumeAvailable(FileEngine.Backend backend) {
            String reason = facts.get("UNAVAILABLE");
            Assumptions.assumeTrue(reason == null, () -> backend + " cannot run here: " + reason);
        }

        @Override
        public String toString() {
            return "child output:\n" + output;
        }
    }

    private Child run(List<String> properties, String scenario) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 22) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add("-Xmx256m");
        command.addAll(properties);
        command.add("-cp");
        command.add(classPath());
        command.add(DefaultEngineProbe.class.getName());
        command.add(scenario);
        command.add(dir.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
            fail("the child JVM did not end within " + CHILD_SECONDS + " s (a non-daemon engine thread?):\n"
                    + output);
        }
        reader.join(10_000);
        Child child = new Child(output.toString());
        assertEquals(0, process.exitValue(), child::toString);
        assertTrue(child.output.contains("DONE"), child::toString);
        return child;
    }

    /** The test's module path and class path as one class path: the probe runs in the unnamed module. */
    private static String classPath() {
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
