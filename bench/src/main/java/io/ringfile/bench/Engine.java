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
 * </ul>
 */
public enum Engine {
    RINGFILE_IO_URING("ringfile io_uring"),
    RINGFILE_IO_URING_INLINE("ringfile io_uring inline"),
    RINGFILE_NIO("ringfile nio"),
    FILE_CHANNEL("FileChannel"),
    ASYNC_FILE_CHANNEL("AsyncFileChannel");

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
        return this != FILE_CHANNEL;
    }
}
