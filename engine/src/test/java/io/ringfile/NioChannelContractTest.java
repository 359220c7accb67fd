package io.ringfile;

/** The channel and provider contract on the portable NIO backend. */
class NioChannelContractTest extends ProviderContract {
    NioChannelContractTest() { super(FileEngine.Backend.NIO); }
}
