package io.echoreactor.bench.tcp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Greetings}.
 */
class GreetingsTests {

	@Test
	void textGreetingsAreCountedByPod() {
		assertThat(Greetings.key("service=echo-reactor pod=echo-7d9f-x2 namespace=default host=echo-7d9f-x2 "
				+ "local=10.0.0.5:7007 peer=10.0.0.9:51234")).isEqualTo("pod=echo-7d9f-x2");
	}

	@Test
	void textGreetingsWithoutAPodAreCountedByHost() {
		assertThat(Greetings.key("service=echo-reactor host=\"my host\" local=127.0.0.1:7007 peer=127.0.0.1:1"))
			.isEqualTo("host=my host");
	}

	@Test
	void jsonGreetingsAreCountedByPod() {
		assertThat(Greetings.key("{\"service\":\"echo-reactor\",\"pod\":\"echo-0\",\"host\":\"h\",\"peer\":\"x\"}"))
			.isEqualTo("pod=echo-0");
	}

	@Test
	void otherLinesAreCountedWhole() {
		assertThat(Greetings.key("220 welcome")).isEqualTo("220 welcome");
		assertThat(Greetings.key("mypod=x")).isEqualTo("mypod=x");
	}

	@Test
	void aLineIsTakenAcrossReadsAndWhatFollowsItStays() {
		ByteBuffer line = ByteBuffer.allocate(Greetings.MAX_LENGTH);
		ByteBuffer first = ByteBuffer.wrap("pod=a ".getBytes(StandardCharsets.UTF_8));
		assertThat(Greetings.take(line, first)).isNull();
		assertThat(first.hasRemaining()).isFalse();
		ByteBuffer second = ByteBuffer.wrap("host=b\r\nECHO".getBytes(StandardCharsets.UTF_8));
		assertThat(Greetings.take(line, second)).isEqualTo("pod=a host=b");
		assertThat(StandardCharsets.UTF_8.decode(second).toString()).isEqualTo("ECHO");
	}

	@Test
	void aLineThatDoesNotFitLeavesItsRestUntaken() {
		ByteBuffer line = ByteBuffer.allocate(4);
		ByteBuffer data = ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.UTF_8));
		assertThat(Greetings.take(line, data)).isNull();
		assertThat(data.remaining()).isEqualTo(2);
	}

}
