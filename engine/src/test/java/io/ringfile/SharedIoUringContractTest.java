package io.ringfile;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract on engines sharing an io_uring event loop group, as on a Netty server's loops. */
class SharedIoUringContractTest extends FileEngineContract {
    private static EventLoopGroup group;

    SharedIoUringContractTest() { super(FileEngine.Backend.IO_URING); }

    @BeforeAll
    static void startGroup() { group = SharedGroups.ioUring(2, "shared-uring"); }

    @AfterAll
    static void stopGroup() { SharedGroups.shutdown(group); }

    @Override
    protected FileEngine.Builder configure(FileEngine.Builder builder) { return super.configure(builder).eventLoopGroup(group); }

    @Override
    protected boolean ringsOnSharedLoops() { return true; }
}
