package io.ringfile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Run by {@link DefaultEngineConfigurationTest} in a fresh JVM, where the default engine has not started yet. Prints
 * what it saw, one fact per line ({@code KEY value}); the test asserts on them. First argument: the scenario, then a
 * scratch directory.
 */
public final class DefaultEngineProbe {
    private DefaultEngineProbe() {
    }

    /** Names its threads {@code probe-factory-N} and makes them non-daemon, as Executors.defaultThreadFactory. */
    public static final class NamingFactory implements ThreadFactory {
        static final Set<Thread> MADE = ConcurrentHashMap.newKeySet();
        private static final AtomicInteger COUNT = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "probe-factory-" + COUNT.incrementAndGet());
            MADE.add(thread);
            return thread;
        }
    }

    /** A ThreadFactory without a no-argument constructor. */
    public static final class NoNoArgConstructor implements ThreadFactory {
        public NoNoArgConstructor(String name) {
        }

        @Override
        public Thread newThread(Runnable task) {
            return new Thread(task);
        }
    }

    /** A ThreadFactory whose constructor fails. */
    public static final class FailingConstructor implements ThreadFactory {
        public FailingConstructor() {
            throw new IllegalStateException("refuses to be made");
        }

        @Override
        public Thread newThread(Runnable task) {
            return new Thread(task);
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        Path file = Files.write(dir.resolve("probe.bin"), new byte[] {1, 2, 3});
        switch (args[0]) {
            case "bad-properties":
                badProperties(file);
                break;
            case "factory-property":
                factoryProperty(dir, file);
                break;
            case "configure":
                configure(dir, file);
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
        System.out.println("DONE");
    }

    /** Each bad value, used twice, then no value at all: the default engine must start then. */
    private static void badProperties(Path file) {
        String[][] cases = {
                {"ringfile.backend", "io-uring"},
                {"ringfile.threadFactory", "no.such.Factory"},
                {"ringfile.threadFactory", "java.lang.String"},
                {"ringfile.threadFactory", NoNoArgConstructor.class.getName()},
                {"ringfile.threadFactory", FailingConstructor.class.getName()},
        };
        for (String[] c : cases) {
            System.setProperty(c[0], c[1]);
            String label = c[0] + "=" + c[1];
            report(label + " first", () -> AsyncFiles.readAllBytes(file));
            report(label + " again", AsyncFiles::engine);
            System.clearProperty(c[0]);
        }
        report("no property", () -> AsyncFiles.readAllBytes(file));
    }

    private static void report(String label, Supplier<?> use) {
        try {
            Object result = use.get();
            if (result instanceof CompletableFuture) {
                ((CompletableFuture<?>) result).get(60, TimeUnit.SECONDS);
            }
            System.out.println("OUTCOME " + label + " => worked on " + AsyncFiles.engine().backend());
        } catch (Throwable e) {
            System.out.println("OUTCOME " + label + " => " + e.getClass().getName() + ": " + e.getMessage());
        }
    }

    /** {@code -Dringfile.threadFactory=...NamingFactory}: which threads the default engine runs on. */
    private static void factoryProperty(Path dir, Path file) throws Exception {
        FileEngine engine = started(AsyncFiles::engine);
        if (engine == null) {
            return;
        }
        for (int i = 0; i < 10; i++) {
            AsyncFiles.readAllBytes(file).get(60, TimeUnit.SECONDS);
            AsyncFiles.list(dir).get(60, TimeUnit.SECONDS);
        }
        System.out.println("BACKEND " + engine.backend());
        System.out.println("FACTORY-THREADS " + NamingFactory.MADE.size());
        System.out.println("FACTORY-THREADS-DAEMON " + NamingFactory.MADE.stream().allMatch(Thread::isDaemon));
        System.out.println("OTHER-ENGINE-THREADS " + engineThreadsNotFrom(NamingFactory.MADE));
    }

    /**
     * {@code AsyncFiles.configureDefault} before first use: a thread factory and a completion executor that records
     * which threads hand it completions (the engine's I/O threads); then a second call, after the start.
     */
    private static void configure(Path dir, Path file) throws Exception {
        Set<Thread> deliveredFrom = ConcurrentHashMap.newKeySet();
        AsyncFiles.configureDefault(builder -> builder.threadFactory(new NamingFactory()).completionExecutor(task -> {
            deliveredFrom.add(Thread.currentThread());
            task.run();
        }));
        FileEngine engine = started(AsyncFiles::engine);
        if (engine == null) {
            return;
        }
        for (int i = 0; i < 10; i++) {
            AsyncFiles.readAllBytes(file).get(60, TimeUnit.SECONDS); // io_uring: ring threads
            AsyncFiles.list(dir).get(60, TimeUnit.SECONDS); // the pool on both backends
        }
        deliveredFrom.remove(Thread.currentThread()); // an outcome that was ready at once is handed over here
        System.out.println("BACKEND " + engine.backend());
        System.out.println("DELIVERING-THREADS " + names(deliveredFrom));
        System.out.println("DELIVERING-THREADS-NOT-FROM-FACTORY " + names(deliveredFrom.stream()
                .filter(t -> !NamingFactory.MADE.contains(t)).collect(Collectors.toSet())));
        System.out.println("OTHER-ENGINE-THREADS " + engineThreadsNotFrom(NamingFactory.MADE));
        try {
            AsyncFiles.configureDefault(builder -> builder.rings(1));
            System.out.println("LATE-CONFIGURE accepted");
        } catch (Throwable e) {
            System.out.println("LATE-CONFIGURE " + e.getClass().getName() + ": " + e.getMessage());
        }
    }

    private static FileEngine started(Supplier<FileEngine> start) {
        try {
            return start.get();
        } catch (UnsupportedOperationException e) {
            System.out.println("UNAVAILABLE " + e.getMessage());
            return null;
        }
    }

    /** Live threads with the engine's default names ("ringfile-..."): made without the factory. */
    private static String engineThreadsNotFrom(Set<Thread> made) {
        return names(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ringfile") && !made.contains(t)).collect(Collectors.toSet()));
    }

    private static String names(Set<Thread> threads) {
        List<String> names = threads.stream().map(Thread::getName).sorted().collect(Collectors.toList());
        return names.isEmpty() ? "none" : String.join(",", names);
    }
}
