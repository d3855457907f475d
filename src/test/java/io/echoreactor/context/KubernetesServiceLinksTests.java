package io.echoreactor.context;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KubernetesServiceLinks}: which variables are service links, and of
 * which Service.
 */
class KubernetesServiceLinksTests {

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			ECHO_SERVER_PORT                | tcp://198.51.100.12:7007 | echo-server
			ECHO_SERVER_SERVICE_HOST        | 198.51.100.12            | echo-server
			ECHO_SERVER_SERVICE_PORT        | 7007                  | echo-server
			ECHO_SERVER_SERVICE_PORT_ECHO   | 7007                  | echo-server
			ECHO_SERVER_PORT_7007_TCP       | tcp://198.51.100.12:7007 | echo-server
			ECHO_SERVER_PORT_7007_TCP_PROTO | tcp                   | echo-server
			ECHO_SERVER_PORT_7007_TCP_PORT  | 7007                  | echo-server
			ECHO_SERVER_PORT_7007_TCP_ADDR  | 198.51.100.12            | echo-server
			ECHO_SERVER_UDP_PORT            | udp://198.51.100.14:7007 | echo-server-udp
			ECHO_SERVER_UDP_PORT_7007_UDP   | udp://198.51.100.14:7007 | echo-server-udp
			""")
	void variablesThatKubernetesInjectsNameTheirService(String variable, String value, String service) {
		assertThat(KubernetesServiceLinks.service(variable, value)).isEqualTo(service);
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			ECHO_SERVER_PORT              | 9000
			ECHO_SERVER_PORT              | 0
			ECHO_SERVER_SSL_PORT          | 7443
			ECHO_SERVER_UDP_PORT          | 9001
			ECHO_SERVER_REACTORS          | 4
			ECHO_SERVER_SHUTDOWNTIMEOUT   | 10s
			""")
	void settingsOfOurOwnAreNoServiceLinks(String variable, String value) {
		assertThat(KubernetesServiceLinks.service(variable, value)).isNull();
	}

}
