package io.ringfile;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The channel and provider contract on engines given an epoll event loop group (they fall back, saying why). */
class SharedEpollChannelContractTest extends ProviderContract {
    private static EventLoopGroup group;

    SharedEpollChannelContractTest() { super(FileEngine.Backend.AUTO); }

    @BeforeAll
    static void startGroup() { group = SharedGroups.epoll(2, "shared-epoll"); }

    @AfterAll
    static void stopGroup() { SharedGroups.shutdown(group); }

    @Override
    protected FileEngine.Builder configure(FileEngine.Builder builder) { return super.configure(builder).eventLoopGroup(group); }

    @Override
    protected boolean fallsBackWithIoUring() { return true; }
}
