package io.ringfile.internal.uring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which paths {@link MountTable} takes for a file system whose open waits for another party, from a mount table in
 * {@code /proc/self/mountinfo}'s format. The native tests check what it is for, on a real FUSE mount
 * ({@code SlowOpenTest}).
 */
class MountTableTest {
    private static final String TABLE = String.join("\n",
            "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
            "22 27 0:21 / /proc rw,relatime - proc proc rw",
            "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw",
            "40 27 0:45 / /mnt/fuse rw,nosuid,nodev,relatime shared:20 - fuse faultfs rw,user_id=0,group_id=0",
            "41 40 0:46 / /mnt/fuse/inner/local rw,relatime - tmpfs tmpfs rw",
            "42 27 0:47 / /srv/nfs rw,relatime - nfs4 server:/export rw,vers=4.2",
            "43 27 0:48 / /home/me/sshfs rw - fuse.sshfs me@host:/ rw",
            "44 27 0:49 / /srv/with\\040space rw - cifs //host/share rw",
            "45 27 0:50 / /srv/stacked rw - virtiofs tag rw",
            "46 45 0:51 / /srv/stacked rw - ext4 /dev/vdb rw",
            "");

    @Test
    void localFileSystemsOpenWithoutWaiting() {
        assertFalse(MountTable.openMayWait(TABLE, "/"));
        assertFalse(MountTable.openMayWait(TABLE, "/var/tmp/file"));
        assertFalse(MountTable.openMayWait(TABLE, "/dev/shm/x"));
        assertFalse(MountTable.openMayWait(TABLE, "/proc/self/status"));
    }

    @Test
    void fuseAndNetworkFileSystemsWait() {
        assertTrue(MountTable.openMayWait(TABLE, "/mnt/fuse"));
        assertTrue(MountTable.openMayWait(TABLE, "/mnt/fuse/a/b"));
        assertTrue(MountTable.openMayWait(TABLE, "/srv/nfs/data.bin"));
        assertTrue(MountTable.openMayWait(TABLE, "/home/me/sshfs/notes.txt"), "fuse.* subtypes");
        assertTrue(MountTable.openMayWait(TABLE, "/srv/with space/file"), "an escaped mount point");
    }

    @Test
    void theDeepestMountPointDecides() {
        assertFalse(MountTable.openMayWait(TABLE, "/mnt/fuse/inner/local/file"), "a tmpfs inside the FUSE mount");
        assertTrue(MountTable.openMayWait(TABLE, "/mnt/fuse/inner/other"));
        assertFalse(MountTable.openMayWait(TABLE, "/mnt/fuseX/file"), "a name that only starts like a mount point");
        assertFalse(MountTable.openMayWait(TABLE, "/srv/nfsdata"), "a name that only starts like a mount point");
        assertFalse(MountTable.openMayWait(TABLE, "/srv/with\\040space/file"), "the escape is not the name");
    }

    @Test
    void ofTwoMountsOnOnePointTheLaterIsOnTop() {
        assertFalse(MountTable.openMayWait(TABLE, "/srv/stacked/file"));
        assertTrue(MountTable.openMayWait(TABLE.replace("46 45 0:51 / /srv/stacked rw - ext4 /dev/vdb rw\n", ""),
                "/srv/stacked/file"));
    }

    @Test
    void malformedLinesAreSkipped() {
        String table = "garbage\n\n1 2 3\n" + "40 27 0:45 / /mnt/fuse rw - fuse faultfs rw\n"
                + "50 27 0:1 / /mnt/fuse/x rw no-separator-here\n";
        assertTrue(MountTable.openMayWait(table, "/mnt/fuse/x/y"));
        assertFalse(MountTable.openMayWait("", "/anything"));
    }
}
