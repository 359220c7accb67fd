package io.ringfile.internal;

import io.ringfile.EngineMetrics.Operation;
import io.ringfile.EngineMetrics.OperationMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How an op's outcome is counted: exactly once, as completed, failed or cancelled, when the backend reports it (a
 * cancelled future's op is still in the kernel until then), and concurrent counting loses nothing. The backend's
 * report is made by the test, as a ring thread would make it.
 */
class MetricsTest {

    @Test
    void aCancelledOpCountsAsCancelledWhenItsOutcomeArrivesNotBefore() {
        Metrics metrics = new Metrics("test", "nio", true);
        ValueOp<Long> op = new ValueOp<>(Runnable::run, metrics, Metrics.READ, ValueOp.SIZE);
        assertTrue(op.cancel(false));
        OperationMetrics reads = metrics.operations().get(Operation.READ);
        assertEquals(1, reads.submitted());
        assertEquals(0, reads.cancelled(), "the kernel still has it: not ended");
        assertEquals(1, reads.underWay());

        op.completed(4096); // the kernel finishes the read nobody waits for any more
        reads = metrics.operations().get(Operation.READ);
        assertEquals(1, reads.cancelled(), reads.toString());
        assertEquals(0, reads.completed() + reads.failed(), reads.toString());
        assertEquals(0, reads.bytes(), "a cancelled read's bytes reached nobody: " + reads);
        assertEquals(1, reads.latency().count());
        assertEquals(0, reads.underWay());
    }

    @Test
    void outcomesAreCountedOncePerOpByKind() {
        Metrics metrics = new Metrics("test", "nio", true);
        new ValueOp<>(Runnable::run, metrics, Metrics.WRITE, ValueOp.SIZE).completed(100);
        new ValueOp<>(Runnable::run, metrics, Metrics.WRITE, ValueOp.SIZE).failed(new IOException("EIO"));
        ValueOp<Long> abandoned = new ValueOp<>(Runnable::run, metrics, Metrics.FORCE, ValueOp.SIZE);
        abandoned.abandoned(new java.nio.channels.AsynchronousCloseException());
        abandoned.reaped(); // the kernel's late completion after a shutdown: already counted
        new ValueOp<>(Runnable::run, null, Metrics.READ, ValueOp.SIZE).completed(5); // metrics off: not counted

        OperationMetrics writes = metrics.operations().get(Operation.WRITE);
        assertEquals(2, writes.submitted());
        assertEquals(1, writes.completed());
        assertEquals(1, writes.failed());
        assertEquals(100, writes.bytes());
        OperationMetrics forces = metrics.operations().get(Operation.FORCE);
        assertEquals(1, forces.submitted());
        assertEquals(1, forces.failed(), "an op abandoned at shutdown failed for its caller");
        assertEquals(0, metrics.operations().get(Operation.READ).submitted());
    }

    @Test
    void concurrentOpsLoseNoCount() throws InterruptedException {
        Metrics metrics = new Metrics("test", "nio", true);
        int threads = 8;
        int each = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    new ValueOp<>(null, metrics, Metrics.READ, ValueOp.SIZE).completed(512);
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        OperationMetrics during = metrics.operations().get(Operation.READ); // a read while they count
        assertTrue(during.completed() <= during.submitted());
        for (Thread worker : workers) {
            worker.join();
        }
        OperationMetrics reads = metrics.operations().get(Operation.READ);
        long total = (long) threads * each;
        assertEquals(total, reads.submitted());
        assertEquals(total, reads.completed());
        assertEquals(total * 512, reads.bytes());
        assertEquals(total, reads.latency().count(), "every latency recorded, across the reads of the recorders");
    }

    @Test
    void callerThreadRequestsCountAsMadeAndEnded() {
        Metrics metrics = new Metrics("test", "nio", true);
        metrics.completedHere(Metrics.OPEN, System.nanoTime(), 0);
        metrics.failedHere(Metrics.OPEN, System.nanoTime());
        OperationMetrics opens = metrics.operations().get(Operation.OPEN);
        assertEquals(2, opens.submitted());
        assertEquals(1, opens.completed());
        assertEquals(1, opens.failed());
        assertEquals(0, opens.underWay());
    }
}
