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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * backlog. Each SQE carries its slot number as its user data, small enough for Netty's fast path.
 *
 * <p>Lifecycle: the ring runs until {@link #stop()} (its backend's shutdown, on the loop thread). From then on every
 * op offered from anywhere is refused by the thread that offers it, queued ops are refused, and ops still in the
 * kernel are abandoned: their callers hear of it at once, while the ops, and every buffer they point to, stay
 * referenced until the kernel's completion arrives ({@link RingOp#reap}) or, if it never does, for the life of the
 * JVM. No exception from an op's completion may end the loop thread: each is caught and logged here.
 */
final class Ring implements IoUringIoHandle {
    private static final int MAX_SLOTS = Short.MAX_VALUE + 1;
    /** Slots beyond the in-flight limit, for {@linkplain RingOp#urgent urgent} ops (closes). */
    private static final int URGENT_SLOTS = 32;
    private static final System.Logger LOG = System.getLogger("io.ringfile");

    /**
     * Ops the kernel may still be working on when their ring stopped. They stay referenced until the kernel reports
     * them, and with them every buffer they point to: never a use after free, a deliberate leak if it never does.
     */
    private static final Set<RingOp> ABANDONED = ConcurrentHashMap.newKeySet();

    final IoEventLoop loop;
    private IoRegistration registration;

    /** {@link RingOp}s and direct-buffer {@link TransferRequest}s from other threads. */
    private final Queue<Object> incoming = PlatformDependent.newMpscQueue();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Held by the one thread taking from {@link #incoming} (the queue allows one at a time). */
    private final AtomicBoolean consuming = new AtomicBoolean();
    private final Runnable drainTask = this::drainIncoming;
    /** Set once, on the loop thread, when the ring stops accepting ops. */
    private volatile boolean stopped;

    /** Whether this ring has stopped or its loop is ending: no more ops are for it. Any thread. */
    boolean ending() {
        return stopped || loop.isShuttingDown();
    }

    // Loop-thread state
    private final RingOp[] slots;
    private final long[] slotIds; // each slot's user data as Netty submitted it, for a cancel
    private final UringFile.DirectTransfer[] transfers; // one reusable op per slot, made on first use
    private final AddressCache addresses = new AddressCache();
    private final int[] freeSlots;
    private int freeCount;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>(); // admitted, as in incoming
    private final ArrayDeque<RingOp> urgent = new ArrayDeque<>(); // urgent ops that found every slot taken
    /** The most ops other than urgent ones in the kernel at once; the slots beyond it are kept for urgent ops. */
    private final int limit;
    private final Runnable refillTask = this::refillFromBacklog;
    private boolean refillScheduled;
    private int abandonedInKernel; // abandoned ops whose completion has not arrived
    /** Ops that found no free slot; written by the loop thread only, read by {@link #metrics}. */
    private volatile long waitedForSlot;

    /** A ring on {@code loop} keeping at most {@code maxInFlight} ops in the kernel (and never over half its CQ). */
    Ring(IoEventLoop loop, int completionQueueSize, int maxInFlight) {
        this.loop = loop;
        // Half the completion queue: a slot frees when its completion is handled, before Netty publishes the
        // queue's head, so continuations submitted from completions need room beside the ops in flight.
        int capacity = Math.max(2, Math.min(completionQueueSize / 2, MAX_SLOTS));
        // A few slots stay free for closes: a close must not wait behind reads that a hung file system holds.
        this.limit = Math.max(1, Math.min(maxInFlight, capacity - Math.min(URGENT_SLOTS, capacity / 2)));
        int size = Math.min(capacity, limit + URGENT_SLOTS);
        this.slots = new RingOp[size];
        this.slotIds = new long[size];
        this.transfers = new UringFile.DirectTransfer[size];
        this.freeSlots = new int[size];
        for (int i = size - 1; i >= 0; i--) {
            freeSlots[freeCount++] = i;
        }
    }

    /**
     * This ring's gauges, from any thread: the loop thread's counts read without synchronization, so each is a
     * value it had recently (an int is never torn), not one taken at the same instant as the others.
     */
    io.ringfile.EngineMetrics.RingMetrics metrics(int index) {
        int inFlight = slots.length - freeCount;
        int waiting;
        try {
            waiting = backlog.size() + urgent.size() + incoming.size();
        } catch (RuntimeException e) { // the deque resized under the read: report what is known for sure
            waiting = incoming.size();
        }
        return new io.ringfile.EngineMetrics.RingMetrics(index, Math.max(0, inFlight), Math.max(0, waiting),
                waitedForSlot);
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
        if (stopped) { // no drain will come: refuse it here (after the offer, so that stop() or we see it)
            rejectQueued();
            return;
        }
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) { // the loop has ended
                rejectQueued();
            }
        }
    }

    private void drainIncoming() {
        drainScheduled.set(false);
        if (!consuming.compareAndSet(false, true)) {
            return; // a stopped ring: the thread holding the queue refuses what is in it
        }
        try {
            Object next;
            while ((next = incoming.poll()) != null) {
                if (next instanceof RingOp) {
                    submitOnLoop((RingOp) next);
                } else {
                    submitOnLoop((TransferRequest) next);
                }
            }
        } finally {
            consuming.set(false);
        }
        if (stopped) {
            rejectQueued(); // offered while this drain held the queue
        }
    }

    /**
     * Refuses every op in {@link #incoming}; any thread, once the ring has stopped. Threads take turns through
     * {@link #consuming}, and look again after their turn, so an op offered meanwhile is never left behind.
     */
    private void rejectQueued() {
        while (!incoming.isEmpty() && consuming.compareAndSet(false, true)) {
            try {
                Object next;
                while ((next = incoming.poll()) != null) {
                    reject(next, new AsynchronousCloseException());
                }
            } finally {
                consuming.set(false);
            }
        }
    }

    /** Refuses an op or request that never reached the kernel. */
    private static void reject(Object opOrRequest, Throwable error) {
        try {
            if (opOrRequest instanceof RingOp) {
                ((RingOp) opOrRequest).reject(error);
            } else {
                ((TransferRequest) opOrRequest).failed(error);
            }
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, "Ringfile: reporting a refused operation failed", e);
        }
    }

    private void submitOnLoop(TransferRequest request) {
        if (stopped || !((UringFile) request.target()).admit()) {
            reject(request, new AsynchronousCloseException());
            return;
        }
        enqueue(request);
    }

    void submitOnLoop(RingOp op) {
        if (stopped) {
            reject(op, new AsynchronousCloseException());
            return;
        }
        boolean submit;
        try {
            submit = op.beforeSubmit();
        } catch (Throwable e) { // out of memory, say: the op fails, the ring goes on
            reject(op, e);
            return;
        }
        if (submit) {
            enqueue(op);
        }
    }

    /** Submits an admitted request now, or keeps it in the backlog until a slot frees. */
    private void enqueue(TransferRequest request) {
        if (slots.length - freeCount >= limit) {
            backlog.add(request);
            waitedForSlot++;
            return;
        }
        int slot = freeSlots[--freeCount];
        UringFile file = (UringFile) request.target();
        UringFile.DirectTransfer op;
        try {
            op = transfers[slot];
            if (op == null) {
                op = transfers[slot] = new UringFile.DirectTransfer();
            }
            op.start(file, request, addresses);
        } catch (Throwable e) { // out of memory for the op or the buffer's address: this transfer fails
            freeSlots[freeCount++] = slot;
            file.done();
            reject(request, e);
            return;
        }
        push(op, slot);
    }

    /**
     * Submits an admitted op now, or keeps it in the backlog until a slot frees (admitted once, not again). An
     * urgent op may take the slots kept beyond the limit, and waits apart, ahead of the backlog.
     */
    private void enqueue(RingOp op) {
        if (op.urgent ? freeCount == 0 : slots.length - freeCount >= limit) {
            if (op.urgent) {
                urgent.add(op);
            } else {
                backlog.add(op);
            }
            waitedForSlot++;
            return;
        }
        push(op, freeSlots[--freeCount]);
    }

    /**
     * The entry's flags: the op's own, plus IOSQE_ASYNC for the data operations of a file whose file system can make
     * even a non-blocking attempt wait ({@link UringFile#punted}): that attempt would run on this ring's thread.
     */
    private static byte flags(RingOp op) {
        if (op.file == null || !op.file.punted) {
            return op.flags;
        }
        switch (op.opcode) {
            case Linux.IORING_OP_READ:
            case Linux.IORING_OP_WRITE:
            case Linux.IORING_OP_FSYNC:
            case Linux.IORING_OP_FTRUNCATE:
            case Linux.IORING_OP_SPLICE:
                return (byte) (op.flags | Linux.IOSQE_ASYNC);
            default:
                return op.flags;
        }
    }

    /** Puts {@code op} in the submission queue under its free {@code slot}. */
    private void push(RingOp op, int slot) {
        slots[slot] = op;
        Throwable refused;
        try {
            int ready = op.file == null || op.opcode == Linux.IORING_OP_CLOSE ? 0 : op.file.readyForRing();
            if (ready != 0) { // the descriptor would still read as "never wait": fail this op, not its data
                slots[slot] = null;
                freeSlots[freeCount++] = slot;
                reject(op, Errno.exception(-ready, op.file.name()));
                return;
            }
            long id = registration.submit(new IoUringIoOps(op.opcode, flags(op), (short) 0, op.fd, op.union1,
                    op.union2, op.len, op.union3, slot, (short) 0, (short) 0, op.union5, 0L));
            if (id != 0) {
                slotIds[slot] = id;
                return;
            }
            refused = new AsynchronousCloseException(); // registration cancelled: Netty dropped the entry
        } catch (Throwable e) {
            refused = e;
        }
        slots[slot] = null;
        freeSlots[freeCount++] = slot;
        reject(op, refused);
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event; // reused by Netty: read it, never keep it
        int slot = (int) completion.userData();
        int res = completion.res();
        RingOp op = slots[slot];
        if (op == null) {
            return;
        }
        slots[slot] = null;
        if (stopped) { // abandoned by stop(): the kernel is done with it after all
            abandonedInKernel--;
            ABANDONED.remove(op);
            try {
                op.reap(res);
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.ERROR, "Ringfile: releasing an abandoned operation failed", e);
            }
            return;
        }
        freeSlots[freeCount++] = slot;
        try {
            op.complete(res);
        } catch (Throwable e) { // a bug: ops report their own failures; never let it end the loop thread
            LOG.log(System.Logger.Level.ERROR, "Ringfile: completing an operation failed", e);
        }
        if ((!backlog.isEmpty() || !urgent.isEmpty()) && !refillScheduled) {
            // Refill after this batch of completions: Netty publishes the queue's head only when the batch ends,
            // and ops refilled now could complete into a queue that still counts the whole batch as unread.
            refillScheduled = true;
            try {
                loop.execute(refillTask);
            } catch (RejectedExecutionException e) {
                refillScheduled = false; // the loop is ending; stop() refuses the backlog
            }
        }
    }

    private void refillFromBacklog() {
        refillScheduled = false;
        while (freeCount > 0 && !urgent.isEmpty()) {
            enqueue(urgent.poll());
        }
        while (slots.length - freeCount < limit && !backlog.isEmpty()) {
            Object next = backlog.poll();
            if (next instanceof RingOp) {
                enqueue((RingOp) next);
            } else {
                enqueue((TransferRequest) next);
            }
        }
    }

    /**
     * Stops the op that reports to {@code completion} (loop thread): in the backlog, it fails now with {@code error};
     * in the kernel, an IORING_OP_ASYNC_CANCEL asks for it (the kernel may still finish it: a read of a regular file
     * usually runs on; a wait in a worker, on a FUSE file say, is interrupted), and its outcome comes as usual.
     */
    void cancel(Object completion, Throwable error) {
        if (stopped) {
            return;
        }
        for (java.util.Iterator<Object> it = backlog.iterator(); it.hasNext(); ) {
            Object waiting = it.next();
            if (waiting == completion) { // a direct transfer, admitted by its file
                it.remove();
                ((UringFile) ((TransferRequest) waiting).target()).done();
                reject(waiting, error);
                return;
            } else if (waiting instanceof RingOp && ((RingOp) waiting).reportsTo(completion)) {
                it.remove();
                reject(waiting, error);
                return;
            }
        }
        for (int slot = 0; slot < slots.length; slot++) {
            RingOp op = slots[slot];
            if (op != null && op.reportsTo(completion)) {
                enqueue(new CancelOne(slotIds[slot]));
                return;
            }
        }
    }

    /** Asks the kernel to cancel the op submitted with {@code userData}; its outcome matters to nobody. */
    private static final class CancelOne extends RingOp {
        CancelOne(long userData) {
            super(null);
            urgent = true;
            sqe(Linux.IORING_OP_ASYNC_CANCEL, -1, 0, userData, 0, 0);
        }

        @Override
        void complete(int res) {
        }

        @Override
        void reject(Throwable error) {
        }

        @Override
        void abandon(Throwable error) {
        }
    }

    /** True when nothing is in flight, waiting in the backlog or queued for this ring (loop thread). */
    boolean idle() {
        return freeCount == slots.length && backlog.isEmpty() && urgent.isEmpty() && incoming.isEmpty();
    }

    /** Abandoned ops whose completion has not arrived yet (loop thread). */
    int abandonedInKernel() {
        return abandonedInKernel;
    }

    /**
     * Stops the ring (loop thread): from now on ops are refused, queued ones at once; ops the kernel still holds are
     * abandoned with their memory, which stays referenced until their completions arrive. Idempotent.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (RingOp op : slots) {
            if (op != null) {
                abandonedInKernel++;
                ABANDONED.add(op); // keeps its buffers reachable: the GC must never free memory the kernel may write
                try {
                    op.abandon(new AsynchronousCloseException());
                } catch (Throwable e) {
                    LOG.log(System.Logger.Level.ERROR, "Ringfile: reporting an abandoned operation failed", e);
                }
            }
        }
        Object next;
        while ((next = urgent.poll()) != null) {
            reject(next, new AsynchronousCloseException());
        }
        while ((next = backlog.poll()) != null) {
            reject(next, new AsynchronousCloseException());
        }
        rejectQueued();
    }

    /**
     * After the loop ended (any thread): refuses whatever is still queued, and stops the ring if its loop ended
     * without closing this handle. Netty's loop can do that: under {@code shutdownGracefully(0, 0)} it may leave its
     * run loop before it ever closes its handles, and then destroys the ring. The completions of the ops still in
     * the slots will never come: their callers are told now, and the ops stay referenced for good (the kernel may
     * have been writing into their buffers while the ring was torn down). A close among them was submitted, so the
     * kernel has done it: its waiters hear so. Does nothing more while the loop still runs.
     */
    void loopEnded() {
        if (!loop.isTerminated()) {
            if (stopped) {
                rejectQueued();
            }
            return;
        }
        if (!stopped) { // the loop thread is gone: its state is ours now (the termination happened-before this)
            stopped = true;
            AsynchronousCloseException error = new AsynchronousCloseException();
            for (int i = 0; i < slots.length; i++) {
                RingOp op = slots[i];
                if (op != null) {
                    slots[i] = null;
                    ABANDONED.add(op);
                    try {
                        op.abandon(error);
                        op.lost();
                    } catch (Throwable e) {
                        LOG.log(System.Logger.Level.ERROR, "Ringfile: reporting an abandoned operation failed", e);
                    }
                }
            }
            Object next;
            while ((next = urgent.poll()) != null) {
                reject(next, error);
            }
            while ((next = backlog.poll()) != null) {
                reject(next, error);
            }
        }
        rejectQueued();
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
