package dev.spiffecsi.engine.state;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A {@link VolumeRecord} as one JSON object, with Jackson's streaming API: the same document the engine has always
 * written ({@code volumeId}, {@code targetPath}, {@code backend}, {@code readOnly}, {@code volumeContext},
 * {@code publishedAt} as ISO-8601; {@code volumeMountGroup}, a number, when there is one), without data binding,
 * whose introspection loaded ~600 classes into every driver for one record type. Unknown fields are skipped, so
 * that older drivers read newer records.
 */
final class VolumeRecordCodec {

    private static final JsonFactory JSON = new JsonFactory();

    private VolumeRecordCodec() {}

    static byte[] encode(VolumeRecord record) {
        ByteArrayOutputStream bytes =
                new ByteArrayOutputStream(256 + 64 * record.volumeContext().size());
        try (JsonGenerator json = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("volumeId", record.volumeId());
            json.writeStringField("targetPath", record.targetPath());
            json.writeStringField("backend", record.backend());
            json.writeBooleanField("readOnly", record.readOnly());
            json.writeObjectFieldStart("volumeContext");
            for (Map.Entry<String, String> entry : record.volumeContext().entrySet()) {
                json.writeStringField(entry.getKey(), entry.getValue());
            }
            json.writeEndObject();
            if (record.volumeMountGroup().isPresent()) {
                json.writeNumberField(
                        "volumeMountGroup", record.volumeMountGroup().getAsInt());
            }
            if (record.publishedAt() != null) {
                json.writeStringField("publishedAt", record.publishedAt().toString());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** Reads a record; a document that is not one, or misses volumeId or targetPath, is an IOException. */
    static VolumeRecord decode(byte[] document) throws IOException {
        String volumeId = null;
        String targetPath = null;
        String backend = null;
        boolean readOnly = false;
        Map<String, String> context = new LinkedHashMap<>();
        OptionalInt volumeMountGroup = OptionalInt.empty();
        Instant publishedAt = null;
        try (JsonParser json = JSON.createParser(document)) {
            expect(json.nextToken(), JsonToken.START_OBJECT);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "volumeId" -> volumeId = text(json, value);
                    case "targetPath" -> targetPath = text(json, value);
                    case "backend" -> backend = text(json, value);
                    case "readOnly" -> readOnly = value == JsonToken.VALUE_TRUE;
                    case "publishedAt" -> publishedAt = instant(text(json, value));
                    case "volumeContext" -> readContext(json, value, context);
                    case "volumeMountGroup" -> volumeMountGroup = group(json, value);
                    default -> json.skipChildren();
                }
            }
            if (json.currentToken() != JsonToken.END_OBJECT || json.nextToken() != null) {
                throw new IOException("not a single JSON object");
            }
        }
        if (volumeId == null || targetPath == null) {
            throw new IOException("missing volumeId or targetPath");
        }
        if (!targetPath.startsWith("/") || targetPath.indexOf('\0') >= 0) {
            // Path.of would throw InvalidPathException (a RuntimeException) and keep the driver from starting
            throw new IOException("targetPath is not an absolute path: " + targetPath.replace('\0', '?'));
        }
        return new VolumeRecord(volumeId, targetPath, backend, readOnly, context, volumeMountGroup, publishedAt);
    }

    private static void readContext(JsonParser json, JsonToken value, Map<String, String> context) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        expect(value, JsonToken.START_OBJECT);
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String key = json.currentName();
            context.put(key, text(json, json.nextToken()));
        }
    }

    private static String text(JsonParser json, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(value, JsonToken.VALUE_STRING);
        return json.getText();
    }

    private static OptionalInt group(JsonParser json, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return OptionalInt.empty();
        }
        expect(value, JsonToken.VALUE_NUMBER_INT);
        long group = json.getLongValue();
        if (group < 0 || group > Integer.MAX_VALUE) {
            throw new IOException("volumeMountGroup is not a group id: " + group);
        }
        return OptionalInt.of((int) group);
    }

    private static Instant instant(String text) throws IOException {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IOException("publishedAt is not an ISO-8601 instant: " + text, e);
        }
    }

    private static void expect(JsonToken found, JsonToken wanted) throws IOException {
        if (found != wanted) {
            throw new IOException("expected " + wanted + ", found " + found);
        }
    }
}
