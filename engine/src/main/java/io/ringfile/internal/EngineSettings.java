package io.ringfile.internal;

import io.netty.channel.EventLoopGroup;
import io.ringfile.FileEngine.Backend;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * What {@link io.ringfile.FileEngine.Builder} hands the engine, checked there. {@code completer} null means inline
 * completion; {@code threads} null means the engine's own daemon threads named after {@code threadPrefix}; {@code
 * group} null means rings of its own; {@code boundedWorkers}/{@code unboundedWorkers} 0 mean the kernel's default;
 * {@code timeoutNanos} 0 means no deadline; {@code callerWrites}: see
 * {@link io.ringfile.FileEngine.Builder#writesOnCallerThread(boolean)}.
 */
public record EngineSettings(String name, boolean metrics, Backend backend, int rings, int ringSize,
                             int boundedWorkers, int unboundedWorkers, int maxInFlight, int maxQueued,
                             int nioThreads, Executor completer, long shutdownMillis, long timeoutNanos,
                             String threadPrefix, ThreadFactory threads, EventLoopGroup group,
                             boolean callerWrites) {
}
