package io.ringfile;

/** The contract on io_uring; skipped with the reason where io_uring cannot run. */
class IoUringContractTest extends FileEngineContract {
    IoUringContractTest() { super(FileEngine.Backend.IO_URING); }
}
