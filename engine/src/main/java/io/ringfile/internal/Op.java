package io.ringfile.internal;

import io.netty.util.concurrent.EventExecutor;
import io.ringfile.internal.backend.Completion;
import io.ringfile.internal.uring.RingThreads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A user-visible future that is also the backend's {@link Completion} for the operation behind it: one object per
 * operation.
 *
 * <p>The backend reports on its own thread; the future is then completed off that thread, so user code never runs
 * on an I/O thread. Where it completes:
 * <ul>
 *   <li>a thread blocked in {@link #join()} or {@link #get()} on this very future, with no dependent stage
 *       registered, completes it itself: the backend only unparks it, which saves the executor hop;
 *   <li>otherwise the completion executor completes it;
 *   <li>with no executor (inline completion, or an internal step of a larger operation) the reporting thread does.
 * </ul>
 */
abstract class Op<T> extends CompletableFuture<T> implements Completion, Runnable {
    /** {@link #handoff} once the outcome went to the executor. */
    private static final Object POSTED = new Object();
    /** {@link #handoff} once the outcome went to the waiting thread, which must now complete the future. */
    private static final Object HANDED = new Object();
    private static final VarHandle HANDOFF;

    static {
        try {
            HANDOFF = MethodHandles.lookup().findVarHandle(Op.class, "handoff", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Executor completer;
    // Few fields: one op is made per read or write, and its size is most of what a read allocates.
    /** When the op was asked for ({@link System#nanoTime()}), for its latency; 0 while metrics are off. */
    private long started;
    /**
     * What only some ops need, in one field: the JFR event (see {@link Jfr}), the deadline
     * ({@link io.netty.util.Timeout}), or both ({@link EventAndDeadline}); null for neither.
     */
    private volatile Object extras;
    /** Whether the op holds a place in its engine's {@link Admission} until its outcome. */
    private boolean admitted;
    private long result; // the backend's result; a transfer keeps its running total here until then
    private Throwable error;
    /** null (no outcome yet, nobody waiting), the waiting {@link Thread}, {@link #POSTED} or {@link #HANDED}. */
    @SuppressWarnings("unused") // through HANDOFF
    private volatile Object handoff;

    /** An op completing on {@code completer}; the subclass's constructor ends with {@link #begin()}. */
    Op(Executor completer) {
        this.completer = completer;
    }

    /** The engine's metrics and events, or null for none (tests). */
    abstract Metrics metrics();

    /** The op's kind, a {@link Metrics} constant. */
    abstract int kind();

    /** The file the op works on, for its JFR event. */
    String eventPath() {
        return null;
    }

    /** What the op does, for a {@link Metrics#PATH}-kind event ("size", "close"...). */
    String eventOperation() {
        return null;
    }

    /** Where in the file a transfer starts, for its JFR event; -1 for the file's own position or no transfer. */
    long eventPosition() {
        return -1;
    }

    /** Counts the op as asked for now and begins its JFR event where one is wanted: last in each constructor. */
    final void begin() {
        Metrics m = metrics();
        if (m == null) {
            return;
        }
        int kind = kind();
        if (m.counting) {
            started = m.start(kind);
        }
        Object event = Jfr.begin(kind);
        if (event != null) {
            extras = event;
        }
    }

    /** Both an event and a deadline. */
    private static final class EventAndDeadline {
        final Object event;
        final io.netty.util.Timeout deadline;

        EventAndDeadline(Object event, io.netty.util.Timeout deadline) {
            this.event = event;
            this.deadline = deadline;
        }
    }

    /** The exception this (done, failed) future holds, without waiting. */
    private Throwable exceptionNow() {
        try {
            super.getNow(null);
            return null;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    /**
     * Takes a place in {@code bound} for this op until its outcome arrives; false if the engine is at its limit (the
     * caller then fails the op with {@link Admission#refusal()}). Before the op starts, on the calling thread.
     */
    final boolean admit(Admission bound) {
        if (!bound.enter()) {
            return false;
        }
        admitted = true;
        return true;
    }

    /** Gives the op's place back, once, and drops its deadline. Backend thread, at the outcome. */
    private void leave() {
        if (admitted) {
            admitted = false;
            Metrics m = metrics();
            if (m != null && m.admission != null) {
                m.admission.exit();
            }
        }
        Object x = extras;
        io.netty.util.Timeout due = x instanceof io.netty.util.Timeout ? (io.netty.util.Timeout) x
                : x instanceof EventAndDeadline ? ((EventAndDeadline) x).deadline : null;
        if (due != null) {
            due.cancel();
        }
    }

    /** Sets the op's deadline (see {@link Deadlines}); before it starts. */
    final void deadline(io.netty.util.Timeout due) {
        if (due == null) {
            return;
        }
        Object x = extras;
        extras = x != null ? new EventAndDeadline(x, due) : due; // before the start: x is the event, if any
    }

    /** The future's value for a backend result. */
    abstract T value(long result);

    /** Adds {@code n} bytes to a transfer's running total. Backend thread, before the outcome. */
    final void accumulate(long n) {
        result += n;
    }

    /** A transfer's running total. */
    final long transferred() {
        return result;
    }

    /** Releases what the op owns once the backend is done with it. */
    void release() {
    }

    /**
     * Fails the op at once, on the calling thread, with {@code refusal}: a call the engine refuses before starting
     * it (its limits). The returned future is then already failed, as for a closed engine, and the refusal costs no
     * task on the completion executor, which a flood of refused calls would otherwise fill.
     */
    final void refuse(Throwable refusal) {
        this.error = refusal;
        try {
            release(); // a ByteBuf's reference, taken when the op was made
        } catch (Throwable ignored) {
            // the refusal is the outcome to report
        }
        record();
        completeNow();
    }

    @Override
    public void completed(long result) {
        this.result = result;
        releaseThenDispatch();
    }

    @Override
    public void failed(Throwable error) {
        this.error = error;
        releaseThenDispatch();
    }

    private void releaseThenDispatch() {
        try {
            release();
        } catch (Throwable e) { // a ByteBuf changed under the op, say: the future still completes, with that error
            if (error == null) {
                error = e;
            }
        }
        leave();
        record();
        dispatch();
    }

    /** Counts the outcome, once, before anyone can see it, and ends the op's JFR event. */
    private void record() {
        Metrics m = metrics();
        if (m == null) {
            return;
        }
        int kind = kind();
        boolean cancelled = isCancelled();
        boolean timedOut = !cancelled && isDone(); // failed by its deadline (or completed by the caller) before
        long bytes = kind == Metrics.READ || kind == Metrics.WRITE ? Math.max(0, result) : 0;
        if (m.counting) {
            if (cancelled) {
                m.cancelled(kind, started);
            } else if (error != null || timedOut) {
                m.failed(kind, started);
            } else {
                m.completed(kind, started, bytes);
            }
        }
        Object x = extras;
        Object e = x instanceof EventAndDeadline ? ((EventAndDeadline) x).event
                : x instanceof io.netty.util.Timeout ? null : x;
        if (e != null) {
            extras = null;
            Throwable failure = error != null || !timedOut ? error : exceptionNow();
            Jfr.end(e, m.engine, m.backend, RingThreads.isCurrent() ? Thread.currentThread().getName() : "",
                    eventPath(), eventPosition(), failure == null ? bytes : 0, eventOperation(), failure, cancelled);
        }
    }

    @Override
    public void reaped() {
        try {
            release(); // after abandoned(): the kernel is done with the buffers at last
        } catch (Throwable ignored) {
            // the future has its outcome already; nothing is left to tell
        }
    }

    @Override
    public void abandoned(Throwable error) {
        this.error = error; // nothing released: the kernel may still write into the buffers
        leave(); // its caller has its outcome: the op no longer counts against the engine's limit
        record();
        dispatch();
    }

    private void dispatch() {
        if (completer == null || onLoopOrEnding(completer)) {
            completeNow();
            return;
        }
        Object waiting = handoff;
        // Dependents run where the future completes; with none, the waiter's own thread is the right place.
        if (waiting instanceof Thread && getNumberOfDependents() == 0
                && HANDOFF.compareAndSet(this, waiting, HANDED)) {
            LockSupport.unpark((Thread) waiting);
            return;
        }
        waiting = HANDOFF.getAndSet(this, POSTED);
        if (waiting instanceof Thread) {
            LockSupport.unpark((Thread) waiting); // it sees POSTED and waits the ordinary way
        }
        try {
            completer.execute(this);
        } catch (Throwable e) { // a shut-down (or failing) executor must not leave the future hanging
            completeNow();
        }
    }

    /**
     * True when {@code executor} is an event loop (a caller's own loop of a shared group) that runs this thread,
     * so the future completes right here with no hop, or that is shutting down, so that a task given to it now
     * could be dropped.
     */
    static boolean onLoopOrEnding(Executor executor) {
        if (!(executor instanceof EventExecutor)) {
            return false;
        }
        EventExecutor loop = (EventExecutor) executor;
        return loop.inEventLoop() || loop.isShuttingDown();
    }

    /** The completion executor's task. */
    @Override
    public final void run() {
        completeNow();
    }

    /** Completes the future with the backend's outcome, on the calling thread. */
    final void completeNow() {
        if (error != null) {
            completeExceptionally(error);
        } else {
            complete(value(result));
        }
    }

    // ---- blocking callers complete the future on their own thread

    private static final int OUTCOME = 0;
    private static final int INTERRUPTED = 1;
    private static final int TIMED_OUT = 2;

    private static final long NO_LIMIT = -1L;

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new EngineFuture<>(); // derived stages refuse blocking waits on ring threads too
    }

    /** Refuses to wait on a ring thread, which would have to deliver this very outcome. */
    private void checkMayWait(String call) {
        if (!isDone()) {
            RingThreads.checkMayBlock(call + " on an unfinished Ringfile future");
        }
    }

    @Override
    public T join() {
        checkMayWait("join()");
        if (!isDone() && register()) {
            awaitOutcome(false, System.nanoTime(), NO_LIMIT);
        }
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkMayWait("get()");
        if (!isDone() && register() && awaitOutcome(true, System.nanoTime(), NO_LIMIT) == INTERRUPTED) {
            throw new InterruptedException();
        }
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long start = System.nanoTime();
        long limit = Math.max(0L, unit.toNanos(timeout)); // toNanos saturates: no overflow below
        if (limit > 0) {
            checkMayWait("get(timeout)");
        }
        if (!isDone() && register()) {
            int why = awaitOutcome(true, start, limit);
            if (why == INTERRUPTED) {
                throw new InterruptedException();
            } else if (why == TIMED_OUT) {
                throw new TimeoutException();
            }
        }
        return super.get(Math.max(0L, limit - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
    }

    /**
     * Becomes the one thread the backend may hand the outcome to. Fork-join workers do not: they wait the
     * ordinary way, so that the pool can compensate for a blocked worker.
     */
    private boolean register() {
        Thread me = Thread.currentThread();
        return completer != null && !(me instanceof ForkJoinWorkerThread)
                && HANDOFF.compareAndSet(this, null, me);
    }

    /**
     * Waits, registered as the waiter, until the outcome is handed here (and completes the future with it), went to
     * the executor, or the future completed some other way (cancelled, completed by the caller). With
     * {@code interruptible} an interrupt ends the wait, and {@code limit} nanoseconds after {@code start} (a
     * {@link System#nanoTime()} value; {@link #NO_LIMIT} for none) so does the time, both only while the outcome is
     * still pending.
     */
    private int awaitOutcome(boolean interruptible, long start, long limit) {
        boolean spin = Spinning.blocked();
        int spins = 0;
        boolean interrupted = false;
        try {
            for (;;) {
                Object state = handoff;
                if (state == HANDED) {
                    completeNow();
                    return OUTCOME;
                } else if (state == POSTED) {
                    return OUTCOME; // the executor completes it; the ordinary wait follows
                } else if (isDone()) {
                    return unregister(OUTCOME);
                } else if (interruptible && Thread.interrupted()) {
                    int why = unregister(INTERRUPTED);
                    interrupted = why != INTERRUPTED; // the outcome came first: report it, keep the flag
                    return why;
                }
                long left = limit == NO_LIMIT ? Long.MAX_VALUE : limit - (System.nanoTime() - start);
                if (left <= 0) {
                    return unregister(TIMED_OUT);
                } else if (spin) {
                    spin = Spinning.spinOnce(start, ++spins);
                } else if (limit == NO_LIMIT) {
                    LockSupport.park(this);
                    interrupted |= !interruptible && Thread.interrupted(); // join ignores interrupts
                } else {
                    LockSupport.parkNanos(this, left);
                }
            }
        } finally {
            Spinning.unblocked();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Stops waiting with {@code why}; if the outcome was handed here meanwhile, completes the future with it and
     * reports {@link #OUTCOME} instead.
     */
    private int unregister(int why) {
        if (HANDOFF.compareAndSet(this, Thread.currentThread(), null)) {
            return why;
        }
        if (handoff == HANDED) {
            completeNow();
        }
        return OUTCOME;
    }

    /** Wakes a thread parked in {@link #join()} once the future is {@code done} some other way; returns it. */
    private boolean wakeWaiterIf(boolean done) {
        Object waiting = handoff;
        if (done && waiting instanceof Thread) {
            LockSupport.unpark((Thread) waiting);
        }
        return done;
    }

    // A caller completing the future itself (cancel, orTimeout, complete) must end a waiter's park.

    @Override
    public boolean complete(T value) {
        return wakeWaiterIf(super.complete(value));
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        return wakeWaiterIf(super.completeExceptionally(ex));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return wakeWaiterIf(super.cancel(mayInterruptIfRunning));
    }
}
