package io.echoreactor.proxy;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyTlv;

/**
 * A writer of PROXY protocol version 2 headers for tests, broken ones included: every
 * fixed byte can be overridden. Its CRC32C is computed bit by bit here rather than with
 * {@link java.util.zip.CRC32C}, so a checksum test does not check the parser against
 * itself.
 */
public final class ProxyV2Writer {

	private static final byte[] SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

	private int versionCommand;

	private int family;

	private Integer length;

	private final ByteArrayOutputStream addresses = new ByteArrayOutputStream();

	private final ByteArrayOutputStream tlvs = new ByteArrayOutputStream();

	private boolean crc32c;

	private ProxyV2Writer(int versionCommand, int family) {
		this.versionCommand = versionCommand;
		this.family = family;
	}

	public static ProxyV2Writer proxy(Family family) {
		return new ProxyV2Writer(0x21, family.code());
	}

	public static ProxyV2Writer local() {
		return new ProxyV2Writer(0x20, Family.UNSPEC.code());
	}

	public ProxyV2Writer versionCommand(int versionCommand) {
		this.versionCommand = versionCommand;
		return this;
	}

	public ProxyV2Writer family(int family) {
		this.family = family;
		return this;
	}

	/** Declares this length instead of the real one. */
	public ProxyV2Writer length(int length) {
		this.length = length;
		return this;
	}

	public ProxyV2Writer inet(InetSocketAddress source, InetSocketAddress destination) {
		this.addresses.writeBytes(source.getAddress().getAddress());
		this.addresses.writeBytes(destination.getAddress().getAddress());
		writeShort(this.addresses, source.getPort());
		writeShort(this.addresses, destination.getPort());
		return this;
	}

	public ProxyV2Writer unix(byte[] source, byte[] destination) {
		this.addresses.writeBytes(Arrays.copyOf(source, 108));
		this.addresses.writeBytes(Arrays.copyOf(destination, 108));
		return this;
	}

	public ProxyV2Writer unix(String source, String destination) {
		return unix(source.getBytes(StandardCharsets.UTF_8), destination.getBytes(StandardCharsets.UTF_8));
	}

	/** Appends bytes to the address block as they are. */
	public ProxyV2Writer addressBytes(byte... bytes) {
		this.addresses.writeBytes(bytes);
		return this;
	}

	public ProxyV2Writer tlv(int type, byte[] value) {
		this.tlvs.writeBytes(tlv(type, value, value.length));
		return this;
	}

	public ProxyV2Writer tlv(int type, String value) {
		return tlv(type, value.getBytes(StandardCharsets.UTF_8));
	}

	/** Appends raw bytes where TLVs go, for TLVs that lie about their length. */
	public ProxyV2Writer tlvBytes(byte... bytes) {
		this.tlvs.writeBytes(bytes);
		return this;
	}

	/** Appends a CRC32C TLV, filled in with the checksum of the finished header. */
	public ProxyV2Writer crc32c() {
		this.crc32c = true;
		return this;
	}

	public byte[] toBytes() {
		ByteArrayOutputStream header = new ByteArrayOutputStream();
		header.writeBytes(SIGNATURE);
		header.write(this.versionCommand);
		header.write(this.family);
		int crcLength = this.crc32c ? 7 : 0;
		int realLength = this.addresses.size() + this.tlvs.size() + crcLength;
		writeShort(header, (this.length != null) ? this.length : realLength);
		header.writeBytes(this.addresses.toByteArray());
		header.writeBytes(this.tlvs.toByteArray());
		if (this.crc32c) {
			header.writeBytes(tlv(ProxyTlv.CRC32C, new byte[4], 4));
		}
		byte[] bytes = header.toByteArray();
		if (this.crc32c) {
			long crc = crc32c(bytes);
			int offset = bytes.length - 4;
			bytes[offset] = (byte) (crc >>> 24);
			bytes[offset + 1] = (byte) (crc >>> 16);
			bytes[offset + 2] = (byte) (crc >>> 8);
			bytes[offset + 3] = (byte) crc;
		}
		return bytes;
	}

	public static byte[] tlv(int type, byte[] value, int declaredLength) {
		ByteArrayOutputStream tlv = new ByteArrayOutputStream();
		tlv.write(type);
		writeShort(tlv, declaredLength);
		tlv.writeBytes(value);
		return tlv.toByteArray();
	}

	/** The value of an SSL TLV: client flags, verify result, then the given sub-TLVs. */
	public static byte[] ssl(int client, long verify, byte[]... subTlvs) {
		ByteArrayOutputStream value = new ByteArrayOutputStream();
		value.write(client);
		value.write((int) (verify >>> 24));
		value.write((int) (verify >>> 16));
		value.write((int) (verify >>> 8));
		value.write((int) verify);
		for (byte[] subTlv : subTlvs) {
			value.writeBytes(subTlv);
		}
		return value.toByteArray();
	}

	public static byte[] subTlv(int type, String value) {
		byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
		return tlv(type, bytes, bytes.length);
	}

	/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as RFC 4960 Appendix B defines it. */
	public static long crc32c(byte[] bytes) {
		int crc = 0xFFFFFFFF;
		for (byte b : bytes) {
			crc ^= (b & 0xFF);
			for (int bit = 0; bit < 8; bit++) {
				crc = ((crc & 1) != 0) ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
			}
		}
		return ~crc & 0xFFFFFFFFL;
	}

	private static void writeShort(ByteArrayOutputStream out, int value) {
		out.write(value >>> 8);
		out.write(value);
	}

}
