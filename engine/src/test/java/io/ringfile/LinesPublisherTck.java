package io.ringfile;

import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Listeners;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Flow;

/**
 * The Reactive Streams TCK on {@link FileEngine#lines(Path)} and {@link FileEngine#lines(Path, Charset)}. A publisher
 * of {@code n} elements is the lines of a real file that has exactly {@code n} lines; the failed publisher is the
 * lines of a file that does not exist ({@code NoSuchFileException} through {@code onError}, after
 * {@code onSubscribe}). Run once per backend by {@code *LinesPublisherTckTest}.
 *
 * <p>Up to {@value #NUMBERED_LINES} lines the file is UTF-8 text "line i" with the three line ends in turn, read with
 * {@code lines(path)}. Rule 3.17 asks for a publisher of {@code Integer.MAX_VALUE} elements: that many line feeds
 * would be 2 GiB written per backend and run, so that file is instead a sparse file of {@code Integer.MAX_VALUE}
 * zero bytes (no data written), read with {@code lines(path, charset)} in {@link ZeroIsLineFeed}, a charset in which
 * byte 0 is a line feed: still a real file with exactly that many lines, read chunk by chunk by the engine.
 */
@Listeners(TckSupport.SkipReasons.class)
public abstract class LinesPublisherTck extends FlowPublisherVerification<String> {
    private static final long NUMBERED_LINES = 100_000;

    private final FileEngine.Backend backend;
    private FileEngine engine;
    private Path dir;
    private int files;

    protected LinesPublisherTck(FileEngine.Backend backend) {
        super(TckSupport.environment(), TckSupport.GC_MILLIS);
        this.backend = backend;
    }

    @BeforeClass
    public void startEngine() {
        engine = TckSupport.startEngine(backend, getClass());
        dir = TckSupport.tempDirectory("ringfile-tck-lines");
    }

    @AfterClass(alwaysRun = true)
    public void stopEngine() throws IOException {
        if (engine != null) {
            engine.close();
        }
        TckSupport.deleteRecursively(dir);
    }

    /**
     * The largest number of elements the TCK asks for (rule 3.17 subscribes to {@code Integer.MAX_VALUE}); every
     * count up to it is a real file with that many lines.
     */
    @Override
    public long maxElementsFromPublisher() {
        return Integer.MAX_VALUE;
    }

    @Override
    public Flow.Publisher<String> createFlowPublisher(long elements) {
        Path path = dir.resolve("lines-" + elements + "-" + (files++));
        try {
            if (elements <= NUMBERED_LINES) {
                StringBuilder text = new StringBuilder();
                String[] ends = {"\n", "\r\n", "\r"};
                for (long i = 0; i < elements; i++) {
                    text.append("line ").append(i).append(ends[(int) (i % 3)]);
                }
                Files.writeString(path, text, StandardCharsets.UTF_8);
                return engine.lines(path);
            }
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.setLength(elements); // a hole: reads as zero bytes, no data written
            }
            return engine.lines(path, ZeroIsLineFeed.INSTANCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Flow.Publisher<String> createFailedFlowPublisher() {
        return engine.lines(dir.resolve("does-not-exist"));
    }

    /** ISO-8859-1 except that byte 0 decodes to a line feed. Decoding only. */
    static final class ZeroIsLineFeed extends Charset {
        static final ZeroIsLineFeed INSTANCE = new ZeroIsLineFeed();

        private ZeroIsLineFeed() {
            super("x-ringfile-tck-zero-is-line-feed", null);
        }

        @Override
        public boolean contains(Charset cs) {
            return cs == this;
        }

        @Override
        public boolean canEncode() {
            return false;
        }

        @Override
        public CharsetEncoder newEncoder() {
            throw new UnsupportedOperationException("decoding only");
        }

        @Override
        public CharsetDecoder newDecoder() {
            return new CharsetDecoder(this, 1, 1) {
                @Override
                protected CoderResult decodeLoop(ByteBuffer in, CharBuffer out) {
                    while (in.hasRemaining()) {
                        if (!out.hasRemaining()) {
                            return CoderResult.OVERFLOW;
                        }
                        int b = in.get() & 0xff;
                        out.put(b == 0 ? '\n' : (char) b);
                    }
                    return CoderResult.UNDERFLOW;
                }
            };
        }
    }
}
