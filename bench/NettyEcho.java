import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.Version;

/**
 * A Netty echo server (RFC 862), a peer for {@code scripts/bench.sh}: what the same job
 * costs on Netty 4.2 as most Netty users would write it, on one event loop thread.
 * Not part of the service; {@code bench.sh} fetches the Netty jars (see
 * {@code bench/netty-pom.xml}) and compiles this file with {@code javac} against them.
 *
 * <p>
 * Modes:
 * <ul>
 * <li>{@code tcp-nio}: {@link NioServerSocketChannel} on {@link NioIoHandler} (the JDK's
 * Selector, as echo-reactor);</li>
 * <li>{@code tcp-epoll}: {@link EpollServerSocketChannel} on {@link EpollIoHandler}, Netty's
 * native epoll transport;</li>
 * <li>{@code udp-nio}: {@link NioDatagramChannel}, each datagram sent back to its sender.</li>
 * </ul>
 * The handlers are those of Netty's own examples: for TCP, {@code ctx.write(msg)} in
 * {@code channelRead} and {@code ctx.flush()} in {@code channelReadComplete}
 * ({@code io.netty.example.echo.EchoServerHandler}); for UDP, the received packet's
 * content retained and written back to its sender, flushed the same way. Everything else
 * is Netty's default, with two settings made for parity with the other servers: a backlog
 * of 1024 and TCP_NODELAY (already Netty's default for accepted channels). One addition
 * to the example: half-closure is allowed, and a client's end of input is answered by
 * closing only after every echo has been written, as RFC 862 asks and as the other
 * servers do; Netty's default closes as soon as input ends and fails any echo still in
 * its outbound buffer (one the kernel had no room for yet).
 *
 * <p>
 * A datagram channel reads into Netty's default fixed 2,048-byte buffer, so the UDP mode
 * echoes datagrams of at most 2,048 bytes whole (a longer one comes back truncated,
 * which the load client counts as an error).
 *
 * <p>
 * Usage: {@code java -cp <netty jars>:<classes> NettyEcho MODE PORT} (PORT 0 picks a free
 * port). Binds 127.0.0.1 only and prints {@code listening on PORT} on stdout once bound.
 * Ends on SIGTERM or SIGINT.
 */
public final class NettyEcho {

	private NettyEcho() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 2 || !args[1].matches("\\d{1,5}") || Integer.parseInt(args[1]) > 65535) {
			usage();
		}
		String mode = args[0];
		InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
		IoHandlerFactory io = switch (mode) {
			case "tcp-nio", "udp-nio" -> NioIoHandler.newFactory();
			case "tcp-epoll" -> {
				Epoll.ensureAvailability();
				yield EpollIoHandler.newFactory();
			}
			default -> {
				usage();
				yield null;
			}
		};
		// One thread, as echo-reactor with one reactor: it accepts and serves every connection.
		EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
		Thread shutdown = new Thread(() -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000),
				"netty-shutdown");
		Runtime.getRuntime().addShutdownHook(shutdown);
		Channel channel = mode.startsWith("udp") ? bindUdp(group, address) : bindTcp(group, address, mode);
		Version version = Version.identify().get("netty-transport");
		System.err.println("Netty " + ((version != null) ? version.artifactVersion() : "(version unknown)") + " "
				+ mode + " on " + channel.localAddress());
		System.out.println("listening on " + ((InetSocketAddress) channel.localAddress()).getPort());
		System.out.flush();
		channel.closeFuture().sync();
	}

	private static Channel bindTcp(EventLoopGroup group, InetSocketAddress address, String mode)
			throws InterruptedException {
		Class<? extends ServerChannel> type = mode.equals("tcp-epoll") ? EpollServerSocketChannel.class
				: NioServerSocketChannel.class;
		EchoServerHandler handler = new EchoServerHandler();
		return new ServerBootstrap().group(group)
			.channel(type)
			.option(ChannelOption.SO_BACKLOG, 1024)
			.childOption(ChannelOption.TCP_NODELAY, true)
			.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
			.childHandler(handler)
			.bind(address)
			.sync()
			.channel();
	}

	private static Channel bindUdp(EventLoopGroup group, InetSocketAddress address) throws InterruptedException {
		return new Bootstrap().group(group)
			.channel(NioDatagramChannel.class)
			.handler(new DatagramEchoHandler())
			.bind(address)
			.sync()
			.channel();
	}

	private static void usage() {
		System.err.println("usage: NettyEcho tcp-nio|tcp-epoll|udp-nio PORT   (0 picks a free port; binds 127.0.0.1)");
		System.exit(2);
	}

	/** Netty's example echo handler, plus the end of input. */
	@Sharable
	static final class EchoServerHandler extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			ctx.write(msg);
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			ctx.flush();
		}

		@Override
		public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
			if (event instanceof ChannelInputShutdownEvent) {
				// Writes complete in order: this closes once every echo before it is out.
				ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
			}
			ctx.fireUserEventTriggered(event);
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			// A reset by the client is its business; close this connection only.
			ctx.close();
		}

	}

	/** Each datagram back to its sender: the content retained, since the packet is released after this. */
	static final class DatagramEchoHandler extends SimpleChannelInboundHandler<DatagramPacket> {

		@Override
		protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
			ctx.write(new DatagramPacket(packet.content().retain(), packet.sender()));
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			ctx.flush();
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			// A failed send (an ICMP error for an earlier answer, say) is not the socket's end: go on.
		}

	}

}
