package io.ringfile;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The engine behind {@link AsyncFiles}: set up from system properties and {@link AsyncFiles#configureDefault}, started
 * on first use, never closed. Loading this class never fails: a bad setting fails each use with
 * {@link IllegalStateException} until the engine has started (each use reads the settings again, so a corrected
 * property takes effect).
 *
 * <p>Starting and configuring hold one lock, so a configuration either happens before the start (and counts) or
 * fails because the engine has started. Once started, {@link #get()} is one volatile read.
 */
final class DefaultEngine {
    static final String BACKEND_PROPERTY = FileEngine.Builder.BACKEND_PROPERTY;
    static final String THREAD_FACTORY_PROPERTY = "ringfile.threadFactory";

    private static final Object LOCK = new Object();
    private static volatile FileEngine engine;
    /** Settings from {@link #configure}, or null to read the system properties at the start. Guarded by LOCK. */
    private static FileEngine.Builder configured;

    private DefaultEngine() {
    }

    /** The default engine, started now if it has not been. */
    static FileEngine get() {
        FileEngine started = engine;
        return started != null ? started : start();
    }

    private static FileEngine start() {
        synchronized (LOCK) {
            if (engine == null) {
                FileEngine.Builder settings = configured != null ? configured.copy() : fromProperties();
                engine = settings.daemonThreads().build();
            }
            return engine;
        }
    }

    /** The default engine if it has started, else null: never starts it, never waits (for the provider). */
    static FileEngine startedOrNull() {
        return engine;
    }

    static void configure(Consumer<? super FileEngine.Builder> configuration) {
        Objects.requireNonNull(configuration, "configuration");
        synchronized (LOCK) {
            if (engine != null) {
                throw new IllegalStateException("the default engine has already started (" + engine
                        + "): configure it before the first use of AsyncFiles");
            }
            FileEngine.Builder settings = configured != null ? configured.copy() : fromProperties();
            configuration.accept(settings);
            configured = settings; // only now: a configuration that throws changes nothing
        }
    }

    /**
     * A builder set from {@code ringfile.threadFactory}; the backend is left unset, so that the build reads
     * {@code ringfile.backend} (or {@code RINGFILE_BACKEND}) as every engine's does.
     */
    private static FileEngine.Builder fromProperties() {
        FileEngine.Builder builder = FileEngine.builder();
        String factory = System.getProperty(THREAD_FACTORY_PROPERTY);
        if (factory != null) {
            builder.threadFactory(newThreadFactory(factory));
        }
        return builder;
    }

    /**
     * Instantiates the named class as the JDK does for {@code java.nio.channels.DefaultThreadPool.threadFactory}:
     * loaded and initialized by the system class loader, made with its public no-argument constructor.
     */
    private static ThreadFactory newThreadFactory(String className) {
        Class<?> type;
        try {
            type = Class.forName(className, true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            throw invalid(THREAD_FACTORY_PROPERTY, className, "class not found by the system class loader", e);
        } catch (LinkageError e) { // its static initializer failed, or a class it needs is missing
            throw invalid(THREAD_FACTORY_PROPERTY, className, "the class cannot be loaded: " + e, e);
        }
        if (!ThreadFactory.class.isAssignableFrom(type)) {
            throw invalid(THREAD_FACTORY_PROPERTY, className,
                    "the class does not implement java.util.concurrent.ThreadFactory", null);
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw invalid(THREAD_FACTORY_PROPERTY, className, "the class has no public no-argument constructor", e);
        }
        try {
            return (ThreadFactory) constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw invalid(THREAD_FACTORY_PROPERTY, className, "its constructor threw " + e.getCause(), e.getCause());
        } catch (InstantiationException e) {
            throw invalid(THREAD_FACTORY_PROPERTY, className, "the class is abstract", e);
        } catch (IllegalAccessException e) {
            throw invalid(THREAD_FACTORY_PROPERTY, className, "the class is not accessible (it must be public, and on"
                    + " the module path its package must be exported to io.ringfile)", e);
        }
    }

    private static IllegalStateException invalid(String property, String value, String problem, Throwable cause) {
        return new IllegalStateException("invalid system property " + property + "=" + value + ": " + problem,
                cause);
    }
}
