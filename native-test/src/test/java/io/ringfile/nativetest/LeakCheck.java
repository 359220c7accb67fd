package io.ringfile.nativetest;

import io.ringfile.FileEngine;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * After each test, this JVM is back where it was before it: no new file descriptor (a ring, an event fd, a file)
 * and no engine thread ({@code ringfile-*}) left alive. Both are given ten seconds to settle, since engine threads
 * end asynchronously. Tests that the check would not be right for (abandoned kernel operations) do not use it.
 */
final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

    private static boolean warmedUp;

    @Override
    public void beforeEach(ExtensionContext context) {
        if (Native.isLinux()) {
            warmUp();
            context.getStore(NS).put("fds", fds());
        }
    }

    /**
     * Starts and stops an engine of each backend once per JVM before the first baseline: one-time initialisation
     * (Netty's native library, the JDK's random sources) opens descriptors that stay open by design.
     */
    private static synchronized void warmUp() {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        for (FileEngine.Backend backend : FileEngine.Backend.values()) {
            try {
                FileEngine.builder().backend(backend).build().close();
            } catch (UnsupportedOperationException ignored) {
                // io_uring cannot run here
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NS).get("fds", Map.class);
        if (before == null || context.getExecutionException().isPresent()) {
            return; // a failed test reports its own problem; leaks after it would only add noise
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<Integer, String> extra;
        Set<String> threads;
        do {
            extra = fds();
            extra.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
            threads = engineThreads();
            if (extra.isEmpty() && threads.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("leaked by " + context.getDisplayName() + ": file descriptors " + extra
                + ", engine threads " + threads);
    }

    /** Open descriptors of this process and their targets, without /proc entries (the listing itself). */
    static Map<Integer, String> fds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (var entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path entry : entries) {
                try {
                    String target = Files.readSymbolicLink(entry).toString();
                    if (!target.startsWith("/proc/")) {
                        fds.put(Integer.parseInt(entry.getFileName().toString()), target);
                    }
                } catch (IOException ignored) {
                    // closed while listing
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
        return fds;
    }

    private static Set<String> engineThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("ringfile")).collect(Collectors.toCollection(TreeSet::new));
    }
}
