package io.ringfile.nativetest;

import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the native tests need from the machine: checks that skip a test with the reason (never fail it) where Linux,
 * root or a tool is missing, the C tools of {@code src/test/c} compiled on first use into
 * {@code target/native-tools}, and a bounded way to run commands.
 */
final class Native {
    /** Where the C sources are: set by the POM, or relative to the module directory. */
    static final Path SOURCES = Path.of(System.getProperty("ringfile.nativetest.sources", "src/test/c"));
    /** The module's build directory. */
    static final Path TARGET = Path.of(System.getProperty("ringfile.nativetest.target", "target"));

    private static final String INSTALL_HINT = "run `bash native-test/install-deps.sh` as root to install it";
    private static final Map<String, Object> TOOLS = new HashMap<>(); // name -> Path, or String reason to skip

    private Native() {
    }

    static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    /** True if this process's effective user id is 0 (from /proc, so no JDK-internal API is needed). */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException ignored) {
            // not Linux, or /proc is not mounted: treat as unprivileged
        }
        return false;
    }

    static void assumeLinux() {
        Assumptions.assumeTrue(isLinux(), () -> "needs Linux; this is " + System.getProperty("os.name"));
    }

    static void assumeLinuxRoot() {
        assumeLinux();
        Assumptions.assumeTrue(isRoot(), "needs root (mounts file systems, changes user ids)");
    }

    /** A test class's one-time set-up, which may fail an assumption. */
    interface SetUp {
        void run() throws Exception;
    }

    /**
     * Runs a test class's one-time set-up (from its {@code @BeforeAll}) and returns why its tests must skip, the
     * message of the assumption that failed in it, or null when none did. Each test then calls
     * {@link #assumeSetUp}. An assumption failing in {@code @BeforeAll} itself would skip the class as a whole, which
     * surefire reports as "Tests run: 0" and no reason; this way every test is reported skipped, with the reason.
     */
    static String setUp(SetUp setUp) throws Exception {
        try {
            setUp.run();
            return null;
        } catch (TestAbortedException e) {
            return e.getMessage();
        }
    }

    /** Skips the calling test with {@code skipReason} from {@link #setUp}, if there is one. */
    static void assumeSetUp(String skipReason) {
        if (skipReason != null) {
            Assumptions.abort(skipReason);
        }
    }

    /** The executable {@code name} on PATH, if any. */
    static Optional<Path> which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The executable {@code name}, or skips the test saying which package provides it. */
    static Path requireCommand(String name, String debianPackage) {
        return which(name).orElseGet(() -> {
            Assumptions.abort(name + " not found (Debian package " + debianPackage + "); " + INSTALL_HINT);
            return null;
        });
    }

    // ---------------------------------------------------------------- C tools

    /** {@code nouring}: runs a command with io_uring blocked by seccomp (see src/test/c/nouring.c). */
    static synchronized Path nouring() {
        return tool("nouring", () -> {
            if (!Files.exists(Path.of("/usr/include/seccomp.h"))) {
                throw new Missing("seccomp.h not found (Debian package libseccomp-dev)");
            }
            return List.of("-lseccomp");
        });
    }

    /** {@code faultfs}: a FUSE file system that injects faults (see src/test/c/faultfs.c). */
    static synchronized Path faultfs() {
        return tool("faultfs", () -> {
            if (which("pkg-config").isEmpty()) {
                throw new Missing("pkg-config not found (Debian package pkg-config)");
            }
            Result flags = run(Duration.ofSeconds(30), null, "pkg-config", "fuse3", "--cflags", "--libs");
            if (flags.exit != 0) {
                throw new Missing("libfuse3 not found by pkg-config (Debian package libfuse3-dev): "
                        + flags.output.strip());
            }
            List<String> libs = new ArrayList<>(Arrays.asList(flags.output.strip().split("\\s+")));
            libs.add("-lpthread");
            return libs;
        });
    }

    /** A prerequisite of a tool that this machine lacks. */
    private static final class Missing extends Exception {
        private static final long serialVersionUID = 1L;

        Missing(String reason) {
            super(reason);
        }
    }

    private interface Flags {
        /** The tool's extra compiler and linker flags. */
        List<String> get() throws Missing;
    }

    /**
     * Compiles {@code src/test/c/NAME.c} into {@code target/native-tools/NAME} unless it is up to date. Missing
     * prerequisites (not Linux, no gcc, no library) skip the calling test; a compiler error with everything
     * present fails it, since that is a bug in the tool's source.
     */
    private static Path tool(String name, Flags flags) {
        Object known = TOOLS.get(name);
        if (known == null) {
            known = build(name, flags);
            TOOLS.put(name, known);
        }
        if (known instanceof String) {
            Assumptions.abort("cannot build the " + name + " tool: " + known);
        }
        return (Path) known;
    }

    private static Object build(String name, Flags flags) {
        if (!isLinux()) {
            return "needs Linux; this is " + System.getProperty("os.name");
        }
        Optional<Path> gcc = which("gcc");
        if (gcc.isEmpty()) {
            return "gcc not found (Debian package gcc); " + INSTALL_HINT;
        }
        List<String> extra;
        try {
            extra = flags.get();
        } catch (Missing e) {
            return e.getMessage() + "; " + INSTALL_HINT;
        }
        Path source = SOURCES.resolve(name + ".c");
        Path binary = TARGET.resolve("native-tools").resolve(name);
        try {
            if (!Files.isRegularFile(source)) {
                throw new AssertionError("tool source missing: " + source.toAbsolutePath());
            }
            if (Files.isExecutable(binary)
                    && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
                return binary;
            }
            Files.createDirectories(binary.getParent());
            List<String> command = new ArrayList<>(List.of(gcc.get().toString(), "-O2", "-Wall", "-Werror",
                    "-o", binary.toString(), source.toString()));
            command.addAll(extra);
            Result result = run(Duration.ofMinutes(2), null, command);
            if (result.exit != 0) {
                throw new AssertionError("gcc failed to build " + name + " with all prerequisites present:\n"
                        + result.output);
            }
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- running commands

    /** A finished command: exit status and its standard output and error, interleaved. */
    static final class Result {
        final int exit;
        final String output;

        Result(int exit, String output) {
            this.exit = exit;
            this.output = output;
        }

        @Override
        public String toString() {
            return "exit " + exit + ", output:\n" + output;
        }
    }

    /** Runs {@code command} with extra environment {@code env}; fails the test if it outlives {@code timeout}. */
    static Result run(Duration timeout, Map<String, String> env, String... command) {
        return run(timeout, env, List.of(command));
    }

    static Result run(Duration timeout, Map<String, String> env, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (env != null) {
            builder.environment().putAll(env);
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        try {
            process.getOutputStream().close(); // no input: and no pipe left open behind the command
        } catch (IOException ignored) {
            // already gone
        }
        OutputCollector output = new OutputCollector(process.getInputStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("command did not finish within " + timeout + ": " + command
                        + "\noutput so far:\n" + output.text(Duration.ofSeconds(5)));
            }
            return new Result(process.exitValue(), output.text(Duration.ofSeconds(10)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    /** Reads a process's output on its own thread, so a full pipe never blocks the process. */
    static final class OutputCollector {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Thread thread;

        OutputCollector(InputStream in) {
            thread = new Thread(() -> {
                byte[] chunk = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(chunk)) > 0; ) {
                        synchronized (bytes) {
                            bytes.write(chunk, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            }, "output-collector");
            thread.setDaemon(true);
            thread.start();
        }

        /** The output, after waiting at most {@code wait} for the stream to end. */
        String text(Duration wait) throws InterruptedException {
            if (wait.toMillis() > 0) {
                thread.join(wait.toMillis());
            }
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
