package io.echoreactor.helm;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * cert-manager's {@code Certificate} (cert-manager.io/v1), as a typed model for
 * {@link StrictManifests}: fabric8's cert-manager model does not resolve for the fabric8
 * version the other models come from (7.7.0), so the fields of the {@code openAPIV3Schema} in
 * cert-manager's {@code deploy/crds/cert-manager.io_certificates.yaml} are transcribed here. Parsed strictly, a
 * field the CRD does not define fails, as does a missing field it requires
 * ({@code spec.secretName}, {@code spec.issuerRef}, {@code spec.issuerRef.name}) or a value
 * outside one of its enums. Fields the chart never renders ({@code keystores},
 * {@code nameConstraints}, {@code otherNames}, {@code additionalOutputFormats}) are kept
 * untyped.
 */
@Group("cert-manager.io")
@Version("v1")
@Kind("Certificate")
@JsonDeserialize(using = JsonDeserializer.None.class)
final class CertManagerCertificate implements HasMetadata, Namespaced {

	static final String API_VERSION = "cert-manager.io/v1";

	static final String KIND = "Certificate";

	private String apiVersion;

	private String kind;

	private ObjectMeta metadata;

	private Spec spec;

	@Override
	public String getApiVersion() {
		return this.apiVersion;
	}

	@Override
	public void setApiVersion(String apiVersion) {
		this.apiVersion = apiVersion;
	}

	@Override
	public String getKind() {
		return this.kind;
	}

	public void setKind(String kind) {
		this.kind = kind;
	}

	@Override
	public ObjectMeta getMetadata() {
		return this.metadata;
	}

	@Override
	public void setMetadata(ObjectMeta metadata) {
		this.metadata = metadata;
	}

	public Spec getSpec() {
		return this.spec;
	}

	public void setSpec(Spec spec) {
		this.spec = spec;
	}

	record Spec(List<Map<String, Object>> additionalOutputFormats, String commonName, List<String> dnsNames,
			String duration, List<String> emailAddresses, Boolean encodeUsagesInRequest, List<String> ipAddresses,
			@JsonProperty("isCA") Boolean isCA, IssuerRef issuerRef, Map<String, Object> keystores,
			String literalSubject, Map<String, Object> nameConstraints, List<Map<String, Object>> otherNames,
			PrivateKey privateKey, String renewBefore, Integer renewBeforePercentage, Integer revisionHistoryLimit,
			String secretName, SecretTemplate secretTemplate, SignatureAlgorithm signatureAlgorithm, Subject subject,
			List<String> uris, List<Usage> usages) {

		Spec {
			if (secretName == null || secretName.isEmpty()) {
				throw new IllegalArgumentException("Certificate spec.secretName is required");
			}
			if (issuerRef == null) {
				throw new IllegalArgumentException("Certificate spec.issuerRef is required");
			}
			if (renewBefore != null && renewBeforePercentage != null) {
				throw new IllegalArgumentException("Certificate spec.renewBefore and renewBeforePercentage exclude each other");
			}
		}

	}

	record IssuerRef(String name, String kind, String group) {

		IssuerRef {
			if (name == null || name.isEmpty()) {
				throw new IllegalArgumentException("Certificate spec.issuerRef.name is required");
			}
		}

	}

	record PrivateKey(Algorithm algorithm, Encoding encoding, RotationPolicy rotationPolicy, Integer size) {

	}

	record SecretTemplate(Map<String, String> annotations, Map<String, String> labels) {

	}

	record Subject(List<String> countries, List<String> localities, List<String> organizationalUnits,
			List<String> organizations, List<String> postalCodes, List<String> provinces, String serialNumber,
			List<String> streetAddresses) {

	}

	enum Algorithm {

		RSA, ECDSA, Ed25519

	}

	enum Encoding {

		PKCS1, PKCS8

	}

	enum RotationPolicy {

		Never, Always

	}

	enum SignatureAlgorithm {

		SHA256WithRSA, SHA384WithRSA, SHA512WithRSA, ECDSAWithSHA256, ECDSAWithSHA384, ECDSAWithSHA512, PureEd25519

	}

	enum Usage {

		@JsonProperty("signing")
		SIGNING,

		@JsonProperty("digital signature")
		DIGITAL_SIGNATURE,

		@JsonProperty("content commitment")
		CONTENT_COMMITMENT,

		@JsonProperty("key encipherment")
		KEY_ENCIPHERMENT,

		@JsonProperty("key agreement")
		KEY_AGREEMENT,

		@JsonProperty("data encipherment")
		DATA_ENCIPHERMENT,

		@JsonProperty("cert sign")
		CERT_SIGN,

		@JsonProperty("crl sign")
		CRL_SIGN,

		@JsonProperty("encipher only")
		ENCIPHER_ONLY,

		@JsonProperty("decipher only")
		DECIPHER_ONLY,

		@JsonProperty("any")
		ANY,

		@JsonProperty("server auth")
		SERVER_AUTH,

		@JsonProperty("client auth")
		CLIENT_AUTH,

		@JsonProperty("code signing")
		CODE_SIGNING,

		@JsonProperty("email protection")
		EMAIL_PROTECTION,

		@JsonProperty("s/mime")
		S_MIME,

		@JsonProperty("ipsec end system")
		IPSEC_END_SYSTEM,

		@JsonProperty("ipsec tunnel")
		IPSEC_TUNNEL,

		@JsonProperty("ipsec user")
		IPSEC_USER,

		@JsonProperty("timestamping")
		TIMESTAMPING,

		@JsonProperty("ocsp signing")
		OCSP_SIGNING,

		@JsonProperty("microsoft sgc")
		MICROSOFT_SGC,

		@JsonProperty("netscape sgc")
		NETSCAPE_SGC

	}

}
