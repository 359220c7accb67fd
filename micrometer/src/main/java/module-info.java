/**
 * Ringfile for Micrometer: {@link io.ringfile.micrometer.RingfileMetrics}, a {@code MeterBinder} that publishes a
 * Ringfile engine's {@linkplain io.ringfile.FileEngine#metrics() metrics} to a Micrometer {@code MeterRegistry}.
 */
@SuppressWarnings("requires-transitive-automatic") // micrometer-core names its module in its manifest (stable name)
module io.ringfile.micrometer {
    requires transitive io.ringfile;
    requires transitive micrometer.core; // RingfileMetrics implements MeterBinder: its users read Micrometer's API

    exports io.ringfile.micrometer;
}
