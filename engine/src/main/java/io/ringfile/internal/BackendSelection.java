package io.ringfile.internal;

import io.netty.channel.EventLoopGroup;
import io.ringfile.FileEngine.Backend;
import io.ringfile.internal.nio.NioBackend;
import io.ringfile.internal.uring.NativeModule;
import io.ringfile.internal.uring.UringBackend;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decides, when an engine starts, whether io_uring runs. The only reliable test is to create the rings: Netty's
 * probe can pass while ring creation fails (a low RLIMIT_MEMLOCK), so any {@link Throwable} from creation means
 * fallback, including errors such as a missing native library. Where Netty did not find its library, the reason says
 * where it looked (class path or module path) and what to add; on the module path the jar is often there but its
 * module unresolved (see {@link NativeModule}), which is logged at WARNING with the flag that fixes it.
 */
final class BackendSelection {
    private static final System.Logger LOG = System.getLogger("io.ringfile");
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    private BackendSelection() {
    }

    static final class Choice {
        /** The io_uring backend, or null for NIO. */
        final UringBackend backend;
        final String fallbackReason;

        Choice(UringBackend backend, String fallbackReason) {
            this.backend = backend;
            this.fallbackReason = fallbackReason;
        }
    }

    static Choice choose(Backend requested, int rings, int ringSize, String threadPrefix, ThreadFactory threads,
                         EventLoopGroup group, NioBackend pool) {
        if (requested == Backend.NIO) {
            return new Choice(null, "NIO backend requested");
        }
        String notShared = null;
        if (group != null) {
            try {
                return new Choice(UringBackend.attach(group, threadPrefix + "-ring", pool), null);
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
                UringBackend own = UringBackend.start(rings, ringSize, threadPrefix + "-ring", threads, pool);
                if (notShared != null) {
                    LOG.log(System.Logger.Level.INFO, "Ringfile runs rings of its own: " + notShared);
                }
                return new Choice(own, notShared);
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
        if (FALLBACK_LOGGED.compareAndSet(false, true)) {
            // The library lying unused on the module path is a setup mistake with a one-flag fix: a warning. The rest
            // is where the program runs (another OS, a container, an old kernel, no native jar) and only informs.
            LOG.log(unusedJar.isPresent() ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "Ringfile runs on its NIO backend: " + reason);
        }
        return new Choice(null, reason);
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
