package io.ringfile;

/** The Reactive Streams TCK (whitebox) on the subscriber behind {@code AsyncFile.writeAll} on the portable NIO backend. */
public class NioWriteAllSubscriberWhiteboxTckTest extends WriteAllSubscriberWhiteboxTck {
    public NioWriteAllSubscriberWhiteboxTckTest() { super(FileEngine.Backend.NIO); }
}
