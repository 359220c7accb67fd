package app;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * A user's application for ModulePathTest, run on the class path or the module path. It reports in FallbackProbe's
 * format (INFO key=value, PASS name, FAIL name: detail, DONE failures=N). Usage: {@code ModuleApp WORK_DIR}.
 */
public final class ModuleApp {
    private static int failures;

    private ModuleApp() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        info("java", Runtime.version());
        info("appModule", name(ModuleApp.class.getModule()));
        info("ringfileModule", name(FileEngine.class.getModule()));
        try (FileEngine engine = FileEngine.builder().build()) {
            info("backend", engine.backend());
            info("reason", engine.fallbackReason().orElse("-"));
            byte[] data = new byte[65536];
            new Random(12).nextBytes(data);
            try (AsyncFile file = engine.open(work.resolve("app.bin"), CREATE_NEW, READ, WRITE)
                    .get(30, TimeUnit.SECONDS)) {
                file.writeFully(ByteBuffer.wrap(data), 4096).get(30, TimeUnit.SECONDS);
                ByteBuffer back = ByteBuffer.allocateDirect(data.length);
                file.readFully(back, 4096).get(30, TimeUnit.SECONDS);
                byte[] read = new byte[data.length];
                back.flip().get(read);
                if (Arrays.equals(data, read)) {
                    System.out.println("PASS roundTrip");
                } else {
                    fail("roundTrip", "read back other bytes than were written");
                }
            }
        } catch (Exception e) {
            fail("roundTrip", String.valueOf(e));
        }
        System.out.println("DONE failures=" + failures);
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }

    private static String name(Module module) {
        return module.isNamed() ? module.getName() : "unnamed";
    }

    private static void info(String key, Object value) {
        System.out.println("INFO " + key + "=" + String.valueOf(value).replace('\n', ' '));
    }

    private static void fail(String name, String detail) {
        failures++;
        System.out.println("FAIL " + name + ": " + detail.replace('\n', '|'));
    }
}
