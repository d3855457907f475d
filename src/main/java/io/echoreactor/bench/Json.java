package io.echoreactor.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A writer of one JSON object on one line, enough for the summary: numbers, strings,
 * lists of strings and nested objects of numbers.
 */
final class Json {

	private final StringBuilder json = new StringBuilder("{");

	private boolean first = true;

	Json field(String name, @Nullable String value) {
		name(name);
		if (value == null) {
			this.json.append("null");
		}
		else {
			quote(value);
		}
		return this;
	}

	Json field(String name, long value) {
		name(name);
		this.json.append(value);
		return this;
	}

	Json field(String name, double value) {
		name(name);
		if (Double.isNaN(value) || Double.isInfinite(value)) {
			this.json.append("null");
		}
		else {
			this.json.append(String.format(Locale.ROOT, "%.3f", value));
		}
		return this;
	}

	Json field(String name, boolean value) {
		name(name);
		this.json.append(value);
		return this;
	}

	Json field(String name, @Nullable Number value) {
		name(name);
		this.json.append((value != null) ? value.toString() : "null");
		return this;
	}

	Json field(String name, List<String> values) {
		name(name);
		this.json.append('[');
		for (int i = 0; i < values.size(); i++) {
			if (i > 0) {
				this.json.append(',');
			}
			quote(values.get(i));
		}
		this.json.append(']');
		return this;
	}

	Json field(String name, Map<String, ? extends Number> values) {
		name(name);
		this.json.append('{');
		boolean firstEntry = true;
		for (Map.Entry<String, ? extends Number> entry : values.entrySet()) {
			if (!firstEntry) {
				this.json.append(',');
			}
			firstEntry = false;
			quote(entry.getKey());
			this.json.append(':').append(entry.getValue());
		}
		this.json.append('}');
		return this;
	}

	private void name(String name) {
		if (!this.first) {
			this.json.append(',');
		}
		this.first = false;
		quote(name);
		this.json.append(':');
	}

	private void quote(String value) {
		this.json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> this.json.append("\\\"");
				case '\\' -> this.json.append("\\\\");
				case '\n' -> this.json.append("\\n");
				case '\r' -> this.json.append("\\r");
				case '\t' -> this.json.append("\\t");
				default -> {
					if (c < 0x20) {
						this.json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
					}
					else {
						this.json.append(c);
					}
				}
			}
		}
		this.json.append('"');
	}

	@Override
	public String toString() {
		return this.json + "}";
	}

}
