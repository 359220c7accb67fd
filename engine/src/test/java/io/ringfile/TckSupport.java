package io.ringfile;

import org.reactivestreams.tck.TestEnvironment;
import org.testng.ITestResult;
import org.testng.SkipException;
import org.testng.TestListenerAdapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Set-up shared by the Reactive Streams TCK classes ({@code *TckTest}): the TCK's timing, an engine per backend that
 * skips with the reason where the backend cannot run, temporary directories, and a listener that prints every
 * skipped TCK rule with its reason to the console (surefire shows only the count of skipped tests).
 */
final class TckSupport {
    /**
     * How long the TCK waits for a signal it expects. The TCK's own default (100 ms, or the environment's
     * DEFAULT_TIMEOUT_MILLIS) is tight on a busy 2-core machine where other builds run: a read completes on an I/O
     * thread, then the signal goes through the completion executor, and either can be descheduled for a few hundred
     * ms. Waiting longer for an expected signal costs nothing when the signal comes, so this is generous.
     */
    static final long TIMEOUT_MILLIS = 2_000;
    /**
     * How long the TCK watches for a signal that must not come (for example more onNext than requested). Every such
     * check waits the full time, so this sets most of the TCK's running time. A wrong signal later than this goes
     * unseen, so a longer window only makes a check stricter, never flakier; 250 ms (the TCK's default is 100 ms)
     * catches a wrong signal from any read already in flight.
     */
    static final long NO_SIGNALS_MILLIS = 250;
    /**
     * How long the TCK sleeps before it looks for an expected {@code onError} (rule 3.9 and others). In TCK 1.0.4
     * this is also the whole deadline: its remaining-time arithmetic makes the first empty look a failure. So it is
     * a real deadline for a signal that crosses threads, and gets a full second.
     */
    static final long POLL_MILLIS = 1_000;
    /** How long rule 3.13 waits after cancel before it runs the GC and looks for the dropped subscriber. */
    static final long GC_MILLIS = 500;

    private TckSupport() {
    }

    static TestEnvironment environment() {
        return new TestEnvironment(TIMEOUT_MILLIS, NO_SIGNALS_MILLIS, POLL_MILLIS);
    }

    /** Why each TCK class whose backend cannot run here was skipped, for {@link SkipReasons}. */
    private static final Map<Class<?>, String> CLASS_SKIPS = new ConcurrentHashMap<>();

    /** An engine on {@code backend}; skips the whole class, saying why, if that backend cannot run here. */
    static FileEngine startEngine(FileEngine.Backend backend, Class<?> testClass) {
        try {
            return FileEngine.builder().backend(backend).build();
        } catch (UnsupportedOperationException e) {
            String reason = "backend " + backend + " cannot run here: " + e.getMessage();
            CLASS_SKIPS.put(testClass, reason);
            System.out.println("[TCK] every rule in " + testClass.getSimpleName() + " skipped: " + reason);
            throw new SkipException(reason);
        }
    }

    static Path tempDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Waits for set-up I/O; a failure or a hang fails the TCK test that needed it. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError("set-up I/O failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("set-up I/O did not complete within 60 s", e);
        }
    }

    /**
     * Prints each skipped TCK test with its reason, so that a skip is never silent: rules the TCK itself cannot
     * verify ("untested_..."), optional rules the implementation does not meet. A class skipped whole because its
     * backend cannot run here is reported once, by {@link #startEngine}.
     */
    public static final class SkipReasons extends TestListenerAdapter {
        @Override
        public void onTestSkipped(ITestResult result) {
            Class<?> testClass = result.getTestClass().getRealClass();
            if (CLASS_SKIPS.containsKey(testClass)) {
                return;
            }
            Throwable why = result.getThrowable();
            System.out.println("[TCK] skipped " + testClass.getSimpleName() + "." + result.getMethod().getMethodName()
                    + ": " + (why == null ? "(no reason given)" : why.getMessage()));
        }
    }
}
