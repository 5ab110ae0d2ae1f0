package dev.keyhub.common;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;

import io.quarkus.jackson.ObjectMapperCustomizer;

/**
 * Request bodies are read strictly: one JSON document and nothing after it, no key twice in an object (two
 * parsers could pick different values), no {@code 1.5} silently cut to {@code 1}, no empty or blank string taken
 * as "absent" for a date, id or number. Each of these is a 400 {@code malformed_json}, not a guess.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.coercionConfigDefaults().setAcceptBlankAsEmpty(true)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
}
