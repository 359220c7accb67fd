/**
 * Text, lines and byte streams built on the public {@code AsyncFile} / {@code FileEngine} API: strict decoding and
 * line splitting ({@code TextSource}), the buffered {@code AsyncReader} and {@code AsyncWriter}, and the
 * {@code Flow} publishers and subscriber with backpressure. {@link io.ringfile.internal.text.Text} is the entry
 * point; the package is not exported.
 */
package io.ringfile.internal.text;
