package io.echoreactor.bench.loop;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.echoreactor.bench.BenchRuns;
import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.bench.tcp.TcpFlow;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClientWarmUp}: before the clock starts, one connection goes through the
 * code of the run's connections, and over TCP it reaches a listener of the client's own,
 * never the server.
 */
@Timeout(30)
class ClientWarmUpTests {

	private final BenchRuns runs = new BenchRuns();

	@AfterEach
	void stopServers() {
		this.runs.close();
	}

	@Test
	void overTcpOneConnectionIsMadeByTheRunsCodeAndTheServerSeesNothing() throws Exception {
		EchoServer server = this.runs.server();
		BenchOptions options = BenchOptions.parse("--connections", "16", "127.0.0.1:" + server.port());
		List<TcpFlow> made = new ArrayList<>();
		Flow.Factory counting = (loop, id, quota) -> {
			TcpFlow flow = new TcpFlow(loop, id, quota);
			made.add(flow);
			return flow;
		};
		ClientWarmUp.connect(options, new InetSocketAddress("127.0.0.1", server.port()), null, counting, 2000);
		assertThat(made).hasSize(1);
		assertThat(server.view().reactors().stream()
			.mapToLong((reactor) -> reactor.statistics().get(Counter.CONNECTIONS_ACCEPTED))
			.sum()).isZero();
	}

}
