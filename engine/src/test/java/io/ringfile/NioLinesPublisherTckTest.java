package io.ringfile;

/** The Reactive Streams TCK on {@code lines} on the portable NIO backend. */
public class NioLinesPublisherTckTest extends LinesPublisherTck {
    public NioLinesPublisherTckTest() { super(FileEngine.Backend.NIO); }
}
