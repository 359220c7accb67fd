package io.ringfile.netty.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a request target into the names of the path below the root, or refuses it. Pure string work, no file
 * system access, so that nothing a client sends reaches a path before it is known to be a plain relative path.
 *
 * <p>The rules, in order: the target is origin-form ({@code /a/b}) or absolute-form ({@code http://host/a/b}); query
 * and fragment are dropped; the raw path holds only visible ASCII and no backslash; it is split at {@code /} before
 * anything is decoded, so an encoded slash never becomes a separator; each segment is percent-decoded once (a
 * {@code %} not followed by two hex digits is refused) and the bytes are decoded as UTF-8 strictly (overlong forms,
 * surrogates and invalid bytes are refused); a decoded segment that is empty (except the last), {@code .},
 * {@code ..}, or holds {@code /}, {@code \}, NUL or another control character is refused, as is a first segment that
 * looks like a drive ({@code C:}), a name the file system's encoding cannot represent, and more than
 * {@link #MAX_DEPTH} segments. Decoding happens once: {@code %252e} is the literal name {@code %2e}.
 */
final class RequestPath {
    /** Most segments a served path may have: bounds the number of stats one request costs. */
    static final int MAX_DEPTH = 32;

    /** How the JDK encodes file names on this machine (UTF-8 unless the locale says otherwise). */
    private static final Charset FILE_NAME_CHARSET = fileNameCharset();

    /** The decoded names below the root, never empty for a file; null when refused. */
    final String[] names;
    /** True when the target names a directory (it ends with {@code /}, or is {@code /}). */
    final boolean directory;
    /** Why the target was refused, or null. */
    final String refusal;

    private RequestPath(String[] names, boolean directory, String refusal) {
        this.names = names;
        this.directory = directory;
        this.refusal = refusal;
    }

    boolean refused() {
        return refusal != null;
    }

    private static RequestPath refuse(String why) {
        return new RequestPath(null, false, why);
    }

    /**
     * Parses a request target.
     *
     * @param target the request-target of the request line, as the codec gives it (one char per byte)
     * @return the names, or a refusal with its reason
     */
    static RequestPath parse(String target) {
        String path;
        if (target.startsWith("/")) {
            path = target;
        } else if (startsWithIgnoreCase(target, "http://") || startsWithIgnoreCase(target, "https://")) {
            int authority = target.indexOf("//") + 2;
            int slash = target.indexOf('/', authority);
            int end = firstOf(target, authority, '?', '#');
            if (slash < 0 || slash > end) {
                path = "/" + target.substring(end);
            } else {
                path = target.substring(slash);
            }
        } else {
            return refuse("request target is neither a path nor an absolute URL");
        }
        path = path.substring(0, firstOf(path, 0, '?', '#'));
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return refuse("raw byte 0x" + Integer.toHexString(c) + " in the path");
            }
            if (c == '\\') {
                return refuse("backslash in the path");
            }
        }
        String[] raw = path.substring(1).split("/", -1);
        boolean directory = raw[raw.length - 1].isEmpty();
        int count = directory ? raw.length - 1 : raw.length;
        if (count > MAX_DEPTH) {
            return refuse("more than " + MAX_DEPTH + " segments");
        }
        String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            if (raw[i].isEmpty()) {
                return refuse("empty segment");
            }
            String name = decode(raw[i]);
            if (name == null) {
                return refuse("malformed percent-encoding or UTF-8 in segment " + i);
            }
            String why = checkName(name, i);
            if (why != null) {
                return refuse(why);
            }
            names[i] = name;
        }
        return new RequestPath(names, directory, null);
    }

    private static String checkName(String name, int index) {
        if (name.equals(".") || name.equals("..")) {
            return "dot segment";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return "encoded slash or backslash";
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                return "encoded NUL or control character";
            }
        }
        if (index == 0 && name.length() >= 2 && name.charAt(1) == ':' && isAsciiLetter(name.charAt(0))) {
            return "drive-like prefix";
        }
        if (!isAscii(name)) {
            CharsetEncoder encoder = FILE_NAME_CHARSET.newEncoder();
            if (!encoder.canEncode(name)) {
                return "name not representable in the file-name encoding " + FILE_NAME_CHARSET;
            }
        }
        return null;
    }

    /** Percent-decodes once, then decodes UTF-8 strictly; null when either is malformed. */
    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        byte[] bytes = new byte[segment.length()];
        int n = 0;
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    return null;
                }
                int hi = hex(segment.charAt(i + 1));
                int lo = hex(segment.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                bytes[n++] = (byte) c;
            }
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(Arrays.copyOf(bytes, n))).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static int firstOf(String s, int from, char a, char b) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return s.length();
    }

    private static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static Charset fileNameCharset() {
        try {
            String name = System.getProperty("sun.jnu.encoding");
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
