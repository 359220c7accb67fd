package io.ringfile;

/** The Reactive Streams TCK (blackbox) on the subscriber behind {@code AsyncFile.writeAll} on the portable NIO backend. */
public class NioWriteAllSubscriberBlackboxTckTest extends WriteAllSubscriberBlackboxTck {
    public NioWriteAllSubscriberBlackboxTckTest() { super(FileEngine.Backend.NIO); }
}
