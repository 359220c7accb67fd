package io.ringfile;

/** The channel and provider contract on io_uring; skipped with the reason where io_uring cannot run. */
class IoUringChannelContractTest extends ProviderContract {
    IoUringChannelContractTest() { super(FileEngine.Backend.IO_URING); }
}
