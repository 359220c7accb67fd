package io.ringfile;

/** The channel and provider contract on the backend {@code -Dringfile.backend} selects (auto when unset). */
class DefaultEngineChannelContractTest extends ProviderContract {
    DefaultEngineChannelContractTest() { super(FileEngine.Backend.parse(System.getProperty("ringfile.backend", "auto"))); }
}
