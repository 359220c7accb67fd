package io.ringfile;

import io.ringfile.internal.text.FileSubscriber;
import io.ringfile.internal.text.Text;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.Charset;
import java.nio.charset.MalformedInputException;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_16;
import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The text, line and stream part of the contract suite ({@link FileEngineContract}): decoding and line splitting
 * as {@code Files.readAllLines} / {@code BufferedReader} do them, the buffered reader and writer, and the line and
 * byte publishers and the file subscriber with Reactive Streams backpressure.
 *
 * <p>Where the JDK defines the answer (line splitting, decoding errors, encoded bytes) the test asks the JDK and
 * compares. Backpressure is observed from outside: the engine handed to a publisher is wrapped so that every byte
 * asked of a file is counted.
 */
public abstract class TextContract extends RobustnessContract {

    protected TextContract(FileEngine.Backend requested) {
        super(requested);
    }

    @Test
    void theEngineOffersTheTextAndStreamCalls() throws Exception {
        Path path = dir.resolve("engine-text.txt");
        try (AsyncWriter writer = await(engine.newBufferedWriter(path))) {
            await(writer.write("alpha"));
            await(writer.newLine());
            await(writer.write("béta"));
        }
        assertEquals(List.of("alpha", "béta"), await(engine.readAllLines(path)));
        assertEquals(List.of("alpha", "béta"), await(engine.readAllLines(path, UTF_8)));
        try (AsyncReader reader = await(engine.newBufferedReader(path, UTF_8))) {
            assertEquals("alpha", await(reader.readLine()));
            assertEquals("béta", await(reader.readLine()));
            assertNull(await(reader.readLine()));
        }
        List<String> pushed = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> done = new CompletableFuture<>();
        engine.lines(path).subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                pushed.add(line);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        });
        await(done);
        assertEquals(List.of("alpha", "béta"), pushed);

        byte[] data = random(300_000, 40);
        Path source = fileWith("stream-src.bin", data);
        Path copy = dir.resolve("stream-copy.bin");
        try (AsyncFile in = await(engine.open(source));
             AsyncFile out = await(engine.open(copy, CREATE_NEW, WRITE))) {
            assertEquals((long) data.length, await(out.writeAll(in.publisher(0, 64 * 1024), 0)));
        }
        assertArrayEquals(data, Files.readAllBytes(copy));
    }

    /** Texts whose line splitting the JDK defines: every kind of terminator, in every position. */
    private static final List<String> LINE_CASES = List.of(
            "", "\n", "\r", "\r\n", "\n\n", "\r\r", "\n\r", "a", "a\n", "a\r", "a\r\n", "a\r\nb", "a\rb\r",
            "a\r\r\nb", "a\n\rb", "\r\n\r\n", "x\r\n\ny\rz", "\n\nlast line without newline",
            "caf\u00e9\r\n\u20ac uro\r\u00df\n\uD83D\uDE00 emoji\r\n\u65e5\u672c\u8a9e");

    /** Chunk sizes that split lines, terminators and multi-byte characters everywhere. */
    private static final int[] SMALL_CHUNKS = {1, 2, 3, 4, 5, 7};

    // ---------------------------------------------------------------- line splitting and decoding

    @Test
    void linesSplitAsBufferedReaderDoesWhateverTheChunkSize() throws IOException {
        int n = 0;
        for (String text : LINE_CASES) {
            Path path = fileWith("case" + n++ + ".txt", text.getBytes(UTF_8));
            List<String> expected = Files.readAllLines(path, UTF_8);
            assertEquals(jdkLines(text), expected, "the oracle agrees with itself");
            assertEquals(expected, await(Text.readAllLines(engine, path, UTF_8)), describe(text));
            for (int chunk : new int[] {1, 2, 3, 5, Text.DEFAULT_CHUNK_SIZE}) {
                String what = describe(text) + " in chunks of " + chunk;
                assertEquals(expected, await(Text.readAllLines(engine, path, UTF_8, chunk)), "readAllLines " + what);
                assertEquals(expected, publishedLines(Text.lines(engine, path, UTF_8, chunk)), "lines " + what);
                assertEquals(expected, readerLines(path, UTF_8, chunk), "readLine " + what);
            }
        }
    }

    @Test
    void multiByteCharactersSplitAcrossChunkBoundariesDecodeWhole() throws IOException {
        // 1-, 2-, 3- and 4-byte UTF-8 sequences in every alignment against every small chunk size.
        StringBuilder text = new StringBuilder();
        String[] pieces = {"a", "\u00e9", "\u20ac", "\uD83D\uDE00", "\u65e5\u672c", "\uD834\uDD1E"};
        for (int i = 0; i < 60; i++) {
            text.append(pieces[i % pieces.length]).append(pieces[(i * 7 + 3) % pieces.length]);
            text.append(i % 5 == 0 ? "\r\n" : i % 7 == 0 ? "\r" : i % 3 == 0 ? "\n" : "");
        }
        text.append("\u00fcbrig \uD83D\uDE00"); // a last line without a terminator, ending in a 4-byte character
        for (Charset charset : List.of(UTF_8, UTF_16, UTF_16LE)) {
            Path path = fileWith("multibyte-" + charset.name() + ".txt", text.toString().getBytes(charset));
            List<String> expected = Files.readAllLines(path, charset);
            for (int chunk : SMALL_CHUNKS) {
                String what = charset + " in chunks of " + chunk;
                assertEquals(expected, await(Text.readAllLines(engine, path, charset, chunk)), what);
                assertEquals(expected, publishedLines(Text.lines(engine, path, charset, chunk)), what);
                assertEquals(expected, readerLines(path, charset, chunk), what);
                assertEquals(text.toString(), readerChars(path, charset, chunk, 3), "read(CharBuffer) " + what);
            }
        }
        Path latin = fileWith("latin1.txt", "caf\u00e9\r\n\u00ff\u00fe".getBytes(ISO_8859_1));
        assertEquals(List.of("caf\u00e9", "\u00ff\u00fe"), await(Text.readAllLines(engine, latin, ISO_8859_1, 1)));
    }

    @Test
    void anEmptyFileHasNoLinesAndNoCharacters() throws IOException {
        Path path = fileWith("empty.txt", new byte[0]);
        assertEquals(List.of(), await(Text.readAllLines(engine, path, UTF_8)));
        Probe<String> probe = new Probe<>();
        Text.lines(engine, path, UTF_8).subscribe(probe);
        probe.request(1);
        await(probe.done);
        assertEquals(0, probe.received.get());
        probe.assertFollowedTheRules();
        try (AsyncReader reader = await(Text.newBufferedReader(engine, path, UTF_8))) {
            assertNull(await(reader.readLine()));
            assertNull(await(reader.readLine()), "end of file stays the end");
            assertEquals(-1, await(reader.read(CharBuffer.allocate(4))));
            assertEquals(0, await(reader.read(CharBuffer.allocate(0))), "no room: zero, as Reader.read");
        }
    }

    @Test
    void malformedInputFailsWithMalformedInputExceptionAfterTheLinesBeforeIt() throws IOException {
        byte[][] badTails = {
            {(byte) 0xC3, (byte) 0x28}, // a lead byte followed by no continuation
            {(byte) 0x80}, // a lone continuation byte
            {(byte) 0xE2, (byte) 0x82}, // a sequence cut by the end of the file
            {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, '\n', 'x'}, // a sequence cut by a newline
        };
        int n = 0;
        for (byte[] tail : badTails) {
            byte[] good = "good line\r\nsecond\n".getBytes(UTF_8);
            byte[] content = Arrays.copyOf(good, good.length + tail.length);
            System.arraycopy(tail, 0, content, good.length, tail.length);
            Path path = fileWith("bad" + n++ + ".txt", content);
            assertThrows(MalformedInputException.class, () -> Files.readAllLines(path, UTF_8), "the JDK's answer");
            for (int chunk : new int[] {1, 2, 3, Text.DEFAULT_CHUNK_SIZE}) {
                failsWith(MalformedInputException.class, Text.readAllLines(engine, path, UTF_8, chunk));

                Probe<String> probe = new Probe<>();
                probe.onItem = line -> probe.request(1);
                Text.lines(engine, path, UTF_8, chunk).subscribe(probe);
                probe.request(1);
                failsWith(MalformedInputException.class, probe.done);
                assertEquals(List.of("good line", "second"), probe.itemList(), "the lines before the bad bytes");
                probe.assertFollowedTheRules();

                try (AsyncReader reader = await(Text.newBufferedReader(engine, path, UTF_8, chunk))) {
                    assertEquals("good line", await(reader.readLine()));
                    assertEquals("second", await(reader.readLine()));
                    failsWith(MalformedInputException.class, reader.readLine());
                    failsWith(MalformedInputException.class, reader.readLine());
                    failsWith(MalformedInputException.class, reader.read(CharBuffer.allocate(8)));
                }
            }
        }
        assertOnlyClosedDescriptors();
    }

    @Test
    void aMissingFileFailsWithNoSuchFileException() {
        Path missing = dir.resolve("missing.txt");
        failsWith(NoSuchFileException.class, Text.readAllLines(engine, missing, UTF_8));
        failsWith(NoSuchFileException.class, Text.newBufferedReader(engine, missing, UTF_8));
        Probe<String> probe = new Probe<>();
        Text.lines(engine, missing, UTF_8).subscribe(probe);
        failsWith(NoSuchFileException.class, probe.done); // onError needs no demand
        probe.assertFollowedTheRules();
        assertThrows(NullPointerException.class, () -> Text.lines(engine, null, UTF_8));
        assertThrows(NullPointerException.class, () -> Text.readAllLines(engine, missing, null));
        assertThrows(IllegalArgumentException.class, () -> Text.lines(engine, missing, UTF_8, 0));
    }

    // ---------------------------------------------------------------- the lines publisher

    @Test
    @Timeout(300)
    void linesReadAheadOnlyAsFarAsDemandNeedsOnAFileFarLargerThanTheReadAhead()
            throws IOException, InterruptedException {
        int lineLength = 64;
        long size = 64L * 1024 * 1024;
        Path path = dir.resolve("large.txt");
        writeNumberedLines(path, lineLength, size);
        AtomicLong asked = new AtomicLong();
        Flow.Publisher<String> lines = Text.lines(counting(engine, asked), path, UTF_8);
        int chunk = Text.DEFAULT_CHUNK_SIZE;

        Probe<String> probe = new Probe<>();
        lines.subscribe(probe);
        long consumed = 0;
        int received = 0;
        for (; received < 3000; received++) { // one line requested at a time
            probe.request(1);
            assertEquals(numberedLine(received, lineLength), probe.take());
            consumed += lineLength;
            assertTrue(asked.get() <= consumed + chunk, "after " + (received + 1) + " lines, "
                    + asked.get() + " bytes asked of the file: more than one chunk ahead of the " + consumed
                    + " consumed");
        }
        long before = asked.get();
        Thread.sleep(300);
        assertEquals(before, asked.get(), "nothing is read without demand");
        assertEquals(0, probe.items.size(), "nothing is delivered without demand");

        probe.request(1000);
        for (int i = 0; i < 1000; i++, received++) {
            assertEquals(numberedLine(received, lineLength), probe.take());
        }
        consumed += 1000L * lineLength;
        assertTrue(asked.get() <= consumed + chunk, asked.get() + " bytes asked for " + consumed + " consumed");

        probe.subscription().cancel();
        assertOnlyClosedDescriptors(); // cancel closes the file
        long atCancel = asked.get();
        Thread.sleep(200);
        assertEquals(atCancel, asked.get(), "cancel stops reading");
        assertEquals(0, probe.items.size());
        assertEquals(0, probe.completions.get() + probe.errors.get(), "no terminal signal after cancel");
        assertTrue(asked.get() < size / 64, "read " + asked.get() + " bytes of a " + size + " byte file");
        probe.assertFollowedTheRules();
    }

    @Test
    @Timeout(300)
    void linesWithUnboundedDemandOrRequestsFromOnNextCompleteOnce() throws IOException, InterruptedException {
        int lineLength = 20;
        int count = 200_000;
        Path path = dir.resolve("many.txt");
        writeNumberedLines(path, lineLength, (long) count * lineLength);

        Probe<String> unbounded = new Probe<>();
        Text.lines(engine, path, UTF_8).subscribe(unbounded);
        unbounded.request(Long.MAX_VALUE);
        await(unbounded.done);
        assertEquals(count, unbounded.received.get());
        assertEquals(numberedLine(count - 1, lineLength), unbounded.itemList().get(count - 1));

        // request(1) from inside every onNext, with a small chunk: many synchronous round trips, no deep stack
        Probe<String> chained = new Probe<>();
        chained.onItem = line -> chained.request(1);
        Text.lines(engine, path, UTF_8, 256).subscribe(chained);
        chained.request(1);
        await(chained.done);
        assertEquals(count, chained.received.get());

        // request(n) in pieces from another thread
        Probe<String> pieces = new Probe<>();
        Text.lines(engine, path, UTF_8).subscribe(pieces);
        for (int asked = 0; asked < count; asked += 7919) {
            pieces.request(7919);
        }
        await(pieces.done);
        assertEquals(count, pieces.received.get());

        // request(1) from four threads at once: signals stay serialized and in order
        Probe<String> racing = new Probe<>();
        Text.lines(engine, path, UTF_8, 1000).subscribe(racing);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < count / 4; i++) {
                    racing.request(1);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (racing.received.get() < count) {
            assertTrue(System.nanoTime() < deadline, "received " + racing.received.get() + " of " + count);
            Thread.sleep(5);
        }
        // The file is an exact number of chunks: the end is found by one more read, which needs one more request.
        racing.request(1);
        await(racing.done);
        List<String> raced = racing.itemList();
        assertEquals(count, raced.size());
        for (int i = 0; i < count; i += 997) {
            assertEquals(numberedLine(i, lineLength), raced.get(i));
        }

        Thread.sleep(100);
        for (Probe<String> probe : List.of(unbounded, chained, pieces, racing)) {
            assertEquals(1, probe.completions.get(), "onComplete exactly once");
            probe.assertFollowedTheRules();
        }
        assertOnlyClosedDescriptors();
    }

    @Test
    void linesFollowTheFlowRulesOnBadRequestsAndCancel() throws IOException, InterruptedException {
        Path path = dir.resolve("rules.txt");
        writeNumberedLines(path, 10, 10_000);

        for (long bad : new long[] {0, -1, Long.MIN_VALUE}) {
            Probe<String> probe = new Probe<>();
            Text.lines(engine, path, UTF_8).subscribe(probe);
            probe.request(2);
            probe.take();
            probe.take();
            probe.subscription().request(bad);
            failsWith(IllegalArgumentException.class, probe.done);
            probe.request(5); // after the terminal signal: ignored
            Thread.sleep(50);
            assertEquals(2, probe.received.get());
            assertEquals(1, probe.errors.get());
            probe.assertFollowedTheRules();
        }

        // When the end has been read already, onComplete needs no further demand (rule 1.4 allows it).
        Path small = fileWith("three.txt", "one\ntwo\r\nthree".getBytes(UTF_8));
        Probe<String> exact = new Probe<>();
        Text.lines(engine, small, UTF_8).subscribe(exact);
        exact.request(3);
        await(exact.done);
        assertEquals(List.of("one", "two", "three"), exact.itemList());
        exact.assertFollowedTheRules();

        Probe<String> cancelling = new Probe<>();
        cancelling.onItem = line -> {
            if (cancelling.received.get() == 3) {
                cancelling.subscription().cancel();
            }
        };
        Text.lines(engine, path, UTF_8, 16).subscribe(cancelling);
        cancelling.request(10);
        // The third line may take a while on a busy machine (once, 100 ms after the request only one had come):
        // wait for it, then give a wrong fourth the same time to show up.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (cancelling.received.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertOnlyClosedDescriptors();
        Thread.sleep(100);
        assertEquals(3, cancelling.received.get(), "no onNext after cancel");
        assertEquals(0, cancelling.completions.get() + cancelling.errors.get());
        cancelling.assertFollowedTheRules();

        Probe<String> early = new Probe<>(); // cancelled before the file is even open
        Text.lines(engine, path, UTF_8).subscribe(early);
        early.subscription().cancel();
        early.request(1);
        assertOnlyClosedDescriptors();
        assertEquals(0, early.received.get());
        early.assertFollowedTheRules();

        Probe<String> twice = new Probe<>(); // a publisher serves any number of subscribers, each from the start
        Flow.Publisher<String> shared = Text.lines(engine, path, UTF_8);
        shared.subscribe(twice);
        Probe<String> second = new Probe<>();
        shared.subscribe(second);
        twice.request(1);
        second.request(1);
        assertEquals(numberedLine(0, 10), twice.take());
        assertEquals(numberedLine(0, 10), second.take());
        twice.subscription().cancel();
        second.subscription().cancel();
        assertOnlyClosedDescriptors();
        assertThrows(NullPointerException.class, () -> shared.subscribe(null));
    }

    // ---------------------------------------------------------------- the buffered reader

    @Test
    void readerRunsCallsInOrderAndMixesLinesAndCharactersAsBufferedReader() throws IOException {
        Path path = fileWith("mixed.txt", "first\r\nsecond\rthird\nfourth\r\nfifth".getBytes(UTF_8));
        for (int chunk : new int[] {1, 3, Text.DEFAULT_CHUNK_SIZE}) {
            try (AsyncReader reader = await(Text.newBufferedReader(engine, path, UTF_8, chunk))) {
                // issued without waiting: they run in call order, each where the one before stopped
                CompletableFuture<String> l1 = reader.readLine();
                CompletableFuture<String> l2 = reader.readLine();
                CharBuffer four = CharBuffer.allocate(4);
                CompletableFuture<Integer> c1 = reader.read(four);
                CompletableFuture<String> l3 = reader.readLine();
                CompletableFuture<String> l4 = reader.readLine();
                CharBuffer rest = CharBuffer.allocate(100);
                CompletableFuture<Integer> c2 = reader.read(rest); // after "fourth\r\n": no '\n' left to read
                CompletableFuture<String> l5 = reader.readLine();
                CompletableFuture<Integer> c3 = reader.read(CharBuffer.allocate(1));

                assertEquals("first", await(l1));
                assertEquals("second", await(l2));
                int k = await(c1);
                assertTrue(k >= 1 && k <= 4, "read " + k + " characters into room for 4");
                assertEquals("third".substring(0, k), four.flip().toString());
                assertEquals("third".substring(k), await(l3));
                assertEquals("fourth", await(l4));
                int m = await(c2);
                assertTrue(m >= 1 && m <= 5, "read " + m);
                assertEquals("fifth".substring(0, m), rest.flip().toString());
                assertEquals(m == 5 ? null : "fifth".substring(m), await(l5));
                assertEquals(-1, await(c3));
            }
        }
        // a '\n' right after a line that ended at '\r' is part of that terminator for read(CharBuffer) too
        Path crlf = fileWith("crlf.txt", "a\r\nbc".getBytes(UTF_8));
        try (AsyncReader reader = await(Text.newBufferedReader(engine, crlf, UTF_8, 2))) {
            assertEquals("a", await(reader.readLine()));
            CharBuffer dst = CharBuffer.allocate(10);
            while (await(reader.read(dst)) >= 0) {
                assertTrue(dst.hasRemaining());
            }
            assertEquals("bc", dst.flip().toString());
        }
    }

    @Test
    void manyQueuedReadLinesCompleteInCallOrder() throws IOException {
        Path path = dir.resolve("queued.txt");
        writeNumberedLines(path, 12, 12 * 500);
        try (AsyncReader reader = await(Text.newBufferedReader(engine, path, UTF_8, 100))) {
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 510; i++) {
                calls.add(reader.readLine());
            }
            for (int i = 0; i < 500; i++) {
                assertEquals(numberedLine(i, 12), await(calls.get(i)), "line " + i);
            }
            for (int i = 500; i < 510; i++) {
                assertNull(await(calls.get(i)));
            }
        }
    }

    @Test
    void closedReaderRefusesCallsAndReleasesTheFile() throws IOException {
        Path path = fileWith("closing.txt", "one\ntwo\n".getBytes(UTF_8));
        AsyncReader reader = await(Text.newBufferedReader(engine, path, UTF_8));
        CompletableFuture<String> before = reader.readLine(); // queued before the close: runs
        CompletableFuture<Void> closed = reader.closeAsync();
        assertSame(closed, reader.closeAsync(), "every close returns the same future");
        assertEquals("one", await(before));
        await(closed);
        reader.close();
        failsWith(ClosedChannelException.class, reader.readLine());
        failsWith(ClosedChannelException.class, reader.read(CharBuffer.allocate(3)));
        assertThrows(IllegalArgumentException.class, () -> reader.read(CharBuffer.allocate(3).asReadOnlyBuffer()));
        assertThrows(NullPointerException.class, () -> reader.read(null));
        assertOnlyClosedDescriptors();
    }

    // ---------------------------------------------------------------- the buffered writer

    @Test
    void writerProducesTheBytesOfFilesNewBufferedWriterInEveryCharset() throws IOException {
        // "\uD83D" then "\uDE00...": a surrogate pair split between two writes
        List<String> pieces = List.of("plain ascii", "caf\u00e9 \u00df", "\u20ac\u65e5\u672c", "\uD83D",
                "\uDE00 split pair", "", "x".repeat(70_000), "tail");
        for (Charset charset : List.of(UTF_8, UTF_16, UTF_16LE, ISO_8859_1, US_ASCII)) {
            boolean pairs = charset.newEncoder().canEncode("\uD83D\uDE00");
            List<String> text = new ArrayList<>();
            for (String piece : pieces) {
                boolean half = piece.startsWith("\uD83D") || piece.startsWith("\uDE00");
                if (half ? pairs : charset.newEncoder().canEncode(piece)) {
                    text.add(piece);
                }
            }
            for (int buffer : new int[] {1, 17, Text.DEFAULT_BUFFER_SIZE}) {
                Path expectedPath = dir.resolve("jdk-" + charset.name() + "-" + buffer + ".txt");
                try (BufferedWriter jdk = Files.newBufferedWriter(expectedPath, charset)) {
                    for (String piece : text) {
                        jdk.write(piece);
                        if (!piece.equals("\uD83D")) {
                            jdk.newLine();
                        }
                    }
                }
                Path path = dir.resolve("ours-" + charset.name() + "-" + buffer + ".txt");
                AsyncWriter writer = await(Text.newBufferedWriter(engine, path, charset, buffer));
                List<CompletableFuture<Void>> calls = new ArrayList<>();
                for (String piece : text) {
                    calls.add(writer.write(piece)); // not waited for: calls run in order
                    if (!piece.equals("\uD83D")) {
                        calls.add(writer.newLine());
                    }
                }
                await(writer.closeAsync());
                for (CompletableFuture<Void> call : calls) {
                    await(call);
                }
                String what = charset + " with a buffer of " + buffer;
                assertArrayEquals(Files.readAllBytes(expectedPath), Files.readAllBytes(path), what);
                assertEquals(Files.readAllLines(expectedPath, charset), await(Text.readAllLines(engine, path, charset)),
                        what);
            }
        }
        assertOnlyClosedDescriptors();
    }

    @Test
    void writerBuffersUntilFlushOrAFullBufferAndCloseFlushes() throws IOException {
        Path path = dir.resolve("flush.txt");
        AsyncWriter writer = await(Text.newBufferedWriter(engine, path, UTF_8));
        await(writer.write("hello"));
        assertEquals(0, Files.size(path), "a small completed write is still in the buffer");
        await(writer.flush());
        assertEquals("hello", Files.readString(path), "flush writes the buffer to the file");
        await(writer.write(" world"));
        await(writer.newLine());
        assertEquals("hello", Files.readString(path));
        await(writer.flush());
        await(writer.flush()); // an empty flush is fine
        assertEquals("hello world" + System.lineSeparator(), Files.readString(path));
        await(writer.write("!"));
        CompletableFuture<Void> closed = writer.closeAsync();
        assertSame(closed, writer.closeAsync());
        await(closed);
        writer.close();
        assertEquals("hello world" + System.lineSeparator() + "!", Files.readString(path), "close flushes");
        failsWith(ClosedChannelException.class, writer.write("late"));
        failsWith(ClosedChannelException.class, writer.flush());
        failsWith(ClosedChannelException.class, writer.newLine());

        // A write larger than the buffer completes once the full buffers it made are in the file.
        Path large = dir.resolve("large-write.txt");
        int buffer = 64;
        try (AsyncWriter small = await(Text.newBufferedWriter(engine, large, UTF_8, buffer))) {
            String text = "0123456789".repeat(100);
            await(small.write(text));
            long onDisk = Files.size(large);
            assertTrue(onDisk >= text.length() - buffer && onDisk < text.length(),
                    onDisk + " bytes in the file after a completed write of " + text.length());
            assertEquals(text.substring(0, (int) onDisk), Files.readString(large));
            await(small.flush());
            assertEquals(text, Files.readString(large));
        }
        assertOnlyClosedDescriptors();
    }

    @Test
    void writerCapturesTheTextWhenCalledAndKeepsManyQueuedCallsInOrder() throws IOException {
        Path path = dir.resolve("order.txt");
        AsyncWriter writer = await(Text.newBufferedWriter(engine, path, UTF_8, 32));
        StringBuilder expected = new StringBuilder();
        StringBuilder mutable = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            mutable.setLength(0);
            mutable.append(i).append(',');
            writer.write(mutable); // changed right after: what counts is the text at the call
            expected.append(i).append(',');
        }
        await(writer.closeAsync());
        assertEquals(expected.toString(), Files.readString(path));
    }

    /** A short write of plain text with nothing pending is taken on the calling thread: one shared, sealed future. */
    @Test
    void shortPlainWritesCompleteAtOnceWithOneSealedFuture() throws Exception {
        Path path = dir.resolve("shared-future.txt");
        try (AsyncWriter writer = await(Text.newBufferedWriter(engine, path, UTF_8))) {
            CompletableFuture<Void> first = writer.write("one");
            CompletableFuture<Void> second = writer.newLine();
            assertTrue(first.isDone() && !first.isCompletedExceptionally(), "a short write completes in the call");
            assertSame(first, second, "calls that finished at once share one future");
            assertFalse(first.complete(null));
            assertFalse(first.completeExceptionally(new IOException("no")));
            assertFalse(first.cancel(true));
            assertThrows(UnsupportedOperationException.class, () -> first.obtrudeValue(null));
            assertThrows(UnsupportedOperationException.class, () -> first.obtrudeException(new IOException("no")));
            assertNull(first.get());
            assertFalse(writer.write("\uD83D\uDE00").isCompletedExceptionally()); // a pair: the encoder's, in a step
        }
        assertEquals("one" + System.lineSeparator() + "\uD83D\uDE00", Files.readString(path));
    }

    /**
     * Threads writing at once, with calls that the writer takes on the caller's thread (short, plain text) mixed with
     * calls it must queue (longer than its staging room, a surrogate pair, a full buffer to write): every call's text
     * lands whole and once, and each thread's calls in its order.
     */
    @Test
    void writerKeepsEachCallWholeAndEachThreadsOrderUnderConcurrentCallers() throws Exception {
        Path path = dir.resolve("concurrent.txt");
        int threads = 4;
        int calls = 5_000;
        AsyncWriter writer = await(Text.newBufferedWriter(engine, path, UTF_8, 1024));
        List<Thread> started = new ArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread writerThread = new Thread(() -> {
                try {
                    for (int i = 0; i < calls; i++) {
                        String body = i % 97 == 0 ? "L".repeat(3000) : i % 89 == 0 ? "pair \uD83D\uDE00" : "short";
                        CompletableFuture<Void> call = writer.write("<" + thread + ":" + i + ":" + body + ">\n");
                        if (i % 50 == 0) {
                            call.get(30, TimeUnit.SECONDS);
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            started.add(writerThread);
            writerThread.start();
        }
        for (Thread writerThread : started) {
            writerThread.join(TimeUnit.SECONDS.toMillis(60));
        }
        await(writer.closeAsync());
        assertEquals(List.of(), errors);
        int[] next = new int[threads];
        for (String line : Files.readAllLines(path, UTF_8)) {
            assertTrue(line.startsWith("<") && line.endsWith(">"), "a call's text cut or mixed: " + line);
            String[] parts = line.substring(1, line.length() - 1).split(":", 3);
            int thread = Integer.parseInt(parts[0]);
            int i = Integer.parseInt(parts[1]);
            assertEquals(next[thread], i, "thread " + thread + "'s calls out of order");
            next[thread]++;
            String body = i % 97 == 0 ? "L".repeat(3000) : i % 89 == 0 ? "pair \uD83D\uDE00" : "short";
            assertEquals(body, parts[2], "call " + thread + ":" + i);
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(calls, next[t], "calls of thread " + t + " in the file");
        }
        assertOnlyClosedDescriptors();
    }

    @Test
    void writerReportsUnencodableTextAsFilesNewBufferedWriterDoes() throws IOException {
        BufferedWriter jdk = Files.newBufferedWriter(dir.resolve("jdk-ascii.txt"), US_ASCII);
        assertThrows(UnmappableCharacterException.class, () -> {
            jdk.write("caf\u00e9");
            jdk.flush();
        }, "the JDK's answer");
        try {
            jdk.close();
        } catch (IOException expected) {
            // the JDK's writer fails again on close; not what is tested here
        }
        Path path = dir.resolve("ascii.txt");
        AsyncWriter writer = await(Text.newBufferedWriter(engine, path, US_ASCII));
        await(writer.write("x"));
        failsWith(UnmappableCharacterException.class, writer.write("ab\u00e9cd"));
        await(writer.write("!")); // the writer stays usable
        await(writer.closeAsync());
        String content = Files.readString(path, US_ASCII);
        assertTrue(content.equals("x!") || content.equals("xab!"), content);

        // a lone high surrogate left at the end fails the close, which still writes the rest and closes the file
        Path lone = dir.resolve("lone.txt");
        AsyncWriter loneWriter = await(Text.newBufferedWriter(engine, lone, UTF_8));
        await(loneWriter.write("ok\uD800"));
        failsWith(MalformedInputException.class, loneWriter.closeAsync());
        assertEquals("ok", Files.readString(lone));
        try (AsyncWriter low = await(Text.newBufferedWriter(engine, dir.resolve("low.txt"), UTF_8))) {
            failsWith(MalformedInputException.class, low.write("\uDC00")); // a lone low surrogate
            assertThrows(NullPointerException.class, () -> low.write(null));
        }
        assertOnlyClosedDescriptors();
    }

    @Test
    void writerOpenOptionsFollowFilesNewBufferedWriter() throws IOException {
        Path path = fileWith("options.txt", "a long existing content".getBytes(UTF_8));
        try (AsyncWriter writer = await(Text.newBufferedWriter(engine, path, UTF_8))) {
            await(writer.write("short"));
        }
        assertEquals("short", Files.readString(path), "the default options truncate");

        try (AsyncWriter writer = await(Text.newBufferedWriter(engine, path, UTF_8, APPEND))) {
            await(writer.write(" appended"));
        }
        assertEquals("short appended", Files.readString(path));

        try (AsyncWriter writer = await(Text.newBufferedWriter(engine, path, UTF_8, WRITE))) {
            await(writer.write("SH"));
        }
        assertEquals("SHort appended", Files.readString(path), "WRITE alone overwrites from the start");

        failsWith(FileAlreadyExistsException.class, Text.newBufferedWriter(engine, path, UTF_8, CREATE_NEW));
        failsWith(NoSuchFileException.class, Text.newBufferedWriter(engine, dir.resolve("absent"), UTF_8, WRITE));
        assertThrows(IllegalArgumentException.class, () -> Text.newBufferedWriter(engine, path, UTF_8, READ));
        Path created = dir.resolve("created.txt");
        try (AsyncWriter writer = await(Text.newBufferedWriter(engine, created, UTF_8, CREATE, APPEND))) {
            await(writer.write("new"));
        }
        assertEquals("new", Files.readString(created));
        assertOnlyClosedDescriptors();
    }

    // ---------------------------------------------------------------- byte publisher and file subscriber

    @Test
    @Timeout(300)
    void bytePublisherIntoFileSubscriberCopiesAFile() throws IOException {
        byte[] data = random(10 * 1024 * 1024 + 123, 21);
        Path source = fileWith("source.bin", data);
        Path target = dir.resolve("target.bin");
        try (AsyncFile in = await(engine.open(source, READ));
             AsyncFile out = await(engine.open(target, CREATE_NEW, WRITE))) {
            FileSubscriber subscriber = FileSubscriber.writingTo(out, 0);
            Text.bytes(in, 0, 64 * 1024).subscribe(subscriber);
            assertEquals(data.length, await(subscriber.result()));
        }
        assertEquals(crc(data), crc(Files.readAllBytes(target)));

        Path offset = dir.resolve("offset.bin");
        try (AsyncFile in = await(engine.open(source, READ));
             AsyncFile out = await(engine.open(offset, CREATE_NEW, WRITE))) {
            FileSubscriber subscriber = FileSubscriber.writingTo(out, 10);
            Text.bytes(in, 1000, 4097).subscribe(subscriber);
            assertEquals(data.length - 1000, await(subscriber.result()));
        }
        byte[] copied = Files.readAllBytes(offset);
        assertArrayEquals(new byte[10], Arrays.copyOf(copied, 10));
        assertEquals(crc(Arrays.copyOfRange(data, 1000, data.length)),
                crc(Arrays.copyOfRange(copied, 10, copied.length)));
    }

    @Test
    void bytePublisherReadsOneChunkPerRequestedItemAndNoneAhead() throws IOException, InterruptedException {
        int chunk = 1000;
        byte[] data = random(10 * chunk + 1, 22);
        Path path = fileWith("chunks.bin", data);
        AtomicLong asked = new AtomicLong();
        try (AsyncFile file = await(counting(engine, asked).open(path, READ))) {
            Probe<ByteBuffer> probe = new Probe<>();
            Text.bytes(file, 0, chunk).subscribe(probe);
            Thread.sleep(100);
            assertEquals(0, asked.get(), "nothing is read before a request");
            probe.request(3);
            for (int i = 0; i < 3; i++) {
                ByteBuffer b = probe.take();
                assertEquals(chunk, b.remaining());
                assertArrayEquals(Arrays.copyOfRange(data, i * chunk, (i + 1) * chunk), bytes(b));
            }
            Thread.sleep(200);
            assertEquals(3L * chunk, asked.get(), "read exactly what was requested");
            assertEquals(0, probe.items.size());
            probe.request(8); // exactly the rest: the short last chunk tells the end, no further request needed
            await(probe.done);
            List<ByteBuffer> rest = probe.itemList();
            assertEquals(11, rest.size(), "ten full chunks and one of a single byte");
            assertEquals(1, rest.get(10).remaining());
            assertEquals(data[data.length - 1], rest.get(10).get(0));
            probe.assertFollowedTheRules();

            Probe<ByteBuffer> fromEnd = new Probe<>(); // an empty range completes after the first request
            Text.bytes(file, data.length, chunk).subscribe(fromEnd);
            fromEnd.request(1);
            await(fromEnd.done);
            assertEquals(0, fromEnd.received.get());

            Probe<ByteBuffer> bad = new Probe<>();
            Text.bytes(file, 0, chunk).subscribe(bad);
            bad.subscription().request(0);
            failsWith(IllegalArgumentException.class, bad.done);
            bad.assertFollowedTheRules();

            Probe<ByteBuffer> cancelled = new Probe<>();
            cancelled.onItem = b -> cancelled.subscription().cancel();
            Text.bytes(file, 0, chunk).subscribe(cancelled);
            cancelled.request(5);
            cancelled.take();
            Thread.sleep(100);
            assertEquals(1, cancelled.received.get(), "no onNext after cancel");
            assertEquals(0, cancelled.completions.get() + cancelled.errors.get());
            assertTrue(file.isOpen(), "the publisher leaves the caller's file open");
        }
        AsyncFile closed = await(engine.open(path, READ));
        closed.close();
        Probe<ByteBuffer> probe = new Probe<>();
        Text.bytes(closed, 0, chunk).subscribe(probe);
        probe.request(1);
        failsWith(ClosedChannelException.class, probe.done);
        assertThrows(IllegalArgumentException.class, () -> Text.bytes(closed, -1, chunk));
        assertThrows(IllegalArgumentException.class, () -> Text.bytes(closed, 0, 0));
    }

    @Test
    void fileSubscriberRequestsAsItWritesAndReportsFailures() throws IOException {
        Path path = dir.resolve("subscribed.bin");
        byte[] data = random(100 * 1000, 23);
        try (AsyncFile out = await(engine.open(path, CREATE_NEW, WRITE))) {
            FileSubscriber subscriber = FileSubscriber.writingTo(out, 0);
            ManualSubscription upstream = new ManualSubscription();
            subscriber.onSubscribe(upstream);
            int delivered = 0;
            long maxAhead = 0;
            for (int i = 0; i < 100; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (upstream.requested.get() <= delivered) { // wait for demand: the subscriber paces us
                    assertTrue(System.nanoTime() < deadline, "the subscriber stopped requesting");
                    LockSupport.parkNanos(100_000);
                }
                maxAhead = Math.max(maxAhead, upstream.requested.get() - delivered);
                subscriber.onNext(ByteBuffer.wrap(data, i * 1000, 1000).slice());
                delivered++;
            }
            assertTrue(maxAhead <= 2, "requested " + maxAhead + " buffers ahead of its writes");
            subscriber.onComplete();
            assertEquals(data.length, await(subscriber.result()));
            assertFalse(upstream.cancelled.get());
            ManualSubscription second = new ManualSubscription();
            subscriber.onSubscribe(second);
            assertTrue(second.cancelled.get(), "a second subscription is cancelled (rule 2.5)");
        }
        assertArrayEquals(data, Files.readAllBytes(path));

        try (AsyncFile out = await(engine.open(path, WRITE))) {
            FileSubscriber failing = FileSubscriber.writingTo(out, 0);
            failing.onSubscribe(new ManualSubscription());
            IOException boom = new IOException("upstream failed");
            failing.onError(boom);
            assertSame(boom, failure(failing.result()), "the publisher's error, as it was");

            FileSubscriber cancelledByCaller = FileSubscriber.writingTo(out, 0);
            ManualSubscription upstream = new ManualSubscription();
            cancelledByCaller.onSubscribe(upstream);
            cancelledByCaller.result().cancel(true);
            assertTrue(upstream.cancelled.get(), "cancelling the result cancels the subscription");
        }

        try (AsyncFile readOnly = await(engine.open(path, READ))) {
            FileSubscriber subscriber = FileSubscriber.writingTo(readOnly, 0);
            ManualSubscription upstream = new ManualSubscription();
            subscriber.onSubscribe(upstream);
            subscriber.onNext(ByteBuffer.wrap(new byte[10]));
            failsWith(NonWritableChannelException.class, subscriber.result());
            assertTrue(upstream.cancelled.get(), "a failed write cancels the subscription");
            assertThrows(IllegalArgumentException.class, () -> FileSubscriber.writingTo(readOnly, -1));
        }
        assertThrows(NullPointerException.class, () -> FileSubscriber.writingTo(null, 0));
    }

    @Test
    @Timeout(300)
    void everythingWorksWithInlineCompletionOnIoThreads() throws IOException {
        try (FileEngine inline = newEngine(FileEngine.builder().inlineCompletion(true))) {
            Path path = dir.resolve("inline.txt");
            AsyncWriter writer = await(Text.newBufferedWriter(inline, path, UTF_8, 50));
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                String line = i + " \u00e9\u20ac\uD83D\uDE00";
                expected.add(line);
                writer.write(line);
                writer.newLine();
            }
            await(writer.closeAsync());
            assertEquals(expected, Files.readAllLines(path, UTF_8));
            assertEquals(expected, await(Text.readAllLines(inline, path, UTF_8, 7)));
            assertEquals(expected, publishedLines(Text.lines(inline, path, UTF_8, 7)));
            try (AsyncReader reader = await(Text.newBufferedReader(inline, path, UTF_8, 7))) {
                List<CompletableFuture<String>> calls = new ArrayList<>();
                for (int i = 0; i <= expected.size(); i++) {
                    calls.add(reader.readLine());
                }
                for (int i = 0; i < expected.size(); i++) {
                    assertEquals(expected.get(i), await(calls.get(i)));
                }
                assertNull(await(calls.get(expected.size())));
            }
            Path copy = dir.resolve("inline-copy.txt");
            try (AsyncFile in = await(inline.open(path, READ));
                 AsyncFile out = await(inline.open(copy, CREATE_NEW, WRITE))) {
                FileSubscriber subscriber = FileSubscriber.writingTo(out, 0);
                Text.bytes(in, 0, 333).subscribe(subscriber);
                assertEquals(Files.size(path), await(subscriber.result()));
            }
            assertArrayEquals(Files.readAllBytes(path), Files.readAllBytes(copy));
        }
        assertOnlyClosedDescriptors();
    }

    // ---------------------------------------------------------------- helpers

    private static List<String> jdkLines(String text) throws IOException {
        try (BufferedReader reader = new BufferedReader(new StringReader(text))) {
            List<String> lines = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
            return lines;
        }
    }

    private static String describe(String text) {
        return '"' + text.replace("\r", "\\r").replace("\n", "\\n") + '"';
    }

    /** All lines of a publisher, requested one at a time from inside onNext. */
    private static List<String> publishedLines(Flow.Publisher<String> publisher) {
        Probe<String> probe = new Probe<>();
        probe.onItem = line -> probe.request(1);
        publisher.subscribe(probe);
        probe.request(1);
        await(probe.done);
        probe.assertFollowedTheRules();
        return probe.itemList();
    }

    private List<String> readerLines(Path path, Charset charset, int chunk) throws IOException {
        try (AsyncReader reader = await(Text.newBufferedReader(engine, path, charset, chunk))) {
            List<String> lines = new ArrayList<>();
            for (String line = await(reader.readLine()); line != null; line = await(reader.readLine())) {
                lines.add(line);
            }
            return lines;
        }
    }

    private String readerChars(Path path, Charset charset, int chunk, int room) throws IOException {
        try (AsyncReader reader = await(Text.newBufferedReader(engine, path, charset, chunk))) {
            StringBuilder text = new StringBuilder();
            CharBuffer dst = CharBuffer.allocate(room);
            while (true) {
                dst.clear();
                int n = await(reader.read(dst));
                if (n < 0) {
                    return text.toString();
                }
                assertTrue(n > 0, "a read with room returns at least one character");
                text.append(dst.flip());
            }
        }
    }

    /** Lines of {@code length} bytes (terminator included): the line number, padded with dots. */
    private static String numberedLine(long number, int length) {
        String digits = Long.toString(number);
        return digits + ".".repeat(length - 1 - digits.length());
    }

    private static void writeNumberedLines(Path path, int length, long size) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            byte[] block = new byte[length * 16_384];
            long line = 0;
            for (long written = 0; written < size; ) {
                int n = 0;
                while (n < block.length && written + n < size) {
                    byte[] text = (numberedLine(line++, length) + "\n").getBytes(US_ASCII);
                    System.arraycopy(text, 0, block, n, length);
                    n += length;
                }
                out.write(block, 0, n);
                written += n;
            }
        }
    }

    private static long crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return crc.getValue();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /**
     * Waits until no descriptor of this process refers to a file under the test directory: readers, writers and
     * publishers must close what they open. Linux only.
     */
    private void assertOnlyClosedDescriptors() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            List<Path> open = openUnderDir();
            if (open.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("files left open: " + open);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Files under the test directory that this process has open, from {@code /proc/self/fd}. */
    private List<Path> openUnderDir() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        Assumptions.assumeTrue(Files.isDirectory(fds), "/proc/self/fd lists descriptors here");
        Path root = dir.toRealPath();
        List<Path> open = new ArrayList<>();
        try (Stream<Path> entries = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) entries::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(root) && !target.equals(root)) {
                        open.add(target);
                    }
                } catch (IOException e) {
                    // closed while we looked
                }
            }
        }
        return open;
    }

    @Test
    void theDescriptorCheckSeesAnOpenFile() throws IOException {
        Path path = fileWith("seen.txt", new byte[1]);
        AsyncFile file = await(engine.open(path, READ));
        assertEquals(List.of(path.toRealPath()), openUnderDir(), "an open file is seen, so the check can fail");
        file.close();
        assertOnlyClosedDescriptors();
    }

    /** An engine whose files count, in {@code asked}, every byte a read asks for (before the read runs). */
    private static FileEngine counting(FileEngine delegate, AtomicLong asked) {
        return (FileEngine) Proxy.newProxyInstance(FileEngine.class.getClassLoader(), new Class<?>[] {FileEngine.class},
                (proxy, method, args) -> {
                    Object result = invoke(method, delegate, args);
                    if (method.getName().equals("open")) {
                        @SuppressWarnings("unchecked")
                        CompletableFuture<AsyncFile> opening = (CompletableFuture<AsyncFile>) result;
                        return opening.thenApply(file -> countingFile(file, asked));
                    }
                    return result;
                });
    }

    private static AsyncFile countingFile(AsyncFile delegate, AtomicLong asked) {
        return (AsyncFile) Proxy.newProxyInstance(AsyncFile.class.getClassLoader(), new Class<?>[] {AsyncFile.class},
                (proxy, method, args) -> {
                    if (method.getName().startsWith("read") && args != null && args.length > 0
                            && args[0] instanceof ByteBuffer) {
                        asked.addAndGet(((ByteBuffer) args[0]).remaining());
                    }
                    return invoke(method, delegate, args);
                });
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A subscription driven by the test, recording what the subscriber asks. */
    private static final class ManualSubscription implements Flow.Subscription {
        final AtomicLong requested = new AtomicLong();
        final AtomicBoolean cancelled = new AtomicBoolean();

        @Override
        public void request(long n) {
            requested.addAndGet(n);
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    }

    /**
     * A subscriber that records everything and checks the publisher's side of the rules: onSubscribe first and
     * once, no onNext beyond demand, no overlapping signals, at most one terminal signal and nothing after it.
     */
    private static final class Probe<T> implements Flow.Subscriber<T> {
        final CompletableFuture<Flow.Subscription> subscribed = new CompletableFuture<>();
        final LinkedBlockingQueue<T> items = new LinkedBlockingQueue<>();
        final List<T> all = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong outstanding = new AtomicLong();
        final AtomicInteger received = new AtomicInteger();
        final AtomicInteger completions = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicBoolean inSignal = new AtomicBoolean();
        volatile Consumer<T> onItem = item -> { };

        Flow.Subscription subscription() {
            return await(subscribed);
        }

        void request(long n) {
            outstanding.getAndAccumulate(n, (current, add) -> current + add < 0 ? Long.MAX_VALUE : current + add);
            subscription().request(n);
        }

        T take() {
            try {
                T item = items.poll(WAIT_SECONDS, TimeUnit.SECONDS);
                if (item == null) {
                    fail("no item within " + WAIT_SECONDS + " s; received " + received.get() + ", violations "
                            + violations + ", done " + done);
                }
                return item;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        List<T> itemList() {
            synchronized (all) {
                return new ArrayList<>(all);
            }
        }

        void assertFollowedTheRules() {
            assertEquals(List.of(), violations);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            enter("onSubscribe");
            if (!subscribed.complete(s)) {
                violations.add("onSubscribe twice");
            }
            exit();
        }

        @Override
        public void onNext(T item) {
            enter("onNext");
            if (!subscribed.isDone()) {
                violations.add("onNext before onSubscribe");
            }
            if (done.isDone()) {
                violations.add("onNext after a terminal signal");
            }
            if (outstanding.get() != Long.MAX_VALUE && outstanding.decrementAndGet() < 0) {
                violations.add("onNext without demand");
            }
            received.incrementAndGet();
            all.add(item);
            items.add(item);
            try {
                onItem.accept(item);
            } finally {
                exit();
            }
        }

        @Override
        public void onError(Throwable error) {
            enter("onError");
            errors.incrementAndGet();
            if (done.isDone()) {
                violations.add("second terminal signal: " + error);
            }
            done.completeExceptionally(error);
            exit();
        }

        @Override
        public void onComplete() {
            enter("onComplete");
            completions.incrementAndGet();
            if (done.isDone()) {
                violations.add("second terminal signal: onComplete");
            }
            done.complete(null);
            exit();
        }

        private void enter(String signal) {
            if (!inSignal.compareAndSet(false, true)) {
                violations.add("overlapping signal " + signal);
            }
        }

        private void exit() {
            inSignal.set(false);
        }
    }
}
