package io.ringfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's switch: {@code -Dringfile.backend} and {@code RINGFILE_BACKEND} choose the backend of every engine
 * whose builder sets none, a bad value fails the build of such an engine with a message that names it (never class
 * initialization), and each engine logs once which backend it runs. Each case runs in a JVM of its own.
 */
class BackendSwitchTest {
    @TempDir
    Path dir;

    @Test
    void thePropertyChoosesTheBackendOfEveryEngineThatSetsNone() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, List.of("-Dringfile.backend=nio"), BackendSwitchProbe.class);
        assertEquals("NIO", child.get("UNSET"), child.toString());
        assertEquals("NIO", child.get("SECOND"), child.toString());
        assertEquals("NIO", child.get("EXPLICIT-NIO"), child.toString());
        assertEquals("NIO", child.get("DEFAULT-ENGINE"), child.toString());
    }

    @Test
    void theEnvironmentVariableChoosesItWhereThePropertyIsUnset() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, Map.of("RINGFILE_BACKEND", "NIO"), List.of(),
                BackendSwitchProbe.class);
        assertEquals("NIO", child.get("UNSET"), child.toString());
        assertEquals("NIO", child.get("SECOND"), child.toString());
        assertEquals("NIO", child.get("DEFAULT-ENGINE"), child.toString());
    }

    @Test
    void thePropertyWinsOverTheEnvironmentVariable() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, Map.of("RINGFILE_BACKEND", "no-such-backend"),
                List.of("-Dringfile.backend=nio"), BackendSwitchProbe.class);
        assertEquals("NIO", child.get("UNSET"), child.toString());
    }

    @Test
    void aBadValueFailsTheBuildWithAMessageNamingItAndNeverClassInitialization() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, List.of("-Dringfile.backend=io-uring-please"),
                BackendSwitchProbe.class);
        String expected = "java.lang.IllegalStateException: invalid system property ringfile.backend=io-uring-please:"
                + " the allowed values are auto, io_uring, nio";
        assertEquals(expected, child.get("UNSET"), child.toString());
        assertEquals(expected, child.get("SECOND"), "the same error each time, not NoClassDefFoundError\n" + child);
        assertEquals("NIO", child.get("EXPLICIT-NIO"), "a builder that sets its backend does not read it\n" + child);
        assertTrue(child.get("DEFAULT-ENGINE").startsWith("java.lang.IllegalStateException: invalid system property"
                + " ringfile.backend=io-uring-please"), child.toString());
        assertFalse(child.output.contains("ExceptionInInitializerError")
                || child.output.contains("NoClassDefFoundError"), child.toString());

        ChildJvm.Result fromVariable = ChildJvm.run(dir, Map.of("RINGFILE_BACKEND", "fast"), List.of(),
                BackendSwitchProbe.class);
        assertEquals("java.lang.IllegalStateException: invalid environment variable RINGFILE_BACKEND=fast: the allowed"
                + " values are auto, io_uring, nio", fromVariable.get("UNSET"), fromVariable.toString());
    }

    @Test
    void eachEngineLogsOnceWhichBackendItRunsAndWhy() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, List.of("-Dringfile.backend=nio"), BackendSwitchProbe.class);
        for (String engine : List.of("probe-unset", "probe-explicit", "probe-second")) {
            Matcher lines = Pattern.compile("INFO: Ringfile engine '" + engine + "' runs its NIO backend: NIO backend"
                    + " requested").matcher(child.output);
            int count = 0;
            while (lines.find()) {
                count++;
            }
            assertEquals(1, count, "one INFO line for " + engine + "\n" + child);
        }

        ChildJvm.Result auto = ChildJvm.run(dir, List.of(), BackendSwitchProbe.class);
        String backend = auto.get("UNSET");
        String line = backend.equals("IO_URING")
                ? "INFO: Ringfile engine 'probe-unset' runs io_uring " : "INFO: Ringfile engine 'probe-unset' runs its"
                + " NIO backend: io_uring unavailable: ";
        assertTrue(auto.output.contains(line), "expected '" + line + "'\n" + auto);
    }
}
