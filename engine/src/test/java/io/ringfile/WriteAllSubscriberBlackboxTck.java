package io.ringfile;

import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Listeners;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * The Reactive Streams TCK, black box, on the subscriber {@link AsyncFile#writeAll(Flow.Publisher, long)} subscribes
 * (see {@link WriteAllSubscriberTckSupport}). It requests on its own, in {@code onSubscribe} and after each write,
 * so the TCK needs no trigger. Run once per backend by {@code *WriteAllSubscriberBlackboxTckTest}.
 */
@Listeners(TckSupport.SkipReasons.class)
public abstract class WriteAllSubscriberBlackboxTck extends FlowSubscriberBlackboxVerification<ByteBuffer> {
    private final WriteAllSubscriberTckSupport sinks;

    protected WriteAllSubscriberBlackboxTck(FileEngine.Backend backend) {
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
    public Flow.Subscriber<ByteBuffer> createFlowSubscriber() {
        return sinks.newSink().subscriber;
    }

    @Override
    public ByteBuffer createElement(int element) {
        return WriteAllSubscriberTckSupport.element(element);
    }
}
