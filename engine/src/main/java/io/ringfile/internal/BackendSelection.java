package io.ringfile.internal;

import io.ringfile.FileEngine.Backend;
import io.ringfile.internal.nio.NioBackend;
import io.ringfile.internal.uring.UringBackend;

import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decides, when an engine starts, whether io_uring runs. The only reliable test is to create the rings: Netty's
 * probe can pass while ring creation fails (a low RLIMIT_MEMLOCK), so any {@link Throwable} from creation means
 * fallback, including errors such as a missing native library.
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
                         NioBackend pool) {
        if (requested == Backend.NIO) {
            return new Choice(null, "NIO backend requested");
        }
        Throwable failure;
        String osName = System.getProperty("os.name", "");
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            failure = new UnsupportedOperationException("io_uring needs Linux; this is " + osName);
        } else {
            try {
                return new Choice(UringBackend.start(rings, ringSize, threadPrefix + "-ring", threads,
                        pool.executor()), null);
            } catch (Throwable e) {
                failure = e;
            }
        }
        String reason = "io_uring unavailable: " + (nativeLibraryMissing(failure)
                ? "Netty's io_uring native library is not on the class path (add io.netty:"
                + "netty-transport-native-io_uring with classifier linux-x86_64 or linux-aarch_64): " + describe(failure)
                : describe(failure));
        if (requested == Backend.IO_URING) {
            pool.shutdown(0);
            throw new UnsupportedOperationException(reason, failure);
        }
        if (FALLBACK_LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "Ringfile runs on its NIO backend: " + reason);
        }
        return new Choice(null, reason);
    }

    /** Netty could not find its .so inside the jars on the class path. */
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
