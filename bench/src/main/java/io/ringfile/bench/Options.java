package io.ringfile.bench;

import com.sun.nio.file.ExtendedOpenOption;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/** Open options used by the benchmarks. */
final class Options {
    private Options() {
    }

    static Set<OpenOption> read(boolean direct) {
        Set<OpenOption> options = new HashSet<>();
        options.add(StandardOpenOption.READ);
        if (direct) {
            options.add(ExtendedOpenOption.DIRECT);
        }
        return options;
    }

    static Set<OpenOption> readWrite(boolean direct) {
        Set<OpenOption> options = read(direct);
        options.add(StandardOpenOption.WRITE);
        return options;
    }

    static Set<OpenOption> write() {
        Set<OpenOption> options = new HashSet<>();
        options.add(StandardOpenOption.WRITE);
        return options;
    }
}
