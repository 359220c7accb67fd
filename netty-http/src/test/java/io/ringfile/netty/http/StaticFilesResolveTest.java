package io.ringfile.netty.http;

import io.ringfile.FileEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link StaticFiles#resolve}: the second check, on the real path, behind {@link RequestPath}. Names that
 * RequestPath never lets through are given to it directly here, since no request can reach it with them.
 */
class StaticFilesResolveTest {
    @TempDir
    Path dir;

    private Path resolved(Path root, String... names) throws IOException {
        try (FileEngine engine = FileEngine.builder().backend(FileEngine.Backend.NIO).build()) {
            return StaticFiles.builder(root, engine).build().resolve(names);
        }
    }

    @Test
    void plainNamesGiveThePathOneLevelEach() throws IOException {
        Path root = dir.toRealPath();
        assertEquals(root.resolve("a.txt"), resolved(dir, "a.txt"));
        assertEquals(root.resolve("sub").resolve("deeper").resolve("b.bin"), resolved(dir, "sub", "deeper", "b.bin"));
        assertEquals(root.resolve("caf\u00e9 %2e.txt"), resolved(dir, "caf\u00e9 %2e.txt"));
    }

    @Test
    void namesThatAreNotOneLevelEachAreRefused() throws IOException {
        assertNull(resolved(dir, "sub/b.bin"), "a name holding a separator is two levels");
        assertNull(resolved(dir, ""), "an empty name is no level");
        assertNull(resolved(dir, "sub", "", "b.bin"), "an empty name between two, with the count one short");
        assertNull(resolved(dir, "sub/", "b.bin"), "a trailing separator is dropped by the path");
        assertNull(resolved(dir, "sub//x", "b.bin"), "a doubled separator is merged by the path");
        assertNull(resolved(dir, "/etc", "passwd"), "a name starting with a separator");
        assertNull(resolved(dir, "a", "b/"), "a separator at the end of the last name");
    }

    @Test
    void aNameTheFileSystemCannotHoldIsAnInvalidPath() {
        assertThrows(InvalidPathException.class, () -> resolved(dir, "nul\u0000.txt"));
    }

    @Test
    void theFileSystemRootServedStillMatchesItsNames() throws IOException {
        Path fsRoot = dir.getFileSystem().getRootDirectories().iterator().next();
        assertEquals(fsRoot.resolve("tmp"), resolved(fsRoot, "tmp"));
        assertNull(resolved(fsRoot, "tmp/x"));
    }
}
