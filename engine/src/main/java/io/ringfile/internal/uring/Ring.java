package io.ringfile.internal.uring;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.internal.PlatformDependent;

import java.nio.channels.AsynchronousCloseException;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One io_uring event loop and the ops in flight on it.
 *
 * <p>Threading: {@link #submit} may be called from any thread. Ops from other threads go into one queue that a single
 * task drains, so a burst costs one task and one wakeup; ops from the loop thread itself are submitted directly.
 * Everything else runs on the loop thread only.
 *
 * <p>The in-flight bound is half the completion queue, so completions never overflow; ops past it wait in a
 * backlog. Each SQE carries its slot number as Netty's 16-bit data, which keeps Netty on its fast path.
 */
final class Ring implements IoUringIoHandle {
    private static final int MAX_SLOTS = Short.MAX_VALUE + 1;

    /**
     * Ops the kernel may still be working on when their ring stopped (a forced shutdown). They stay referenced for
     * the life of the JVM, and with them every buffer they point to: a deliberate leak, never a use after free.
     */
    private static final Queue<RingOp> ABANDONED = new java.util.concurrent.ConcurrentLinkedQueue<>();

    final IoEventLoop loop;
    private IoRegistration registration;

    private final Queue<RingOp> incoming = PlatformDependent.newMpscQueue();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainIncoming;

    // Loop-thread state
    private final RingOp[] slots;
    private final int[] freeSlots;
    private int freeCount;
    private final ArrayDeque<RingOp> backlog = new ArrayDeque<>();
    private final Runnable refillTask = this::refillFromBacklog;
    private boolean refillScheduled;
    private boolean stopped;

    Ring(IoEventLoop loop, int completionQueueSize) {
        this.loop = loop;
        // Half the completion queue: a slot frees when its completion is handled, before Netty publishes the
        // queue's head, so continuations submitted from completions need room beside the ops in flight.
        int size = Math.min(completionQueueSize / 2, MAX_SLOTS);
        this.slots = new RingOp[size];
        this.freeSlots = new int[size];
        for (int i = size - 1; i >= 0; i--) {
            freeSlots[freeCount++] = i;
        }
    }

    void registered(IoRegistration registration) {
        this.registration = registration;
    }

    boolean inLoop() {
        return loop.inEventLoop();
    }

    /** Submits {@code op} from any thread. */
    void submit(RingOp op) {
        if (loop.inEventLoop()) {
            submitOnLoop(op);
            return;
        }
        incoming.offer(op);
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) { // the loop has shut down
                rejectIncoming();
            }
        }
    }

    /** Runs {@code task} on the loop thread, or not at all once the loop has ended. */
    void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException ignored) {
            // the loop has ended; everything it owned was abandoned then
        }
    }

    private void drainIncoming() {
        drainScheduled.set(false);
        RingOp op;
        while ((op = incoming.poll()) != null) {
            submitOnLoop(op);
        }
    }

    private void rejectIncoming() {
        RingOp op;
        while ((op = incoming.poll()) != null) {
            op.reject(new AsynchronousCloseException());
        }
    }

    void submitOnLoop(RingOp op) {
        if (stopped) {
            op.reject(new AsynchronousCloseException());
            return;
        }
        if (op.beforeSubmit()) {
            enqueue(op);
        }
    }

    /** Submits an admitted op now, or keeps it in the backlog until a slot frees (admitted once, not again). */
    private void enqueue(RingOp op) {
        if (freeCount == 0) {
            backlog.add(op);
            return;
        }
        int slot = freeSlots[--freeCount];
        slots[slot] = op;
        long id = registration.submit(new IoUringIoOps(op.opcode, (byte) 0, (short) 0, op.fd, op.union1, op.union2,
                op.len, op.union3, (short) slot, (short) 0, (short) 0, 0, 0L));
        if (id == 0) { // registration cancelled: Netty dropped the entry
            slots[slot] = null;
            freeSlots[freeCount++] = slot;
            op.reject(new AsynchronousCloseException());
        }
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event; // reused by Netty: read it, never keep it
        int slot = completion.data();
        int res = completion.res();
        RingOp op = slots[slot];
        if (op == null) { // abandoned by stop(); its memory stays leaked on purpose
            return;
        }
        slots[slot] = null;
        freeSlots[freeCount++] = slot;
        op.complete(res);
        if (!backlog.isEmpty() && !refillScheduled) {
            // Refill after this batch of completions: Netty publishes the queue's head only when the batch ends,
            // and ops refilled now could complete into a queue that still counts the whole batch as unread.
            refillScheduled = true;
            loop.execute(refillTask);
        }
    }

    private void refillFromBacklog() {
        refillScheduled = false;
        while (freeCount > 0 && !backlog.isEmpty()) {
            enqueue(backlog.poll());
        }
    }

    /** Ops submitted and not yet completed (loop thread). */
    int inFlight() {
        return slots.length - freeCount;
    }

    /**
     * Stops the ring (loop thread): queued ops are rejected, ops in the kernel are abandoned with their memory,
     * because the kernel may still write into it after the ring is gone.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (int i = 0; i < slots.length; i++) {
            RingOp op = slots[i];
            if (op != null) {
                slots[i] = null;
                ABANDONED.add(op); // keeps its buffers reachable: the GC must never free memory the kernel may write
                op.abandon(new AsynchronousCloseException());
            }
        }
        RingOp op;
        while ((op = backlog.poll()) != null) {
            op.reject(new AsynchronousCloseException());
        }
        rejectIncoming();
    }

    /** Netty calls this on the loop thread when the event loop shuts down. */
    @Override
    public void close() {
        stop();
        if (registration != null) {
            registration.cancel();
        }
    }
}
