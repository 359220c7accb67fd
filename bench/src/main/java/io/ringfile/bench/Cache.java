package io.ringfile.bench;

/** How a read benchmark meets the page cache; every read result carries one of these labels. */
public enum Cache {
    /** The file was read once before the measurement, so reads are served from the page cache. */
    HOT,
    /** O_DIRECT ({@code ExtendedOpenOption.DIRECT}), aligned buffers: reads go to the device. */
    DIRECT
}
