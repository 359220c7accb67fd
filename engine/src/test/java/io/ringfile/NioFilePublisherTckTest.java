package io.ringfile;

/** The Reactive Streams TCK on {@code AsyncFile.publisher} on the portable NIO backend. */
public class NioFilePublisherTckTest extends FilePublisherTck {
    public NioFilePublisherTckTest() { super(FileEngine.Backend.NIO); }
}
