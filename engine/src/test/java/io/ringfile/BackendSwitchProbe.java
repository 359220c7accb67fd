package io.ringfile;

/**
 * Child JVM of {@link BackendSwitchTest}: builds engines as a program would, with whatever {@code ringfile.backend}
 * and {@code RINGFILE_BACKEND} its command line and environment hold, and prints what each runs or why it could not
 * start.
 */
public final class BackendSwitchProbe {
    private BackendSwitchProbe() {
    }

    public static void main(String[] args) {
        report("UNSET", FileEngine.builder().name("probe-unset"));
        report("EXPLICIT-NIO", FileEngine.builder().name("probe-explicit").backend(FileEngine.Backend.NIO));
        report("SECOND", FileEngine.builder().name("probe-second"));
        try {
            System.out.println("DEFAULT-ENGINE " + AsyncFiles.engine().backend());
        } catch (RuntimeException | Error e) {
            System.out.println("DEFAULT-ENGINE " + e.getClass().getName() + ": " + e.getMessage());
        }
        System.out.println("DONE");
    }

    private static void report(String key, FileEngine.Builder builder) {
        try (FileEngine engine = builder.build()) {
            System.out.println(key + " " + engine.backend());
        } catch (RuntimeException | Error e) {
            System.out.println(key + " " + e.getClass().getName() + ": " + e.getMessage());
        }
    }
}
