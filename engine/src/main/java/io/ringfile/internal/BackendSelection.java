package io.ringfile.internal;

import io.netty.channel.EventLoopGroup;
import io.ringfile.FileEngine.Backend;
import io.ringfile.internal.nio.NioBackend;
import io.ringfile.internal.uring.NativeModule;
import io.ringfile.internal.uring.UringBackend;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides, when an engine starts, whether io_uring runs. The only reliable test is to create the rings: Netty's
 * probe can pass while ring creation fails (a low RLIMIT_MEMLOCK), so any {@link Throwable} from creation means
 * fallback, including errors such as a missing native library. Where Netty did not find its library, the reason says
 * where it looked (class path or module path) and what to add; on the module path the jar is often there but its
 * module unresolved (see {@link NativeModule}), which is logged at WARNING with the flag that fixes it.
 */
final class BackendSelection {
    private static final System.Logger LOG = System.getLogger("io.ringfile");

    private BackendSelection() {
    }

    static final class Choice {
        /** The io_uring backend, or null for NIO. */
        final UringBackend backend;
        final String fallbackReason;
        /**
         * Whether the fallback is a setup mistake the operator can fix (the native library is there but could not be
         * used): logged at WARNING. Otherwise it is simply where the program runs, logged at INFO.
         */
        final boolean warn;
        /** The fix, where {@link #fallbackReason} does not already say it; else null. */
        final String fix;

        Choice(UringBackend backend, String fallbackReason, boolean warn, String fix) {
            this.backend = backend;
            this.fallbackReason = fallbackReason;
            this.warn = warn;
            this.fix = fix;
        }
    }

    /**
     * Logs, once per engine, which backend it runs and why: INFO, or WARNING with the fix where the fallback has
     * one. {@code where} says where the rings run.
     */
    static void log(String engine, Choice choice, String where) {
        if (choice.backend != null && choice.fallbackReason == null) {
            LOG.log(System.Logger.Level.INFO, "Ringfile engine '" + engine + "' runs io_uring " + where);
        } else if (choice.backend != null) {
            LOG.log(System.Logger.Level.INFO, "Ringfile engine '" + engine + "' runs io_uring " + where + ": "
                    + choice.fallbackReason);
        } else if (choice.warn) {
            LOG.log(System.Logger.Level.WARNING, "Ringfile engine '" + engine + "' runs its NIO backend: "
                    + choice.fallbackReason + (choice.fix == null ? "" : ". To use io_uring: " + choice.fix));
        } else {
            LOG.log(System.Logger.Level.INFO, "Ringfile engine '" + engine + "' runs its NIO backend: "
                    + choice.fallbackReason);
        }
    }

    static Choice choose(EngineSettings settings, NioBackend pool) {
        Backend requested = settings.backend();
        EventLoopGroup group = settings.group();
        String threadPrefix = settings.threadPrefix();
        if (requested == Backend.NIO) {
            return new Choice(null, "NIO backend requested", false, null);
        }
        String notShared = null;
        if (group != null) {
            try {
                return new Choice(UringBackend.attach(group, settings.maxInFlight(), threadPrefix + "-ring",
                        pool), null, false, null);
            } catch (Exception e) {
                notShared = "the engine cannot share the event loop group: " + describe(e);
            }
        }
        Throwable failure;
        String osName = System.getProperty("os.name", "");
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            failure = new UnsupportedOperationException("io_uring needs Linux; this is " + osName);
        } else {
            try {
                UringBackend own = UringBackend.start(settings.rings(), settings.ringSize(),
                        settings.boundedWorkers(), settings.unboundedWorkers(), settings.maxInFlight(),
                        threadPrefix + "-ring", settings.threads(), pool);
                return new Choice(own, notShared, false, null);
            } catch (Throwable e) {
                failure = e;
            }
        }
        boolean libraryMissing = nativeLibraryMissing(failure);
        boolean modulePath = libraryMissing && NativeModule.nettyInNamedModules();
        Optional<Path> unusedJar = modulePath ? NativeModule.unresolvedOnModulePath() : Optional.empty();
        String reason = (notShared != null ? notShared + "; " : "") + "io_uring unavailable: "
                + explain(failure, modulePath, unusedJar);
        if (requested == Backend.IO_URING) {
            pool.shutdown(0);
            throw new UnsupportedOperationException(reason, failure);
        }
        String fix = libraryMissing ? null : fix(failure);
        return new Choice(null, reason, unusedJar.isPresent() || fix != null, fix);
    }

    /**
     * The fix where the native library loaded but the kernel refused io_uring for a reason the operator controls: a
     * low locked-memory limit, or a seccomp filter or sysctl that blocks it. Null for the rest (another OS, an old
     * kernel, no native jar), which is where the program runs and only informs.
     */
    static String fix(Throwable failure) {
        String text = String.valueOf(describe(failure)).toLowerCase(Locale.ROOT);
        if (text.contains("memlock") || text.contains("cannot allocate memory")) {
            return "raise the locked-memory limit of the process (ulimit -l; LimitMEMLOCK= for a systemd service;"
                    + " --ulimit memlock=... for a container), or set -D" + io.ringfile.FileEngine.Builder.BACKEND_PROPERTY
                    + "=nio to choose NIO and silence this warning";
        }
        if (text.contains("operation not permitted") || text.contains("eperm")) {
            return "io_uring is blocked for this process: by a seccomp filter (a container runtime's default profile"
                    + " blocks io_uring_setup) or by the sysctl kernel.io_uring_disabled; allow io_uring_setup,"
                    + " io_uring_enter and io_uring_register, or set -D" + io.ringfile.FileEngine.Builder.BACKEND_PROPERTY
                    + "=nio to choose NIO and silence this warning";
        }
        return null;
    }

    /**
     * Why io_uring did not start, with the fix where Netty did not find its native library: on the class path, on
     * the module path ({@code modulePath}), or present on the module path but not resolved ({@code unusedJar}).
     */
    static String explain(Throwable failure, boolean modulePath, Optional<Path> unusedJar) {
        if (!nativeLibraryMissing(failure)) {
            return describe(failure);
        }
        String jar = "io.netty:netty-transport-native-io_uring with classifier linux-x86_64 or linux-aarch_64";
        if (unusedJar.isPresent()) {
            return "Netty's io_uring native library is on the module path (" + unusedJar.get().getFileName()
                    + ") but its module " + NativeModule.NAME + " is not resolved, since no module requires it: add"
                    + " --add-modules " + NativeModule.NAME + " to the java command";
        }
        if (modulePath) {
            return "Netty's io_uring native library is not on the module path (add " + jar + "; its module is "
                    + NativeModule.NAME + "): " + describe(failure);
        }
        return "Netty's io_uring native library is not on the class path (add " + jar + "): " + describe(failure);
    }

    /** Netty could not find its .so among the resources its class loader sees (class path or module graph). */
    static boolean nativeLibraryMissing(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.FileNotFoundException && String.valueOf(t.getMessage()).contains("META-INF/native/")) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message of {@code failure}'s cause chain: the one that names the real obstacle. */
    static String describe(Throwable failure) {
        String message = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            } else if (message == null) {
                message = t.getClass().getName();
            }
        }
        return message;
    }
}
