package io.ringfile;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Run by {@link ChannelContract} in a JVM with one carrier thread for virtual threads and no room for more
 * ({@code -Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1}). Usage:
 * {@code VirtualThreadCarrierProbe ringfile|jdk BACKEND DIR}. Eight virtual threads each read an empty FIFO through
 * a channel (the engine's, or for comparison the JDK's); then one more virtual thread is started: it runs only if
 * the blocked readers left the one carrier free. Prints {@code OTHER-VIRTUAL-THREAD-RAN yes|no}, then feeds every
 * FIFO from a platform thread and prints {@code READS-COMPLETED n}.
 */
public final class VirtualThreadCarrierProbe {
    private static final int READERS = 8;

    private VirtualThreadCarrierProbe() {
    }

    public static void main(String[] args) throws Exception {
        boolean ringfile = args[0].equals("ringfile");
        FileEngine engine;
        try {
            engine = FileEngine.builder().backend(FileEngine.Backend.parse(args[1])).build();
        } catch (UnsupportedOperationException e) {
            System.out.println("UNAVAILABLE " + e.getMessage());
            System.out.println("DONE");
            return;
        }
        System.out.println("BACKEND " + engine.backend());
        Path dir = Files.createTempDirectory(Path.of(args[2]), "carrier");
        List<Path> fifos = new ArrayList<>();
        List<FileChannel> channels = new ArrayList<>();
        for (int i = 0; i < READERS; i++) {
            Path fifo = dir.resolve("fifo-" + i);
            if (new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor() != 0) {
                throw new IllegalStateException("mkfifo failed");
            }
            fifos.add(fifo);
            channels.add(ringfile ? engine.newFileChannel(fifo, READ, WRITE) : FileChannel.open(fifo, READ, WRITE));
        }
        ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
                .invoke(null);
        CountDownLatch started = new CountDownLatch(READERS);
        CountDownLatch finished = new CountDownLatch(READERS);
        AtomicInteger completed = new AtomicInteger();
        for (FileChannel channel : channels) {
            virtual.execute(() -> {
                started.countDown();
                try {
                    if (channel.read(ByteBuffer.allocate(1)) == 1) {
                        completed.incrementAndGet();
                    }
                } catch (Exception e) {
                    System.out.println("READ-FAILED " + e);
                } finally {
                    finished.countDown();
                }
            });
        }
        started.await(5, TimeUnit.SECONDS);
        Thread.sleep(500); // the readers are now waiting in their reads
        CountDownLatch other = new CountDownLatch(1);
        virtual.execute(other::countDown);
        System.out.println("OTHER-VIRTUAL-THREAD-RAN " + (other.await(10, TimeUnit.SECONDS) ? "yes" : "no"));
        for (Path fifo : fifos) {
            try (FileChannel writer = FileChannel.open(fifo, WRITE)) {
                writer.write(ByteBuffer.wrap(new byte[] {1}));
            }
        }
        finished.await(60, TimeUnit.SECONDS);
        System.out.println("READS-COMPLETED " + completed.get());
        System.out.println("DONE");
        System.out.flush();
        Runtime.getRuntime().halt(0); // the JDK's readers may still hold the carrier; do not wait for anything
    }
}
