package io.echoreactor.fuzz;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * The child JVM that {@link FuzzSoakTests} starts for one fuzz target: runs that one
 * {@code @FuzzTest} method through the JUnit Platform, which Jazzer turns into a fuzzing
 * run when {@code JAZZER_FUZZ} is set, and exits 0 only if the method ran and passed.
 * Jazzer refuses to fuzz a second target in the same JVM and reports it as skipped, so
 * a skip fails here too.
 */
public final class FuzzTargetProcess {

	private FuzzTargetProcess() {
	}

	/**
	 * Run one target.
	 * @param args the target, {@code <class>#<method>}
	 * @throws ClassNotFoundException if the class is not on the class path
	 */
	public static void main(String[] args) throws ClassNotFoundException {
		String[] target = args[0].split("#", 2);
		Class<?> type = Class.forName(target[0]);
		List<Method> methods = Arrays.stream(type.getDeclaredMethods())
			.filter((method) -> method.getName().equals(target[1]))
			.toList();
		if (methods.size() != 1) {
			System.out.println("Expected one method named " + args[0] + ", found " + methods.size());
			System.exit(2);
		}
		LauncherDiscoveryRequest request = request().selectors(selectMethod(type, methods.get(0))).build();
		SummaryGeneratingListener listener = new SummaryGeneratingListener();
		LauncherFactory.create().execute(request, listener);
		TestExecutionSummary summary = listener.getSummary();
		PrintWriter out = new PrintWriter(System.out, true);
		summary.printTo(out);
		summary.printFailuresTo(out, 30);
		boolean passed = summary.getTotalFailureCount() == 0 && summary.getTestsSucceededCount() > 0
				&& summary.getTestsSkippedCount() == 0 && summary.getContainersSkippedCount() == 0
				&& summary.getTestsAbortedCount() == 0 && summary.getContainersAbortedCount() == 0;
		System.exit(passed ? 0 : 1);
	}

}
