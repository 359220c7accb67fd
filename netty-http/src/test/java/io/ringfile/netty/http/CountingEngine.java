package io.ringfile.netty.http;

import io.netty.buffer.ByteBuf;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileEngine} that passes every call to another one and counts what the handler asks of it: bytes read
 * into {@code ByteBuf}s, reads in flight (and the most at once), files opened and closed, and the threads its
 * futures were issued on.
 */
final class CountingEngine {
    final AtomicLong bytesRead = new AtomicLong();
    /** Bytes asked of {@code sendTo} (counted when asked: what the kernel may send ahead of the client). */
    final AtomicLong bytesSendAsked = new AtomicLong();
    /** Bytes {@code sendTo} reported sent. */
    final AtomicLong bytesSent = new AtomicLong();
    /**
     * {@code sendTo} calls not completed yet. The kernel may have sent every byte (and the client read them and gone)
     * before the engine completes the call: wait for 0 before reading {@link #bytesSent}.
     */
    final AtomicInteger sendsInFlight = new AtomicInteger();
    final AtomicInteger readsInFlight = new AtomicInteger();
    final AtomicInteger maxReadsInFlight = new AtomicInteger();
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    /** Calls of the engine or a file made on a thread whose name does not start with the expected prefix. */
    final AtomicInteger offLoopCalls = new AtomicInteger();
    private final String loopThreadPrefix;
    final FileEngine engine;

    CountingEngine(FileEngine delegate, String loopThreadPrefix) {
        this.loopThreadPrefix = loopThreadPrefix;
        this.engine = (FileEngine) Proxy.newProxyInstance(FileEngine.class.getClassLoader(),
                new Class<?>[] {FileEngine.class}, handler(delegate, true));
    }

    private InvocationHandler handler(Object delegate, boolean isEngine) {
        return (proxy, method, args) -> {
            if (loopThreadPrefix != null && !Thread.currentThread().getName().startsWith(loopThreadPrefix)
                    && !method.getName().equals("backend") && !method.getName().equals("fallbackReason")
                    && !method.getName().equals("close")) {
                offLoopCalls.incrementAndGet();
            }
            Object result = invoke(method, delegate, args);
            if (isEngine && method.getName().equals("open")) {
                @SuppressWarnings("unchecked")
                CompletableFuture<AsyncFile> opening = (CompletableFuture<AsyncFile>) result;
                return opening.thenApply(f -> {
                    opened.incrementAndGet();
                    return (AsyncFile) Proxy.newProxyInstance(AsyncFile.class.getClassLoader(),
                            new Class<?>[] {AsyncFile.class}, handler(f, false));
                });
            }
            if (!isEngine && method.getName().equals("closeAsync")) {
                closed.incrementAndGet();
            }
            if (!isEngine && method.getName().equals("read") && args.length == 2 && args[0] instanceof ByteBuf) {
                int now = readsInFlight.incrementAndGet();
                maxReadsInFlight.accumulateAndGet(now, Math::max);
                @SuppressWarnings("unchecked")
                CompletableFuture<Integer> read = (CompletableFuture<Integer>) result;
                return read.whenComplete((n, e) -> {
                    readsInFlight.decrementAndGet();
                    if (n != null && n > 0) {
                        bytesRead.addAndGet(n);
                    }
                });
            }
            if (!isEngine && method.getName().equals("sendTo")) {
                bytesSendAsked.addAndGet((Long) args[2]);
                sendsInFlight.incrementAndGet();
                @SuppressWarnings("unchecked")
                CompletableFuture<Long> sending = (CompletableFuture<Long>) result;
                return sending.whenComplete((n, e) -> {
                    if (n != null) {
                        bytesSent.addAndGet(n);
                    }
                    sendsInFlight.decrementAndGet();
                });
            }
            return result;
        };
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
