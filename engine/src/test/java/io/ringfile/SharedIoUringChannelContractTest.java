package io.ringfile;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The channel and provider contract on engines sharing an io_uring event loop group. */
class SharedIoUringChannelContractTest extends ProviderContract {
    private static EventLoopGroup group;

    SharedIoUringChannelContractTest() { super(FileEngine.Backend.IO_URING); }

    @BeforeAll
    static void startGroup() { group = SharedGroups.ioUring(2, "shared-uring"); }

    @AfterAll
    static void stopGroup() { SharedGroups.shutdown(group); }

    @Override
    protected FileEngine.Builder configure(FileEngine.Builder builder) { return super.configure(builder).eventLoopGroup(group); }

    @Override
    protected boolean ringsOnSharedLoops() { return true; }
}
