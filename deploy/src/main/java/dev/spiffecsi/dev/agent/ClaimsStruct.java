package dev.spiffecsi.dev.agent;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Collection;
import java.util.Date;
import java.util.Map;

/**
 * JWT claims as the protobuf {@link Struct} of a ValidateJWTSVID response. Dates (exp, iat) become seconds since
 * the epoch, as they are in the token itself; the agent's tokens hold nothing but strings, lists and dates.
 */
final class ClaimsStruct {

    private ClaimsStruct() {
    }

    static Struct of(Map<String, Object> claims) {
        Struct.Builder struct = Struct.newBuilder();
        claims.forEach((name, claim) -> struct.putFields(name, value(claim)));
        return struct.build();
    }

    private static Value value(Object claim) {
        return switch (claim) {
            case String text -> Value.newBuilder().setStringValue(text).build();
            case Date date -> Value.newBuilder().setNumberValue(date.getTime() / 1000).build();
            case Collection<?> items -> {
                ListValue.Builder list = ListValue.newBuilder();
                items.forEach(item -> list.addValues(value(item)));
                yield Value.newBuilder().setListValue(list).build();
            }
            default -> Value.newBuilder().setStringValue(String.valueOf(claim)).build();
        };
    }
}
