package io.echoreactor.helm;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Parses rendered manifests into fabric8's typed Kubernetes models, strictly: an unknown
 * field, a string where the API wants a number, or a kind with no model fails, as the API
 * server would refuse them. fabric8 on its own is lenient (an any-setter on every model
 * soaks up unknown fields, and its Go-compatibility module turns "1" into 1), so both are
 * switched off here. The monitoring.coreos.com kinds come from fabric8's monitoring model,
 * cert-manager's Certificate from {@link CertManagerCertificate}.
 */
final class StrictManifests {

	private static final KubernetesSerialization SERIALIZATION = createSerialization();

	private StrictManifests() {
	}

	/**
	 * Parse a multi-document YAML stream.
	 * @param yaml the rendered manifests
	 * @return one typed object per non-empty document
	 * @throws IllegalArgumentException when a document does not parse strictly as its kind
	 */
	static List<HasMetadata> parse(String yaml) {
		Object parsed = SERIALIZATION.unmarshal(yaml);
		List<?> documents = (parsed instanceof List<?> list) ? list : List.of(parsed);
		return documents.stream().map(StrictManifests::typed).toList();
	}

	private static HasMetadata typed(Object document) {
		if (document instanceof GenericKubernetesResource generic) {
			throw new IllegalArgumentException(
					"No model for " + generic.getApiVersion() + "/" + generic.getKind() + " " + generic.getMetadata());
		}
		if (!(document instanceof HasMetadata object)) {
			throw new IllegalArgumentException("Not a Kubernetes object: " + document);
		}
		return object;
	}

	@SuppressWarnings("deprecation")
	private static KubernetesSerialization createSerialization() {
		ObjectMapper mapper = new ObjectMapper();
		mapper.setAnnotationIntrospector(new NoAnySetter());
		mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
		mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
		KubernetesSerialization serialization = new KubernetesSerialization(mapper, true);
		serialization.registerKubernetesResource(CertManagerCertificate.API_VERSION, CertManagerCertificate.KIND,
				CertManagerCertificate.class);
		// After the constructor, so it wins over fabric8's Go-compatible integer parsing.
		mapper.registerModule(new SimpleModule("strict-numbers").addDeserializer(Integer.class, new StrictInteger())
			.addDeserializer(Long.class, new StrictLong()));
		return serialization;
	}

	/** Ignores the models' {@code @JsonAnySetter}, so unknown fields fail. */
	private static final class NoAnySetter extends JacksonAnnotationIntrospector {

		@Override
		public Boolean hasAnySetter(Annotated annotated) {
			return Boolean.FALSE;
		}

	}

	private static final class StrictInteger extends StdDeserializer<Integer> {

		StrictInteger() {
			super(Integer.class);
		}

		@Override
		public Integer deserialize(JsonParser parser, DeserializationContext context) throws IOException {
			if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
				return (Integer) context.handleUnexpectedToken(Integer.class, parser);
			}
			return parser.getIntValue();
		}

	}

	private static final class StrictLong extends StdDeserializer<Long> {

		StrictLong() {
			super(Long.class);
		}

		@Override
		public Long deserialize(JsonParser parser, DeserializationContext context) throws IOException {
			if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
				return (Long) context.handleUnexpectedToken(Long.class, parser);
			}
			return parser.getLongValue();
		}

	}

}
