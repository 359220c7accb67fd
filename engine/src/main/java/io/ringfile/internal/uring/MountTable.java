package io.ringfile.internal.uring;

import io.ringfile.internal.backend.PlatformPaths;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Which paths lie on a file system whose {@code open(2)} waits for another party: a FUSE daemon, an NFS or SMB
 * server, a hypervisor (virtiofs). There an open can take as long as that party needs, even when the name is in
 * the dentry cache and {@code O_NONBLOCK} is set: io_uring's own first, inline, attempt at an OPENAT then waits on
 * the submitting thread (a ring's thread, or a server's event loop when the engine shares it), and so does an
 * {@code openat2(RESOLVE_CACHED)} on a caller's thread. FUSE also holds a non-blocking read or write until one of
 * its background request slots is free. Opens of such paths, and the data operations of files opened there
 * ({@link UringFile#punted}), skip both and go to a kernel worker from the start ({@code IOSQE_ASYNC}).
 *
 * <p>The answer comes from {@code /proc/self/mountinfo}, read again at most once a second, by whichever thread asks
 * (a read of a few kilobytes from memory); until then a file system mounted since is taken as local. The path is
 * matched as written, made absolute: a symbolic link that leads onto such a file system is not seen, and its open
 * waits as before. Any thread.
 */
final class MountTable {
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Read with java.io, not the default file system: that may be Ringfile itself, whose opens ask this class. */
    private static final String MOUNTINFO = "/proc/self/mountinfo";
    /** File systems, besides every {@code fuse*} type, whose open asks a server or a daemon. */
    private static final Set<String> REMOTE = Set.of("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "virtiofs",
            "afs", "glusterfs", "lustre", "orangefs");

    /**
     * Every mount, and the points of those whose open waits (usually none or one): a name under none of those is
     * answered without looking at the others, as only a mount that waits can make the answer yes.
     */
    private record Snapshot(long readAt, List<Mount> mounts, List<String> waitingPoints) {
        boolean anyWaits() {
            return !waitingPoints.isEmpty();
        }
    }

    private record Mount(String point, boolean openWaits) {
    }

    private static volatile Snapshot snapshot =
            new Snapshot(System.nanoTime() - 2 * REFRESH_NANOS, List.of(), List.of());

    private MountTable() {
    }

    /** Whether an open of {@code path} may wait for another party (see the class comment). */
    static boolean openMayWait(Path path) {
        Snapshot now = current();
        return now.anyWaits() && lookUp(now, PlatformPaths.unwrap(path).toAbsolutePath().toString());
    }

    /** As {@link #openMayWait(Path)}, for an absolute name, with {@code mountinfo} as the mount table. */
    static boolean openMayWait(String mountinfo, String absoluteName) {
        return lookUp(parse(0L, mountinfo), absoluteName);
    }

    private static boolean lookUp(Snapshot now, String name) {
        if (!underAny(now.waitingPoints(), name)) {
            return false;
        }
        int longest = -1;
        boolean waits = false;
        for (Mount mount : now.mounts()) { // the last of equal mount points is the one on top
            String point = mount.point();
            if (point.length() >= longest && covers(point, name)) {
                longest = point.length();
                waits = mount.openWaits();
            }
        }
        return waits;
    }

    private static boolean underAny(List<String> points, String name) {
        for (String point : points) {
            if (covers(point, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean covers(String point, String name) {
        if (point.equals("/")) {
            return true;
        }
        return name.startsWith(point) && (name.length() == point.length() || name.charAt(point.length()) == '/');
    }

    private static Snapshot current() {
        Snapshot now = snapshot;
        long time = System.nanoTime();
        if (time - now.readAt() < REFRESH_NANOS) {
            return now;
        }
        Snapshot fresh;
        try {
            String table;
            try (FileInputStream in = new FileInputStream(MOUNTINFO)) {
                table = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            fresh = parse(time, table);
        } catch (IOException | RuntimeException e) { // no procfs: every open is taken as local, as before
            fresh = new Snapshot(time, List.of(), List.of());
        }
        snapshot = fresh;
        return fresh;
    }

    /** {@code /proc/self/mountinfo}: "ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [TAGS...] - TYPE SOURCE OPTIONS". */
    private static Snapshot parse(long readAt, String mountinfo) {
        List<Mount> mounts = new ArrayList<>();
        List<String> waitingPoints = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.split(" ");
            int dash = -1;
            for (int i = 6; i < fields.length; i++) {
                if (fields[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (fields.length < 7 || dash < 0 || dash + 1 >= fields.length) {
                continue;
            }
            String type = fields[dash + 1];
            boolean waits = type.startsWith("fuse") || REMOTE.contains(type);
            String point = unescape(fields[4]);
            mounts.add(new Mount(point, waits));
            if (waits) {
                waitingPoints.add(point);
            }
        }
        return new Snapshot(readAt, List.copyOf(mounts), List.copyOf(waitingPoints));
    }

    /** The kernel writes a space, tab, newline and backslash in a mount point as {@code \040} and so on. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1) && isOctal(field, i + 2) && isOctal(field, i + 3)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }
}
