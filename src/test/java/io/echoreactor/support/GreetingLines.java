package io.echoreactor.support;

import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads a greeting line the way a client would: the JSON form with a real JSON parser
 * that refuses anything after the one object, the text form as {@code key=value} pairs
 * with double-quoted values where they hold spaces or quotes.
 */
public final class GreetingLines {

	private static final JsonMapper json = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
		.build();

	private GreetingLines() {
	}

	/**
	 * Parse a JSON greeting.
	 * @param line the line, without its {@code \n}
	 * @return its fields, nested objects as maps
	 */
	@SuppressWarnings("unchecked")
	public static Map<String, Object> json(String line) {
		assertThat(line).doesNotContain("\n").startsWith("{").endsWith("}");
		return json.readValue(line, LinkedHashMap.class);
	}

	/**
	 * Parse a text greeting.
	 * @param line the line, without its {@code \n}
	 * @return its fields, in order
	 */
	public static Map<String, String> text(String line) {
		assertThat(line).doesNotContain("\n");
		Map<String, String> fields = new LinkedHashMap<>();
		int i = 0;
		while (i < line.length()) {
			int equals = line.indexOf('=', i);
			assertThat(equals).as("'=' after position %d of %s", i, line).isPositive();
			String key = line.substring(i, equals);
			StringBuilder value = new StringBuilder();
			int j = equals + 1;
			if (j < line.length() && line.charAt(j) == '"') {
				j++;
				while (line.charAt(j) != '"') {
					if (line.charAt(j) == '\\') {
						j++;
					}
					value.append(line.charAt(j));
					j++;
				}
				j++;
			}
			else {
				while (j < line.length() && line.charAt(j) != ' ') {
					value.append(line.charAt(j));
					j++;
				}
			}
			assertThat(fields.put(key, value.toString())).as("key %s once", key).isNull();
			assertThat(j == line.length() || line.charAt(j) == ' ').as("a space after %s", key).isTrue();
			i = j + 1;
		}
		return fields;
	}

}
