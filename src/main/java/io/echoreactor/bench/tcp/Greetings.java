package io.echoreactor.bench.tcp;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * What a greeting line is counted by: its {@code pod}, or failing that its {@code host},
 * in the text form ({@code key=value} pairs) or the JSON form of echo-reactor's greeting;
 * any other line as a whole. Counting by pod shows how a load balancer spread the
 * connections, which the whole line would not: it names each connection's own addresses.
 */
final class Greetings {

	/** The longest greeting line read, its end of line included. */
	static final int MAX_LENGTH = 8192;

	private static final String[] KEYS = { "pod", "host" };

	private Greetings() {
	}

	/**
	 * Return what a greeting is counted by.
	 * @param line the line, without its end of line
	 * @return {@code pod=NAME}, {@code host=NAME} or the line
	 */
	static String key(String line) {
		boolean json = line.startsWith("{");
		for (String key : KEYS) {
			String value = json ? jsonValue(line, key) : textValue(line, key);
			if (value != null) {
				return key + "=" + value;
			}
		}
		return line;
	}

	private static @Nullable String textValue(String line, String key) {
		Matcher matcher = Pattern.compile("(?:^| )" + key + "=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)").matcher(line);
		if (!matcher.find()) {
			return null;
		}
		String value = matcher.group(1);
		return value.startsWith("\"") ? unescape(value.substring(1, value.length() - 1)) : value;
	}

	private static @Nullable String jsonValue(String line, String key) {
		Matcher matcher = Pattern.compile("\"" + key + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(line);
		return matcher.find() ? unescape(matcher.group(1)) : null;
	}

	private static String unescape(String value) {
		return value.replace("\\\"", "\"").replace("\\\\", "\\");
	}

}
