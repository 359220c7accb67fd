package io.ringfile.netty.http;

/**
 * The {@code Range} header of a GET, as RFC 9110 section 14 reads it, against a file of a known size. Only a
 * single range is served as a range; several ranges get the whole file (a server may ignore {@code Range}), as does
 * a header this parser does not understand (another unit, a malformed range set), which RFC 9110 says to ignore.
 */
final class ByteRange {
    /** Serve the whole file with 200. */
    static final ByteRange WHOLE = new ByteRange(0, -1);
    /** Answer 416 with {@code Content-Range: bytes *}{@code /size}. */
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    /** First byte served, inclusive. */
    final long first;
    /** Last byte served, inclusive. */
    final long last;

    private ByteRange(long first, long last) {
        this.first = first;
        this.last = last;
    }

    boolean partial() {
        return this != WHOLE && this != UNSATISFIABLE;
    }

    long length() {
        return last - first + 1;
    }

    /**
     * The range to serve.
     *
     * @param header the {@code Range} header's value, or null
     * @param size the file's size
     * @return {@link #WHOLE}, {@link #UNSATISFIABLE} or the single satisfiable range, clipped to the file
     */
    static ByteRange parse(String header, long size) {
        if (header == null) {
            return WHOLE;
        }
        String h = header.trim();
        int eq = h.indexOf('=');
        if (eq < 0 || !h.substring(0, eq).trim().equalsIgnoreCase("bytes")) {
            return WHOLE;
        }
        String set = h.substring(eq + 1);
        if (set.indexOf(',') >= 0) {
            return WHOLE; // several ranges (or an empty list element): the whole file answers them all
        }
        String spec = set.trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return WHOLE;
        }
        String firstText = spec.substring(0, dash);
        String lastText = spec.substring(dash + 1);
        if (firstText.isEmpty()) { // suffix-range: the last N bytes
            long suffix = digits(lastText);
            if (suffix < 0) {
                return WHOLE;
            }
            if (suffix == 0 || size == 0) {
                return UNSATISFIABLE;
            }
            return new ByteRange(Math.max(0, size - suffix), size - 1);
        }
        long first = digits(firstText);
        if (first < 0) {
            return WHOLE;
        }
        long last;
        if (lastText.isEmpty()) {
            last = Long.MAX_VALUE;
        } else {
            last = digits(lastText);
            if (last < 0 || last < first) {
                return WHOLE; // invalid: ignored, as RFC 9110 14.1.1 says
            }
        }
        if (first >= size) {
            return UNSATISFIABLE;
        }
        return new ByteRange(first, Math.min(last, size - 1));
    }

    /** A run of ASCII digits as a number (Long.MAX_VALUE when larger), or -1 if it is not one. */
    private static long digits(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            int d = c - '0';
            if (value > (Long.MAX_VALUE - d) / 10) {
                value = Long.MAX_VALUE;
            } else if (value != Long.MAX_VALUE) {
                value = value * 10 + d;
            }
        }
        return value;
    }
}
