package io.echoreactor.fuzz;

import java.lang.reflect.Method;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherFactory;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;
import static org.junit.platform.launcher.TagFilter.includeTags;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * The fuzz targets: every Jazzer {@link FuzzTest} method under {@code io.echoreactor},
 * found as JUnit finds them, so a new target is one annotated method and nothing else.
 *
 * <p>
 * A target is an ordinary test in every build, where it replays the inputs committed under
 * {@code src/test/resources/<package>/<TestClass>Inputs/<method>/}; {@link FuzzSoakTests}
 * fuzzes each one in a JVM of its own, since Jazzer fuzzes one target per JVM.
 */
public final class FuzzTargets {

	/**
	 * How long {@code ./mvnw -Psoak verify} fuzzes each target: every {@link FuzzTest}
	 * names it as its {@code maxDuration}. With the JVM's start and the replay of the
	 * committed inputs a target takes about 40 s, and five fit in the soak's five minutes
	 * of fuzzing.
	 */
	public static final String MAX_DURATION = "30s";

	private FuzzTargets() {
	}

	/**
	 * Return the fuzz targets, in a stable order.
	 * @return each {@link FuzzTest} method
	 */
	static List<Method> discover() {
		LauncherDiscoveryRequest request = request().selectors(selectPackage("io.echoreactor"))
			// @FuzzTest carries the tag; the annotation is checked below as well.
			.filters(includeTags("jazzer"))
			.build();
		TestPlan plan = LauncherFactory.create().discover(request);
		return plan.getRoots()
			.stream()
			.flatMap((root) -> plan.getDescendants(root).stream())
			.map(TestIdentifier::getSource)
			.flatMap(Optional::stream)
			.map(FuzzTargets::method)
			.flatMap(Optional::stream)
			.filter((method) -> AnnotationSupport.isAnnotated(method, FuzzTest.class))
			.distinct()
			.sorted(Comparator.comparing(FuzzTargets::name))
			.toList();
	}

	private static Optional<Method> method(TestSource source) {
		return (source instanceof MethodSource method) ? Optional.of(method.getJavaMethod()) : Optional.empty();
	}

	/**
	 * Return a target's name, as {@link FuzzTargetProcess} takes it.
	 * @param method the target
	 * @return {@code <class>#<method>}
	 */
	static String name(Method method) {
		return method.getDeclaringClass().getName() + "#" + method.getName();
	}

}
