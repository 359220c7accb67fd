package io.ringfile.bench;

import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads, found at run time: the module compiles with {@code --release 17}, where they do not exist.
 */
final class VirtualThreads {
    private VirtualThreads() {
    }

    /** Null when virtual threads are available, else the reason they are not. */
    static String unavailableReason() {
        try {
            factory();
            return null;
        } catch (UnsupportedOperationException e) {
            return e.getMessage();
        }
    }

    /**
     * {@code Thread.ofVirtual().factory()}.
     *
     * @throws UnsupportedOperationException on a JDK older than 21
     */
    static ThreadFactory factory() {
        int feature = Runtime.version().feature();
        if (feature < 21) {
            throw new UnsupportedOperationException("virtual threads need JDK 21 or newer; this is JDK " + feature);
        }
        try {
            Method ofVirtual = Thread.class.getMethod("ofVirtual");
            Object builder = ofVirtual.invoke(null);
            Method factory = Class.forName("java.lang.Thread$Builder").getMethod("factory");
            return (ThreadFactory) factory.invoke(builder);
        } catch (ReflectiveOperationException e) {
            throw new UnsupportedOperationException("virtual threads not found on JDK " + feature + ": " + e, e);
        }
    }
}
