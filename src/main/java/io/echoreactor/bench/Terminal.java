package io.echoreactor.bench;

import java.io.Console;
import java.lang.reflect.Method;

/**
 * Whether standard output is a terminal, so that progress lines go to people and never
 * into a file or a pipe.
 */
final class Terminal {

	private Terminal() {
	}

	/**
	 * Return whether standard input and output are a terminal. Before JDK 22 a console
	 * exists only then; from JDK 22 {@link System#console()} returns one even when output
	 * is redirected, and {@code Console.isTerminal()} (JDK 22) tells the two apart. It is
	 * called reflectively because the jar targets Java 17.
	 * @return whether progress lines may be printed
	 */
	static boolean isTerminal() {
		Console console = System.console();
		if (console == null) {
			return false;
		}
		Method isTerminal;
		try {
			isTerminal = Console.class.getMethod("isTerminal");
		}
		catch (NoSuchMethodException ex) {
			return true;
		}
		try {
			return (boolean) isTerminal.invoke(console);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return false;
		}
	}

}
