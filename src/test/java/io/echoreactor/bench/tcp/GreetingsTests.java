package io.echoreactor.bench.tcp;

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

}
