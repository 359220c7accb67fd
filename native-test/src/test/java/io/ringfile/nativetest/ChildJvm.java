package io.ringfile.nativetest;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Command lines for a JVM forked by a test: the same Java (or another installed JDK), the test class path (or part
 * of it, or its modules for a module path).
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /** The running JVM's {@code java} launcher. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The class path the tests run with. Surefire puts a manifest-only jar on {@code java.class.path} and the real
     * entries in {@code surefire.test.class.path}.
     */
    static List<String> testClassPath() {
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(path.split(File.pathSeparator)).filter(s -> !s.isBlank()).collect(Collectors.toList());
    }

    /** The test class path without the entries {@code drop} matches. */
    static List<String> testClassPathWithout(Predicate<String> drop) {
        return testClassPath().stream().filter(drop.negate()).collect(Collectors.toList());
    }

    /** True for the jar that holds Netty's io_uring native library. */
    static boolean isNativeIoUringJar(String entry) {
        return Path.of(entry).getFileName().toString().startsWith("netty-transport-native-io_uring");
    }

    /**
     * The entries of {@code classPath} that are Ringfile's or Netty's modules (jars or exploded directories with a
     * module descriptor), for a module path; test jars and test libraries stay out.
     */
    static List<String> modulesOf(List<String> classPath) {
        List<String> modules = new ArrayList<>();
        for (String entry : classPath) {
            Path path = Path.of(entry);
            boolean candidate = Files.isRegularFile(path) ? entry.endsWith(".jar")
                    : Files.isRegularFile(path.resolve("module-info.class"));
            if (!candidate) {
                continue;
            }
            try {
                for (ModuleReference module : ModuleFinder.of(path).findAll()) {
                    ModuleDescriptor descriptor = module.descriptor();
                    String name = descriptor.name();
                    // Ringfile's and Netty's modules, and HdrHistogram, the engine's one other dependency (an
                    // automatic module, named after its jar)
                    if (!descriptor.isAutomatic() && (name.startsWith("io.ringfile") || name.startsWith("io.netty."))
                            || name.equals("HdrHistogram")) {
                        modules.add(entry);
                    }
                }
            } catch (FindException notAModule) {
                // not a module: stays off the module path
            }
        }
        return modules;
    }

    /** A JDK a test starts children with: the running one, or another installed one. */
    static final class Jdk {
        final String label;
        /** The JDK's home, or null where it is not installed. */
        final Path home;
        final int feature;

        private Jdk(String label, Path home, int feature) {
            this.label = label;
            this.home = home;
            this.feature = feature;
        }

        /** The JDK running the tests. */
        static Jdk running() {
            return new Jdk("JDK " + Runtime.version().feature() + " (running the tests)",
                    Path.of(System.getProperty("java.home")), Runtime.version().feature());
        }

        /**
         * The first {@code /usr/lib/jvm/temurin-FEATURE-jdk*} (where CI and this machine keep their second JDK), or
         * an absent JDK that {@link #assumePresent} skips with the reason.
         */
        static Jdk installed(int feature) {
            Path jvms = Path.of("/usr/lib/jvm");
            if (Files.isDirectory(jvms)) {
                try (Stream<Path> homes = Files.list(jvms)) {
                    Optional<Path> home = homes.filter(h -> h.getFileName().toString()
                                    .startsWith("temurin-" + feature + "-jdk"))
                            .filter(h -> Files.isExecutable(h.resolve("bin").resolve("java")))
                            .sorted().findFirst();
                    if (home.isPresent()) {
                        return new Jdk("JDK " + feature + " (" + home.get() + ")", home.get(), feature);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new Jdk("JDK " + feature + " (not installed under " + jvms + ")", null, feature);
        }

        void assumePresent() {
            Assumptions.assumeTrue(home != null, () -> label + ": no temurin-" + feature + "-jdk* under /usr/lib/jvm,"
                    + " so nothing can run on JDK " + feature + " here");
        }

        String java() {
            return home.resolve("bin").resolve("java").toString();
        }

        /**
         * The native-access grant README documents (JDK 24+ warns without it when Netty loads its library; JDK 17
         * accepts it): {@code ALL-UNNAMED} on the class path, Netty's loader module {@code io.netty.common} on the
         * module path.
         */
        List<String> nativeAccess(boolean modulePath) {
            return List.of("--enable-native-access=" + (modulePath ? "io.netty.common" : "ALL-UNNAMED"));
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** {@code java [flags] -cp CLASSPATH MAIN ARGS...}, with native access granted on JDK 22+. */
    static List<String> command(List<String> classPath, List<String> jvmFlags, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java());
        if (Runtime.version().feature() >= 22) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add("-Xmx512m");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classPath));
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        return command;
    }

    /**
     * Copies the class path into a fresh world-readable directory, for a JVM run as an unprivileged user who
     * cannot read root's Maven repository. The caller deletes it with {@link #deleteTree}.
     */
    static List<String> worldReadableCopy(List<String> classPath, Path into) {
        try {
            Files.createDirectories(into);
            setMode(into, "rwxr-xr-x");
            List<String> copied = new ArrayList<>();
            int index = 0;
            for (String entry : classPath) {
                Path source = Path.of(entry);
                if (!Files.exists(source)) {
                    continue;
                }
                Path target = into.resolve(index++ + "-" + source.getFileName());
                copyTree(source, target);
                copied.add(target.toString());
            }
            return copied;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path from : (Iterable<Path>) walk::iterator) {
                Path to = target.resolve(source.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                    setMode(to, "rwxr-xr-x");
                } else {
                    Files.copy(from, to);
                    setMode(to, "rw-r--r--");
                }
            }
        }
    }

    static void setMode(Path path, String mode) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it lives under the build or temp directory
        }
    }
}
