/**
 * Micrometer meters for a Ringfile engine: {@code new RingfileMetrics(engine).bindTo(registry)}; see
 * {@link io.ringfile.micrometer.RingfileMetrics} for the meters, their tags and units.
 */
package io.ringfile.micrometer;
