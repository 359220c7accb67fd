/**
 * The backend contract Ringfile's engine drives, and the portable backend that implements it with
 * {@link java.nio.channels.FileChannel} on a bounded thread pool. Nothing here is public API: both packages are
 * exported only to the engine module.
 */
module io.ringfile.fallback.nio {
    requires jdk.unsupported; // com.sun.nio.file.ExtendedOpenOption.DIRECT

    exports io.ringfile.internal.backend to io.ringfile;
    exports io.ringfile.internal.nio to io.ringfile;
}
