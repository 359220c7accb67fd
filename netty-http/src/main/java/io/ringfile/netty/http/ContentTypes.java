package io.ringfile.netty.http;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The built-in table of content types by file-name extension (lower case, without the dot). */
final class ContentTypes {
    /** For a name without a known extension. */
    static final String DEFAULT = "application/octet-stream";

    private ContentTypes() {
    }

    /** A new, modifiable copy of the built-in table. */
    static Map<String, String> defaults() {
        Map<String, String> t = new HashMap<>();
        t.put("html", "text/html");
        t.put("htm", "text/html");
        t.put("css", "text/css");
        t.put("js", "text/javascript");
        t.put("mjs", "text/javascript");
        t.put("json", "application/json");
        t.put("map", "application/json");
        t.put("txt", "text/plain");
        t.put("csv", "text/csv");
        t.put("md", "text/markdown");
        t.put("xml", "application/xml");
        t.put("svg", "image/svg+xml");
        t.put("png", "image/png");
        t.put("jpg", "image/jpeg");
        t.put("jpeg", "image/jpeg");
        t.put("gif", "image/gif");
        t.put("webp", "image/webp");
        t.put("avif", "image/avif");
        t.put("ico", "image/vnd.microsoft.icon");
        t.put("bmp", "image/bmp");
        t.put("woff", "font/woff");
        t.put("woff2", "font/woff2");
        t.put("ttf", "font/ttf");
        t.put("otf", "font/otf");
        t.put("wasm", "application/wasm");
        t.put("pdf", "application/pdf");
        t.put("zip", "application/zip");
        t.put("gz", "application/gzip");
        t.put("tar", "application/x-tar");
        t.put("mp3", "audio/mpeg");
        t.put("ogg", "audio/ogg");
        t.put("wav", "audio/wav");
        t.put("mp4", "video/mp4");
        t.put("webm", "video/webm");
        return t;
    }

    /** The extension of {@code name} in lower case, or "" when it has none (a leading dot is not one). */
    static String extension(String name) {
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            return "";
        }
        return name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
