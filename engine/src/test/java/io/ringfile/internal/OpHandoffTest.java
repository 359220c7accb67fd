package io.ringfile.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How an op's outcome reaches a caller blocked on it: handed to the waiting thread when nothing else depends on the
 * future, through the completion executor otherwise, and never lost to a timeout, an interrupt or a cancel. The
 * backend's report is made from a separate thread here, as a ring thread would.
 */
@Timeout(30)
class OpHandoffTest {
    private final AtomicInteger hops = new AtomicInteger();
    private final Executor counting = task -> {
        hops.incrementAndGet();
        ForkJoinPool.commonPool().execute(task);
    };

    private ValueOp<Long> newOp() {
        return new ValueOp<>(counting, null, Metrics.STAT, ValueOp.SIZE);
    }

    /** Reports {@code result} from another thread once {@code waiter} is parked (or after a while regardless). */
    private static Thread reportLater(ValueOp<Long> op, Thread waiter, long result) {
        Thread reporter = new Thread(() -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while (waiter.getState() != Thread.State.WAITING && waiter.getState() != Thread.State.TIMED_WAITING
                    && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            op.completed(result);
        }, "test-reporter");
        reporter.start();
        return reporter;
    }

    @Test
    void aJoiningThreadCompletesTheFutureItselfWithoutTheExecutor() throws Exception {
        for (int i = 0; i < 200; i++) {
            ValueOp<Long> op = newOp();
            Thread reporter = reportLater(op, Thread.currentThread(), i);
            assertEquals(i, op.join());
            reporter.join();
        }
        assertEquals(0, hops.get(), "no outcome went through the executor");
    }

    @Test
    void getAndTimedGetAlsoTakeTheHandedOutcome() throws Exception {
        ValueOp<Long> op = newOp();
        reportLater(op, Thread.currentThread(), 7).join();
        assertEquals(7L, op.get());
        ValueOp<Long> timed = newOp();
        Thread reporter = reportLater(timed, Thread.currentThread(), 8);
        assertEquals(8L, timed.get(20, TimeUnit.SECONDS));
        reporter.join();
    }

    @Test
    void aFutureWithDependentsCompletesOnTheExecutorEvenWithAJoiner() throws Exception {
        ValueOp<Long> op = newOp();
        AtomicReference<String> ranOn = new AtomicReference<>();
        CompletableFuture<Long> dependent = op.thenApply(n -> {
            ranOn.set(Thread.currentThread().getName());
            return n;
        });
        Thread reporter = reportLater(op, Thread.currentThread(), 3);
        assertEquals(3L, op.join());
        assertEquals(3L, dependent.join());
        reporter.join();
        assertEquals(1, hops.get());
        assertFalse(ranOn.get().equals("test-reporter"), "a dependent ran on the reporting thread");
    }

    @Test
    void theLongestTimeoutsDoNotOverflow() throws Exception {
        ValueOp<Long> op = newOp();
        Thread reporter = reportLater(op, Thread.currentThread(), 11);
        assertEquals(11L, op.get(Long.MAX_VALUE, TimeUnit.DAYS));
        reporter.join();
        ValueOp<Long> nanos = newOp();
        reporter = reportLater(nanos, Thread.currentThread(), 12);
        assertEquals(12L, nanos.get(Long.MAX_VALUE, TimeUnit.NANOSECONDS));
        reporter.join();
    }

    @Test
    void aZeroOrNegativeTimeoutOnAPendingOpTimesOutAtOnce() {
        ValueOp<Long> op = newOp();
        assertThrows(TimeoutException.class, () -> op.get(0, TimeUnit.SECONDS));
        assertThrows(TimeoutException.class, () -> op.get(-5, TimeUnit.SECONDS));
        op.completed(13);
        assertEquals(13L, op.join());
    }

    @Test
    void aTimedOutGetLeavesTheOutcomeToTheExecutor() throws Exception {
        ValueOp<Long> op = newOp();
        assertThrows(TimeoutException.class, () -> op.get(20, TimeUnit.MILLISECONDS));
        op.completed(5);
        assertEquals(5L, op.get(20, TimeUnit.SECONDS));
        assertEquals(1, hops.get());
    }

    @Test
    void anInterruptedGetThrowsAndTheOutcomeStillArrives() throws Exception {
        ValueOp<Long> op = newOp();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                op.get();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        waiter.start();
        awaitParked(waiter);
        waiter.interrupt();
        waiter.join();
        assertInstanceOf(InterruptedException.class, thrown.get());
        op.completed(9);
        assertEquals(9L, op.get(20, TimeUnit.SECONDS));
    }

    @Test
    void anInterruptDoesNotEndAJoinButIsKept() throws Exception {
        ValueOp<Long> op = newOp();
        AtomicReference<Object> seen = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            long value = op.join();
            seen.set(Thread.currentThread().isInterrupted() ? "interrupted " + value : "lost the interrupt");
        });
        waiter.start();
        awaitParked(waiter);
        waiter.interrupt();
        Thread.sleep(50);
        assertTrue(waiter.isAlive(), "join returned before the outcome");
        op.completed(4);
        waiter.join();
        assertEquals("interrupted 4", seen.get());
    }

    @Test
    void cancellingWakesAJoiner() throws Exception {
        ValueOp<Long> op = newOp();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch left = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                op.join();
            } catch (Throwable e) {
                thrown.set(e);
            }
            left.countDown();
        });
        waiter.start();
        awaitParked(waiter);
        op.cancel(false);
        assertTrue(left.await(10, TimeUnit.SECONDS), "the joiner stayed parked after cancel");
        assertInstanceOf(CancellationException.class, thrown.get());
        op.completed(1); // the backend reports later: nothing changes, nothing hangs
        assertTrue(op.isCancelled());
    }

    @Test
    void forkJoinWorkersWaitTheOrdinaryWay() throws Exception {
        ValueOp<Long> op = newOp();
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            CompletableFuture<Long> joined = CompletableFuture.supplyAsync(op::join, pool);
            Thread.sleep(20);
            op.completed(6);
            assertEquals(6L, joined.get(20, TimeUnit.SECONDS));
            assertEquals(1, hops.get(), "the outcome went through the executor");
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void manyJoinersAndReportersNeverLoseAnOutcome() throws Exception {
        int rounds = 20_000;
        Thread[] joiners = new Thread[4];
        AtomicInteger wrong = new AtomicInteger();
        for (int t = 0; t < joiners.length; t++) {
            joiners[t] = new Thread(() -> {
                for (int i = 0; i < rounds / joiners.length; i++) {
                    ValueOp<Long> op = newOp();
                    long expected = i;
                    ForkJoinPool.commonPool().execute(() -> op.completed(expected));
                    if (op.join() != expected) {
                        wrong.incrementAndGet();
                    }
                }
            });
            joiners[t].start();
        }
        for (Thread joiner : joiners) {
            joiner.join();
        }
        assertEquals(0, wrong.get());
    }

    private static void awaitParked(Thread thread) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < until) {
            LockSupport.parkNanos(1_000_000);
        }
        assertEquals(Thread.State.WAITING, thread.getState(), "the waiter never parked");
    }
}
