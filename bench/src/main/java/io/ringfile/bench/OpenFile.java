package io.ringfile.bench;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One file opened by one {@link Engine}, seen through two faces: asynchronous calls that report to a
 * {@link Callback}, and blocking calls for thread-driven workloads. Every engine has the blocking face (Ringfile's
 * is {@code read(..).join()}); {@code FILE_CHANNEL} has no asynchronous one.
 */
interface OpenFile extends AutoCloseable {

    boolean hasAsync();

    void read(ByteBuffer dst, long position, Callback callback);

    void write(ByteBuffer src, long position, Callback callback);

    /** {@code force(metaData)}: fsync when true, fdatasync when false. */
    void force(boolean metaData, Callback callback);

    int readBlocking(ByteBuffer dst, long position) throws IOException;

    int writeBlocking(ByteBuffer src, long position) throws IOException;

    void forceBlocking(boolean metaData) throws IOException;

    @Override
    void close() throws IOException;
}
