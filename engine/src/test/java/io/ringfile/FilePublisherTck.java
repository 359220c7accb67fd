package io.ringfile;

import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Listeners;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Flow;

import static java.nio.file.StandardOpenOption.READ;

/**
 * The Reactive Streams TCK on {@link AsyncFile#publisher(long, int)}. A publisher of {@code n} elements reads a real
 * file from position {@value #START} in chunks of {@value #CHUNK} bytes, sized to give exactly {@code n} chunks (for
 * odd {@code n} the last chunk is one byte short, so that both ways the end of a file is found are run). The failed
 * publisher is the publisher of a file that has been closed ({@code ClosedChannelException} through
 * {@code onError}). Run once per backend by {@code *FilePublisherTckTest}.
 *
 * <p>Files of up to {@value #RANDOM_BYTES} bytes hold random bytes; larger ones (rule 3.17 asks for
 * {@code Integer.MAX_VALUE} elements) are sparse, read as zero bytes, so that no gigabytes are written.
 */
@Listeners(TckSupport.SkipReasons.class)
public abstract class FilePublisherTck extends FlowPublisherVerification<ByteBuffer> {
    private static final int CHUNK = 4;
    private static final int START = 7;
    private static final long RANDOM_BYTES = 1 << 20;

    private final FileEngine.Backend backend;
    private FileEngine engine;
    private Path dir;
    private int files;
    private final List<AsyncFile> open = new ArrayList<>();

    protected FilePublisherTck(FileEngine.Backend backend) {
        super(TckSupport.environment(), TckSupport.GC_MILLIS);
        this.backend = backend;
    }

    @BeforeClass
    public void startEngine() {
        engine = TckSupport.startEngine(backend, getClass());
        dir = TckSupport.tempDirectory("ringfile-tck-bytes");
    }

    @AfterMethod(alwaysRun = true)
    public void closeFiles() {
        for (AsyncFile file : open) {
            TckSupport.await(file.closeAsync());
        }
        open.clear();
    }

    @AfterClass(alwaysRun = true)
    public void stopEngine() throws IOException {
        if (engine != null) {
            engine.close();
        }
        TckSupport.deleteRecursively(dir);
    }

    /** The largest number of elements the TCK asks for; every count up to it is a real file of that many chunks. */
    @Override
    public long maxElementsFromPublisher() {
        return Integer.MAX_VALUE;
    }

    @Override
    public Flow.Publisher<ByteBuffer> createFlowPublisher(long elements) {
        long length = START + elements * CHUNK - (elements % 2);
        AsyncFile file = TckSupport.await(engine.open(fileOf(length), READ));
        open.add(file);
        return file.publisher(START, CHUNK);
    }

    @Override
    public Flow.Publisher<ByteBuffer> createFailedFlowPublisher() {
        AsyncFile file = TckSupport.await(engine.open(fileOf(START + 10L * CHUNK), READ));
        TckSupport.await(file.closeAsync());
        return file.publisher(START, CHUNK);
    }

    private Path fileOf(long length) {
        Path path = dir.resolve("bytes-" + length + "-" + (files++));
        try {
            if (length <= RANDOM_BYTES) {
                byte[] bytes = new byte[(int) length];
                new Random(length).nextBytes(bytes);
                Files.write(path, bytes);
            } else {
                try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                    file.setLength(length); // a hole: reads as zero bytes, no data written
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return path;
    }
}
