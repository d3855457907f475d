package io.echoreactor.bench.tcp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
	 * Take the bytes of a greeting line as they arrive, up to its end of line.
	 * @param line the line so far, which holds at most {@link #MAX_LENGTH} bytes
	 * @param data bytes read; what follows the end of line stays in it, and so does what
	 * does not fit in {@code line}
	 * @return the line without its end of line once complete, or {@code null}
	 */
	static @Nullable String take(ByteBuffer line, ByteBuffer data) {
		while (data.hasRemaining()) {
			byte b = data.get(data.position());
			if (b == '\n') {
				data.get();
				line.flip();
				String text = StandardCharsets.UTF_8.decode(line).toString();
				return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
			}
			if (!line.hasRemaining()) {
				return null;
			}
			line.put(data.get());
		}
		return null;
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
