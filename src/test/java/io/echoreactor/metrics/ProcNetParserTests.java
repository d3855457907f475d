package io.echoreactor.metrics;

import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.List;

import io.echoreactor.metrics.ProcNetParser.ListeningSocket;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ProcNetParser}, on text as Linux writes it.
 */
class ProcNetParserTests {

	private static final String NETSTAT = """
			TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled ListenOverflows ListenDrops TCPBacklogDrop
			TcpExt: 0 0 0 2 0 17 23 5
			IpExt: InNoRoutes InTruncatedPkts InMcastPkts
			IpExt: 0 0 12
			""";

	private static final String SOCKSTAT = """
			sockets: used 180
			TCP: inuse 5 orphan 1 tw 63 alloc 7 mem 381
			UDP: inuse 0 mem 0
			UDPLITE: inuse 0
			RAW: inuse 0
			FRAG: inuse 0 memory 0
			""";

	// Two listeners (127.0.0.1:8081 and *:7007) with 3 connections queued on the second,
	// then an established connection, then a listener that must not be read any more.
	private static final String TCP = """
			  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
			   0: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1577 1 00000000fe1ea4d8 100 0 0 10 0
			   1: 00000000:1B5F 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 1578 1 00000000fe1ea4d9 100 0 0 10 0
			   2: 0100007F:1B5F 0100007F:D431 01 00000000:00000064 00:00000000 00000000  1000        0 1600 1 00000000fe1ea4da 20 4 30 10 -1
			   3: 00000000:0016 00000000:0000 0A 00000000:00000009 00:00000000 00000000     0        0 1601 1 00000000fe1ea4db 100 0 0 10 0
			""";

	// A dual-stack socket bound to 127.0.0.1 (::ffff:127.0.0.1) and one bound to ::.
	private static final String TCP6 = """
			  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
			   0: 0000000000000000FFFF00000100007F:941F 00000000000000000000000000000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 405881 1 00000000f63bd8ec 100 0 0 10 0
			   1: 00000000000000000000000000000000:1B5F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 405879 1 00000000772e27eb 100 0 0 10 0
			""";

	@Test
	void netstatReadsTheNamedFieldsOfASection() {
		assertThat(ProcNetParser.netstat(NETSTAT, "TcpExt")).containsEntry("ListenOverflows", 17L)
			.containsEntry("ListenDrops", 23L)
			.containsEntry("TCPBacklogDrop", 5L)
			.hasSize(8);
		assertThat(ProcNetParser.netstat(NETSTAT, "IpExt")).containsEntry("InMcastPkts", 12L);
	}

	@Test
	void netstatLeavesOutWhatTheFileLacks() {
		String withoutListenFields = """
				TcpExt: SyncookiesSent SyncookiesRecv
				TcpExt: 0 4
				""";
		assertThat(ProcNetParser.netstat(withoutListenFields, "TcpExt")).containsOnlyKeys("SyncookiesSent",
				"SyncookiesRecv");
		assertThat(ProcNetParser.netstat(NETSTAT, "MPTcpExt")).isEmpty();
		assertThat(ProcNetParser.netstat("", "TcpExt")).isEmpty();
		assertThat(ProcNetParser.netstat("TcpExt: ListenOverflows\n", "TcpExt")).isEmpty();
	}

	@Test
	void sockstatReadsTheFieldsOfAProtocolLine() {
		assertThat(ProcNetParser.sockstat(SOCKSTAT, "TCP")).containsEntry("inuse", 5L)
			.containsEntry("orphan", 1L)
			.containsEntry("tw", 63L)
			.containsEntry("alloc", 7L)
			.containsEntry("mem", 381L)
			.hasSize(5);
	}

	@Test
	void sockstatLeavesOutWhatTheFileLacks() {
		assertThat(ProcNetParser.sockstat("TCP: inuse 5 orphan 0\n", "TCP")).containsOnlyKeys("inuse", "orphan");
		assertThat(ProcNetParser.sockstat(SOCKSTAT, "SCTP")).isEmpty();
	}

	@Test
	void listeningSocketsAreReadWithTheirAcceptQueueUntilTheFirstOtherState() throws Exception {
		List<ListeningSocket> sockets = ProcNetParser.listeningSockets(TCP, ByteOrder.LITTLE_ENDIAN);
		assertThat(sockets).containsExactly(new ListeningSocket(InetAddress.getByName("127.0.0.1"), 8081, 0),
				new ListeningSocket(InetAddress.getByName("0.0.0.0"), 7007, 3));
	}

	@Test
	void listeningIpv6SocketsAreDecodedAndIpv4MappedAddressesComeBackAsIpv4() throws Exception {
		List<ListeningSocket> sockets = ProcNetParser.listeningSockets(TCP6, ByteOrder.LITTLE_ENDIAN);
		assertThat(sockets).containsExactly(new ListeningSocket(InetAddress.getByName("127.0.0.1"), 37919, 2),
				new ListeningSocket(InetAddress.getByName("::"), 7007, 0));
	}

	@Test
	void addressesAreReadInTheByteOrderOfTheHostThatWroteThem() throws Exception {
		String bigEndian = """
				  sl  local_address rem_address   st tx_queue rx_queue
				   0: 7F000001:1B5F 00000000:0000 0A 00000000:00000001
				""";
		assertThat(ProcNetParser.listeningSockets(bigEndian, ByteOrder.BIG_ENDIAN))
			.containsExactly(new ListeningSocket(InetAddress.getByName("127.0.0.1"), 7007, 1));
	}

	@Test
	void listeningSocketsOfAnEmptyOrBrokenFileAreNone() {
		assertThat(ProcNetParser.listeningSockets("", ByteOrder.LITTLE_ENDIAN)).isEmpty();
		assertThat(ProcNetParser.listeningSockets("header\n   0: nonsense\n   1: XYZ:1 0:0 0A 0:0\n",
				ByteOrder.LITTLE_ENDIAN))
			.isEmpty();
	}

	@Test
	void kernelPageSizeIsReadFromSmaps() {
		String smaps = """
				55d4c5a00000-55d4c5a01000 r--p 00000000 08:01 1234    /usr/lib/jvm/java-17-openjdk-amd64/bin/java
				Size:                  4 kB
				KernelPageSize:        4 kB
				MMUPageSize:           4 kB
				""";
		assertThat(ProcNetParser.kernelPageSize(smaps)).hasValue(4096);
		assertThat(ProcNetParser.kernelPageSize(smaps.replace("4 kB", "64 kB"))).hasValue(65536);
		assertThat(ProcNetParser.kernelPageSize("Size: 4 kB\n")).isEmpty();
	}

}
