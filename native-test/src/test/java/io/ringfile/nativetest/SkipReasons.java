package io.ringfile.nativetest;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints every skipped test with its reason, on one line, on standard output, which surefire shows on the console:
 * surefire itself only counts skips. Registered through {@code META-INF/services}, so the JUnit launcher picks it up wherever this
 * module's tests run (surefire, and FallbackProbe's launcher in forked JVMs).
 */
public final class SkipReasons implements TestExecutionListener {
    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        print(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            print(test, result.getThrowable().map(Throwable::getMessage).orElse("no reason given"));
        }
    }

    private static void print(TestIdentifier test, String reason) {
        String oneLine = String.valueOf(reason).strip().replaceAll("\\s*\\R\\s*", " ");
        System.out.println("[skipped] " + name(test) + ": " + oneLine);
        System.out.flush();
    }

    /** {@code Class.method}, with the invocation's display name for a parameterized test. */
    private static String name(TestIdentifier test) {
        TestSource source = test.getSource().orElse(null);
        if (source instanceof MethodSource) {
            MethodSource method = (MethodSource) source;
            boolean invocation = test.getUniqueIdObject().getLastSegment().getType().endsWith("-invocation");
            return simpleName(method.getClassName()) + "." + method.getMethodName()
                    + (invocation ? " " + test.getDisplayName() : "");
        }
        if (source instanceof ClassSource) {
            return simpleName(((ClassSource) source).getClassName()) + " (every test of the class)";
        }
        return test.getDisplayName();
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
