package io.ringfile;

import org.reactivestreams.tck.SubscriberWhiteboxVerification.SubscriberPuppet;
import org.reactivestreams.tck.SubscriberWhiteboxVerification.WhiteboxSubscriberProbe;
import org.reactivestreams.tck.flow.FlowSubscriberWhiteboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Listeners;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * The Reactive Streams TCK, white box, on the subscriber {@link AsyncFile#writeAll(Flow.Publisher, long)} subscribes
 * (see {@link WriteAllSubscriberTckSupport}). The TCK observes it through a probe: a thin subscriber that passes
 * every signal to the real one first and then reports it to the TCK. The puppet acts only through the real
 * subscriber's own means: cancelling is cancelling the future {@code writeAll} returned (which cancels the
 * subscription), and a request needs no trigger because the subscriber keeps its window of buffers requested
 * by itself, one more after each write. Run once per backend by {@code *WriteAllSubscriberWhiteboxTckTest}.
 */
@Listeners(TckSupport.SkipReasons.class)
public abstract class WriteAllSubscriberWhiteboxTck extends FlowSubscriberWhiteboxVerification<ByteBuffer> {
    private final WriteAllSubscriberTckSupport sinks;

    protected WriteAllSubscriberWhiteboxTck(FileEngine.Backend backend) {
        super(TckSupport.environment());
        this.sinks = new WriteAllSubscriberTckSupport(backend);
    }

    @BeforeClass
    public void startEngine() {
        sinks.start(getClass());
    }

    @AfterMethod(alwaysRun = true)
    public void closeFiles() {
        sinks.closeFiles();
    }

    @AfterClass(alwaysRun = true)
    public void stopEngine() throws IOException {
        sinks.stop();
    }

    @Override
    public Flow.Subscriber<ByteBuffer> createFlowSubscriber(WhiteboxSubscriberProbe<ByteBuffer> probe) {
        WriteAllSubscriberTckSupport.Sink sink = sinks.newSink();
        Flow.Subscriber<ByteBuffer> real = sink.subscriber;
        return new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                real.onSubscribe(subscription);
                probe.registerOnSubscribe(new SubscriberPuppet() {
                    @Override
                    public void triggerRequest(long elements) {
                        // nothing to do: the subscriber requests by itself as long as it is not finished
                    }

                    @Override
                    public void signalCancel() {
                        sink.written.cancel(false);
                    }
                });
            }

            @Override
            public void onNext(ByteBuffer item) {
                real.onNext(item);
                probe.registerOnNext(item);
            }

            @Override
            public void onError(Throwable error) {
                real.onError(error);
                probe.registerOnError(error);
            }

            @Override
            public void onComplete() {
                real.onComplete();
                probe.registerOnComplete();
            }

            @Override
            public String toString() {
                return "probe of " + real;
            }
        };
    }

    @Override
    public ByteBuffer createElement(int element) {
        return WriteAllSubscriberTckSupport.element(element);
    }
}
