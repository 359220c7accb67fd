package io.ringfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The static facade on the default engine. */
class AsyncFilesTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultEngineHonoursTheSystemPropertyAndServesEveryCall() throws Exception {
        FileEngine engine = AsyncFiles.engine();
        assertSame(engine, AsyncFiles.engine(), "one default engine");
        assertNotEquals(FileEngine.Backend.AUTO, engine.backend());
        String requested = System.getProperty("ringfile.backend", "auto");
        if (!requested.equals("auto")) {
            assertEquals(FileEngine.Backend.parse(requested), engine.backend());
        }

        Path path = dir.resolve("facade.txt");
        assertEquals(path, AsyncFiles.writeString(path, "one").get(30, TimeUnit.SECONDS));
        assertEquals("one", AsyncFiles.readString(path).get(30, TimeUnit.SECONDS));
        assertEquals(3L, AsyncFiles.size(path).get(30, TimeUnit.SECONDS));
        AsyncFiles.write(path, new byte[] {1, 2}).get(30, TimeUnit.SECONDS);
        assertArrayEquals(new byte[] {1, 2}, AsyncFiles.readAllBytes(path).get(30, TimeUnit.SECONDS));
        try (AsyncFile file = AsyncFiles.open(path).get(30, TimeUnit.SECONDS)) {
            ByteBuffer dst = ByteBuffer.allocate(2);
            assertEquals(2, file.readFully(dst, 0).get(30, TimeUnit.SECONDS));
        }
        assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(path));
    }

    @Test
    void configuringTheDefaultEngineAfterItStartedFailsClearly() {
        AsyncFiles.engine(); // started here if no other test started it
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AsyncFiles.configureDefault(builder -> builder.rings(1)));
        assertTrue(e.getMessage().contains("already started"), e::getMessage);
        assertThrows(NullPointerException.class, () -> AsyncFiles.configureDefault(null));
    }

    @Test
    void backendNamesParse() {
        assertEquals(FileEngine.Backend.AUTO, FileEngine.Backend.parse("auto"));
        assertEquals(FileEngine.Backend.IO_URING, FileEngine.Backend.parse("IO_URING"));
        assertEquals(FileEngine.Backend.NIO, FileEngine.Backend.parse(" nio "));
        assertThrows(IllegalArgumentException.class, () -> FileEngine.Backend.parse("epoll"));
    }
}
