package io.ringfile.internal.uring;

/**
 * One submission queue entry and what must happen when its completion arrives.
 *
 * <p>Threading: built on any thread, then touched only by its ring's event-loop thread. Memory the entry points to
 * (buffers, paths, statx results) is referenced from the op and stays allocated until {@link #complete} or
 * {@link #abandon} runs.
 */
abstract class RingOp {
    byte opcode;
    int fd;
    long union1;
    long union2;
    int len;
    int union3;
    int union5; // splice_fd_in
    /** The entry's IOSQE_* flags; {@link #sqe} clears them. */
    byte flags;

    /** The file this op counts against while in flight, or null for path operations. */
    UringFile file;

    /**
     * Set for a close: it may take the slots a ring keeps beyond its in-flight limit, so that it never waits behind
     * operations a slow or hung file system holds (the engine never refuses a close either).
     */
    boolean urgent;

    RingOp(UringFile file) {
        this.file = file;
    }

    /** Whether this op reports its outcome to {@code completion} (for a cancel of that operation). */
    boolean reportsTo(Object completion) {
        return false;
    }

    final RingOp sqe(byte opcode, int fd, long union1, long union2, int len, int union3) {
        this.opcode = opcode;
        this.fd = fd;
        this.union1 = union1;
        this.union2 = union2;
        this.len = len;
        this.union3 = union3;
        this.union5 = 0;
        this.flags = 0;
        return this;
    }

    /**
     * Runs on the loop thread just before submission. Returns false when the op finished without a submission
     * (it must then have reported its outcome itself).
     */
    boolean beforeSubmit() {
        return true;
    }

    /**
     * The kernel's result: a count, a descriptor, 0, or -errno. Loop thread; memory may be released now. Must not
     * throw: every failure, allocation failures included, is reported to whoever waits for the op.
     */
    abstract void complete(int res);

    /**
     * The op was never submitted (or a stopping ring refused it): report {@code error}; its memory is free. Any
     * thread. Must not throw.
     */
    abstract void reject(Throwable error);

    /**
     * The ring stops while the kernel may still use the op's memory: report {@code error}, free nothing. The op
     * stays referenced until {@link #reap}, or for good.
     */
    abstract void abandon(Throwable error);

    /**
     * After {@link #abandon}: the kernel finished the op after all, with {@code res}. Its memory is free now, and a
     * descriptor the kernel opened for it must be closed. Loop thread; must not throw.
     */
    void reap(int res) {
    }

    /**
     * After {@link #abandon}: the ring is gone with its loop, and no completion will ever come for this op (see
     * {@link Ring#loopEnded}). Any thread; must not throw.
     */
    void lost() {
    }
}
