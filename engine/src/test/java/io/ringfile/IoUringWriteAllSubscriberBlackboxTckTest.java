package io.ringfile;

/** The Reactive Streams TCK (blackbox) on the subscriber behind {@code AsyncFile.writeAll} on io_uring; skipped with the reason where io_uring cannot run. */
public class IoUringWriteAllSubscriberBlackboxTckTest extends WriteAllSubscriberBlackboxTck {
    public IoUringWriteAllSubscriberBlackboxTckTest() { super(FileEngine.Backend.IO_URING); }
}
