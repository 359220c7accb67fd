package io.ringfile.bench;

/**
 * The engines compared by every benchmark. Each name says how the work is driven:
 * <ul>
 *   <li>{@link #RINGFILE_IO_URING}: a Ringfile engine on its io_uring backend, library defaults; the queue depth is
 *       kept by completion callbacks (the next operation is issued when one completes).
 *   <li>{@link #RINGFILE_IO_URING_INLINE}: the same with {@code inlineCompletion(true)}: callbacks run on the ring
 *       thread, which saves the hand-off to the completion executor. Not one of the default JMH parameters
 *       (add it with {@code -p engine=...}); the short report includes it.
 *   <li>{@link #RINGFILE_NIO}: the same API on Ringfile's NIO fallback (a FileChannel thread pool).
 *   <li>{@link #FILE_CHANNEL}: {@code FileChannel} positional read/write called by as many platform threads as the
 *       queue depth: what a thread-per-request server does.
 *   <li>{@link #ASYNC_FILE_CHANNEL}: {@code AsynchronousFileChannel} with its default thread pool and completion
 *       handlers.
 *   <li>{@link #RINGFILE_CHANNEL}: the {@code FileChannel} of a Ringfile io_uring engine
 *       ({@code FileEngine.newFileChannel}), called by blocking threads as {@link #FILE_CHANNEL} is.
 *   <li>{@link #RINGFILE_PROVIDER}: the JDK's own calls ({@code FileChannel.open}, {@code Files.readAllBytes}) on
 *       paths of {@code RingfileFileSystemProvider} over a Ringfile io_uring engine: what the JVM-wide switch
 *       ({@code -Djava.nio.file.spi.DefaultFileSystemProvider}) gives unchanged code.
 * </ul>
 * The last two are not in the short report ({@link #inShortReport()}); the blocking-caller benchmarks name them.
 */
public enum Engine {
    RINGFILE_IO_URING("ringfile io_uring"),
    RINGFILE_IO_URING_INLINE("ringfile io_uring inline"),
    RINGFILE_NIO("ringfile nio"),
    FILE_CHANNEL("FileChannel"),
    ASYNC_FILE_CHANNEL("AsyncFileChannel"),
    RINGFILE_CHANNEL("ringfile FileChannel"),
    RINGFILE_PROVIDER("ringfile provider");

    private final String label;

    Engine(String label) {
        this.label = label;
    }

    /** A short name for tables and charts. */
    public String label() {
        return label;
    }

    /** True when the engine is driven by completion callbacks, false when by blocking threads. */
    public boolean asynchronous() {
        return this != FILE_CHANNEL && this != RINGFILE_CHANNEL && this != RINGFILE_PROVIDER;
    }

    /** Whether {@code bench/report.sh} runs it. */
    public boolean inShortReport() {
        return this != RINGFILE_CHANNEL && this != RINGFILE_PROVIDER;
    }
}
