package io.ringfile.internal.uring;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.internal.PlatformDependent;
import io.ringfile.internal.backend.TransferRequest;

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

    /** {@link RingOp}s and direct-buffer {@link TransferRequest}s from other threads. */
    private final Queue<Object> incoming = PlatformDependent.newMpscQueue();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainIncoming;

    // Loop-thread state
    private final RingOp[] slots;
    private final UringFile.DirectTransfer[] transfers; // one reusable op per slot, made on first use
    private final AddressCache addresses = new AddressCache();
    private final int[] freeSlots;
    private int freeCount;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>(); // admitted, as in incoming
    private final Runnable refillTask = this::refillFromBacklog;
    private boolean refillScheduled;
    private boolean stopped;

    Ring(IoEventLoop loop, int completionQueueSize) {
        this.loop = loop;
        // Half the completion queue: a slot frees when its completion is handled, before Netty publishes the
        // queue's head, so continuations submitted from completions need room beside the ops in flight.
        int size = Math.min(completionQueueSize / 2, MAX_SLOTS);
        this.slots = new RingOp[size];
        this.transfers = new UringFile.DirectTransfer[size];
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
        offer(op);
    }

    /** Submits a transfer from a direct buffer for its {@link TransferRequest#target()}, from any thread. */
    void submit(TransferRequest request) {
        if (loop.inEventLoop()) {
            submitOnLoop(request);
            return;
        }
        offer(request);
    }

    private void offer(Object opOrRequest) {
        incoming.offer(opOrRequest);
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
        Object next;
        while ((next = incoming.poll()) != null) {
            if (next instanceof RingOp) {
                submitOnLoop((RingOp) next);
            } else {
                submitOnLoop((TransferRequest) next);
            }
        }
    }

    private void rejectIncoming() {
        Object next;
        while ((next = incoming.poll()) != null) {
            reject(next);
        }
    }

    /** Refuses an op or request that never reached the kernel. */
    private static void reject(Object opOrRequest) {
        if (opOrRequest instanceof RingOp) {
            ((RingOp) opOrRequest).reject(new AsynchronousCloseException());
        } else {
            ((TransferRequest) opOrRequest).failed(new AsynchronousCloseException());
        }
    }

    private void submitOnLoop(TransferRequest request) {
        if (stopped || !((UringFile) request.target()).admit()) {
            request.failed(new AsynchronousCloseException());
            return;
        }
        enqueue(request);
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

    /** Submits an admitted request now, or keeps it in the backlog until a slot frees. */
    private void enqueue(TransferRequest request) {
        if (freeCount == 0) {
            backlog.add(request);
            return;
        }
        int slot = freeSlots[--freeCount];
        UringFile.DirectTransfer op = transfers[slot];
        if (op == null) {
            op = transfers[slot] = new UringFile.DirectTransfer();
        }
        op.start((UringFile) request.target(), request, addresses);
        push(op, slot);
    }

    /** Submits an admitted op now, or keeps it in the backlog until a slot frees (admitted once, not again). */
    private void enqueue(RingOp op) {
        if (freeCount == 0) {
            backlog.add(op);
            return;
        }
        push(op, freeSlots[--freeCount]);
    }

    /** Puts {@code op} in the submission queue under its free {@code slot}. */
    private void push(RingOp op, int slot) {
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
            Object next = backlog.poll();
            if (next instanceof RingOp) {
                enqueue((RingOp) next);
            } else {
                enqueue((TransferRequest) next);
            }
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
        Object next;
        while ((next = backlog.poll()) != null) {
            reject(next);
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
