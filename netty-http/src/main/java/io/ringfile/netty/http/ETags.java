package io.ringfile.netty.http;

import io.netty.handler.codec.DateFormatter;

import java.util.Date;

/** Entity-tag comparisons of RFC 9110 section 8.8.3, for the conditional headers. */
final class ETags {
    private ETags() {
    }

    /**
     * {@code If-None-Match}: true if the list holds {@code *} or a tag equal to {@code etag} by weak comparison
     * (a {@code W/} prefix is ignored). A malformed list matches nothing from the point where it breaks.
     *
     * @param header the header's value
     * @param etag this file's tag, quoted
     * @return whether the header matches
     */
    static boolean matchesWeakly(String header, String etag) {
        int n = header.length();
        int i = 0;
        while (i < n) {
            char c = header.charAt(i);
            if (c == ' ' || c == '\t' || c == ',') {
                i++;
                continue;
            }
            if (c == '*') {
                return true;
            }
            if (header.startsWith("W/", i)) {
                i += 2;
            }
            if (i >= n || header.charAt(i) != '"') {
                return false;
            }
            int close = header.indexOf('"', i + 1);
            if (close < 0) {
                return false;
            }
            if (close + 1 - i == etag.length() && header.regionMatches(i, etag, 0, etag.length())) {
                return true;
            }
            i = close + 1;
        }
        return false;
    }

    /**
     * {@code If-Range}: an entity tag matches only by strong comparison (never a weak one); a date only when it is
     * exactly the file's modification time, to the second.
     *
     * @param header the header's value
     * @param etag this file's tag, quoted
     * @param modifiedMillis the file's modification time
     * @return whether the range may be served
     */
    static boolean ifRangeMatches(String header, String etag, long modifiedMillis) {
        String value = header.trim();
        if (value.startsWith("W/")) {
            return false;
        }
        if (value.startsWith("\"")) {
            return value.equals(etag);
        }
        Date date = DateFormatter.parseHttpDate(value);
        return date != null && date.getTime() / 1000 == modifiedMillis / 1000;
    }
}
