package io.ringfile;

/** The Reactive Streams TCK on {@code AsyncFile.publisher} on io_uring; skipped with the reason where io_uring cannot run. */
public class IoUringFilePublisherTckTest extends FilePublisherTck {
    public IoUringFilePublisherTckTest() { super(FileEngine.Backend.IO_URING); }
}
