package io.ringfile;

/** The contract on the portable NIO backend. */
class NioContractTest extends FileEngineContract {
    NioContractTest() { super(FileEngine.Backend.NIO); }
}
