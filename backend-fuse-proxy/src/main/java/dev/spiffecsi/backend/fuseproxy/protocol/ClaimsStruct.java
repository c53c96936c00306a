package dev.spiffecsi.backend.fuseproxy.protocol;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Collection;
import java.util.Date;
import java.util.Map;

/**
 * JWT claims as the {@link Struct} of a ValidateJWTSVID response, the way JSON maps onto it. Dates (exp, iat, nbf)
 * become seconds since the epoch, as they are in the token.
 */
public final class ClaimsStruct {

    private ClaimsStruct() {}

    public static Struct of(Map<String, Object> claims) {
        Struct.Builder struct = Struct.newBuilder();
        claims.forEach((name, claim) -> struct.putFields(name, value(claim)));
        return struct.build();
    }

    @SuppressWarnings("JavaUtilDate") // the JWT library hands time claims over as java.util.Date
    private static Value value(Object claim) {
        return switch (claim) {
            case null -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
            case String text -> Value.newBuilder().setStringValue(text).build();
            case Boolean flag -> Value.newBuilder().setBoolValue(flag).build();
            case Number number ->
                Value.newBuilder().setNumberValue(number.doubleValue()).build();
            case Date date ->
                Value.newBuilder()
                        .setNumberValue((double) date.toInstant().getEpochSecond())
                        .build();
            case Collection<?> items -> {
                ListValue.Builder list = ListValue.newBuilder();
                items.forEach(item -> list.addValues(value(item)));
                yield Value.newBuilder().setListValue(list).build();
            }
            case Map<?, ?> object -> {
                Struct.Builder nested = Struct.newBuilder();
                object.forEach((name, item) -> nested.putFields(String.valueOf(name), value(item)));
                yield Value.newBuilder().setStructValue(nested).build();
            }
            default -> Value.newBuilder().setStringValue(String.valueOf(claim)).build();
        };
    }
}
