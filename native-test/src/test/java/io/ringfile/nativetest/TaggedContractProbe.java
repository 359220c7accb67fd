package io.ringfile.nativetest;

import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.nio.charset.Charset;

/**
 * Runs the contract-suite tests with one tag in this JVM, for a test that starts the JVM under other conditions
 * (another locale). Usage: {@code TaggedContractProbe TAG CLASS...}. Reports {@code INFO key=value} lines,
 * {@code FAIL test: reason} per failed test, and last {@code DONE failures=N}; exits 0 exactly when N is 0.
 */
public final class TaggedContractProbe {
    private TaggedContractProbe() {
    }

    public static void main(String[] args) {
        System.out.println("INFO sun.jnu.encoding=" + System.getProperty("sun.jnu.encoding"));
        System.out.println("INFO defaultCharset=" + Charset.defaultCharset());
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .filters(TagFilter.includeTags(args[0]));
        for (int i = 1; i < args.length; i++) {
            request.selectors(DiscoverySelectors.selectClass(args[i]));
        }
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(discovery, listener);
        TestExecutionSummary summary = listener.getSummary();
        System.out.println("INFO found=" + summary.getTestsFoundCount());
        System.out.println("INFO succeeded=" + summary.getTestsSucceededCount());
        System.out.println("INFO skipped=" + summary.getTestsSkippedCount() + " aborted="
                + summary.getTestsAbortedCount());
        long failures = summary.getTotalFailureCount();
        summary.getFailures().forEach(f -> System.out.println("FAIL " + f.getTestIdentifier().getDisplayName()
                + ": " + f.getException()));
        System.out.println("DONE failures=" + failures);
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }
}
