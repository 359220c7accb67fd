package io.ringfile.internal.uring;

import io.netty.channel.uring.IoUring;

import java.io.File;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Where Netty's io_uring native library stands when Netty runs as named modules (an application on the module path).
 *
 * <p>Netty finds its {@code .so} as a resource of the jar {@code netty-transport-native-io_uring}, through the class
 * loader of its io_uring classes. On the module path that jar is the module {@value #NAME}, which no module requires,
 * so it stays out of the module graph unless the application adds it ({@code --add-modules} {@value #NAME}, or a
 * {@code requires} in its own module). Ringfile cannot add it: a {@code requires} in Ringfile would stop every
 * application without the jar from starting, a {@code requires static} is not resolved at run time, and loading the
 * library from a child layer does not help, because Netty's library initializes Netty's {@code Native} class while it
 * loads, and that class then looks for the library where it cannot see it and fails for good. So this class only
 * tells the two cases apart, for the fallback reason: the jar is missing, or it is on the module path, unused.
 */
public final class NativeModule {
    /** The module of Netty's native jar; Netty 4.2.18's linux-aarch_64 jar declares this same name. */
    public static final String NAME = "io.netty.transport.io_uring.linux.x86_64";

    private NativeModule() {
    }

    /** True when Netty's io_uring classes are in a named module (the module path), not on the class path. */
    public static boolean nettyInNamedModules() {
        return IoUring.class.getModule().isNamed(); // a class literal: IoUring is not initialized
    }

    /**
     * The native jar when it is on the launcher's module path ({@code jdk.module.path}) while its module is not in
     * the module graph of Netty's io_uring classes; empty otherwise (class path, resolved, or not on the module path).
     * Never throws: a module path it cannot read counts as not holding the jar.
     */
    public static Optional<Path> unresolvedOnModulePath() {
        try {
            Module netty = IoUring.class.getModule();
            ModuleLayer layer = netty.getLayer();
            String modulePath = System.getProperty("jdk.module.path");
            if (!netty.isNamed() || layer == null || layer.findModule(NAME).isPresent() || modulePath == null) {
                return Optional.empty();
            }
            Path[] entries = Arrays.stream(modulePath.split(File.pathSeparator)).filter(e -> !e.isBlank())
                    .map(Path::of).toArray(Path[]::new);
            return ModuleFinder.of(entries).find(NAME).flatMap(ModuleReference::location).map(Path::of);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
