package io.ringfile.nativetest;

import io.ringfile.FileEngine;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link AtomicWriteOwnershipTest} as an unprivileged user: {@code writeAtomically} each file named on the
 * command line and print, per file, {@code RESULT name=uid:gid:mode} or {@code RESULT name=ErrorType:file}.
 * Arguments: backend, then the files. Prints {@code SKIP reason} when the backend cannot run.
 */
public final class AtomicWriteAsUser {
    private AtomicWriteAsUser() {
    }

    public static void main(String[] args) throws Exception {
        FileEngine engine;
        try {
            engine = FileEngine.builder().backend(FileEngine.Backend.parse(args[0])).build();
        } catch (UnsupportedOperationException e) {
            System.out.println("SKIP " + e.getMessage());
            return;
        }
        try (engine) {
            for (int i = 1; i < args.length; i++) {
                Path file = Path.of(args[i]);
                String outcome;
                try {
                    engine.writeAtomically(file, "new content").get(60, TimeUnit.SECONDS);
                    outcome = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                            + Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS) + ":"
                            + PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    outcome = cause.getClass().getSimpleName() + ":"
                            + (cause instanceof FileSystemException ? ((FileSystemException) cause).getFile() : cause);
                }
                System.out.println("RESULT " + file.getFileName() + "=" + outcome);
            }
        }
        System.out.println("DONE");
    }
}
