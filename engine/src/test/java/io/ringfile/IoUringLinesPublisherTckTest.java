package io.ringfile;

/** The Reactive Streams TCK on {@code lines} on io_uring; skipped with the reason where io_uring cannot run. */
public class IoUringLinesPublisherTckTest extends LinesPublisherTck {
    public IoUringLinesPublisherTckTest() { super(FileEngine.Backend.IO_URING); }
}
