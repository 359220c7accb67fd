package io.ringfile.nativetest;

import io.ringfile.AsyncFile;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Wraps an {@link AsyncFile} so that its {@code close()} waits a bounded time. {@code AsyncFile.close()} waits
 * until every operation on the file has finished, without a bound: in try-with-resources a lost completion would
 * hang the test there and hide the assertion that failed first. The wrapper's close fails instead (and, in
 * try-with-resources after a failure, is attached to it as a suppressed exception). Every other call goes straight
 * to the file; a dynamic proxy keeps this independent of the interface's other methods.
 */
final class BoundedFile {
    static final long CLOSE_SECONDS = 30;

    private BoundedFile() {
    }

    static AsyncFile wrap(AsyncFile file) {
        return (AsyncFile) Proxy.newProxyInstance(AsyncFile.class.getClassLoader(), new Class<?>[] {AsyncFile.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        close(file);
                        return null;
                    }
                    if (method.getName().equals("toString") && method.getParameterCount() == 0) {
                        return file.toString();
                    }
                    try {
                        return method.invoke(file, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static void close(AsyncFile file) throws IOException {
        try {
            file.closeAsync().get(CLOSE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("close() of " + file.path() + " did not complete within " + CLOSE_SECONDS
                    + " s: an operation on the file never completed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
        }
    }
}
