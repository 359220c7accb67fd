package io.ringfile.nativetest;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract suite's file-name tests ({@code RobustnessContract}, tag {@code path-bytes}: names whose bytes are
 * not valid text, made by the shell) in a JVM started in another locale, on both backends. In the C locale the
 * JVM's file-name encoding is ASCII, so every non-ASCII name (such as "café" in UTF-8) is such a name: each path
 * operation must still reach exactly the named file.
 */
class FileNameLocaleTest {

    @ParameterizedTest
    @ValueSource(strings = {"C", "C.UTF-8"})
    @Timeout(300)
    void fileNamesThatAreNotValidTextReachTheNamedFileInTheLocale(String locale) {
        Native.assumeLinux();
        List<String> command = ChildJvm.command(ChildJvm.testClassPath(), List.of(),
                TaggedContractProbe.class.getName(), "path-bytes", "io.ringfile.IoUringContractTest",
                "io.ringfile.NioContractTest");
        Native.Result result = Native.run(Duration.ofMinutes(4), Map.of("LC_ALL", locale, "LANG", locale), command);
        String output = result.output;
        assertTrue(output.contains("DONE failures=0"), () -> "in locale " + locale + ":\n" + output);
        assertTrue(output.contains("INFO found=6"), () -> "three tests per backend expected:\n" + output);
        if ("C".equals(locale)) {
            assertTrue(output.contains("INFO sun.jnu.encoding=ANSI_X3.4-1968"),
                    () -> "the C locale gives an ASCII file-name encoding:\n" + output);
        }
        assertEquals(0, result.exit, output);
        System.out.println("FileNameLocaleTest " + locale + ": " + output.lines().filter(l -> l.startsWith("INFO"))
                .reduce("", (a, b) -> a + " " + b.substring(5)));
    }
}
