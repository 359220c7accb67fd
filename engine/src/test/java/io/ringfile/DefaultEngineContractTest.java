package io.ringfile;

/** The contract on the backend {@code -Dringfile.backend} selects (auto when unset), as AsyncFiles would use. */
class DefaultEngineContractTest extends FileEngineContract {
    DefaultEngineContractTest() { super(FileEngine.Backend.parse(System.getProperty("ringfile.backend", "auto"))); }
}
