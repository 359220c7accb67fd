package io.ringfile;

/** The Reactive Streams TCK (whitebox) on the subscriber behind {@code AsyncFile.writeAll} on io_uring; skipped with the reason where io_uring cannot run. */
public class IoUringWriteAllSubscriberWhiteboxTckTest extends WriteAllSubscriberWhiteboxTck {
    public IoUringWriteAllSubscriberWhiteboxTckTest() { super(FileEngine.Backend.IO_URING); }
}
