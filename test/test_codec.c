/* test_codec.c: server/codec*.c: CBOR and MessagePack bytes for small values checked against
 * hand-computed encodings, the tree and JSON-text writers agreeing, round trips, how decoding
 * maps what JSON lacks, errors (every truncation of a valid encoding), the depth limit, and
 * the CSV writer's quoting and rows. */
#include "test.h"

#include <math.h>

#include <cjson/cJSON.h>

#include "codec.h"
#include "codec_cbor.h"
#include "codec_csv.h"
#include "codec_msgpack.h"
#include "json.h"

enum fmt { CBOR, MSGPACK };

typedef int (*encode_json_fn)(const char *, size_t, harper__buf *, char *, size_t);
typedef int (*encode_tree_fn)(const cJSON *, harper__buf *, char *, size_t);
typedef int (*decode_fn)(const void *, size_t, cJSON **, char *, size_t);

static const encode_json_fn encode_json[] = {codec_cbor_encode_json, codec_msgpack_encode_json};
static const encode_tree_fn encode_tree[] = {codec_cbor_encode, codec_msgpack_encode};
static const decode_fn decode[] = {codec_cbor_decode, codec_msgpack_decode};

/* Lower-case hex of b[0..n), in a static buffer. */
static const char *hex(const char *b, size_t n)
{
    static char text[4096];
    size_t i;

    for (i = 0; i < n && 2 * i + 2 < sizeof text; i++)
        snprintf(text + 2 * i, 3, "%02x", (unsigned char)b[i]);
    text[2 * i] = '\0';
    return text;
}

static cJSON *parse(const char *json)
{
    cJSON *v = cJSON_Parse(json);

    if (v == NULL)
        test_fail(__FILE__, __LINE__, "test JSON does not parse: %s", json);
    return v;
}

/* Encodes JSON text both ways (from text and from its tree), checks they agree and gives the
 * hex of the bytes. */
static const char *encoded(enum fmt f, const char *json)
{
    harper__buf from_text = HARPER__BUF_INIT;
    harper__buf from_tree = HARPER__BUF_INIT;
    char err[256] = "";
    cJSON *tree = parse(json);
    static char text[4096];

    if (encode_json[f](json, strlen(json), &from_text, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "encoding %s failed: %s", json, err);
    CHECK_EQ_INT(encode_tree[f](tree, &from_tree, err, sizeof err), 0);
    snprintf(text, sizeof text, "%s", hex(from_tree.data, from_tree.len));
    if (from_text.len != from_tree.len || memcmp(from_text.data, from_tree.data, from_tree.len))
        test_fail(__FILE__, __LINE__, "%s: from text %s, from tree %s", json,
                  hex(from_text.data, from_text.len), text);
    harper__buf_free(&from_text);
    harper__buf_free(&from_tree);
    cJSON_Delete(tree);
    return text;
}

/* The hex of encoding JSON text (for what cJSON cannot hold, such as big integers). */
static const char *encoded_text(enum fmt f, const char *json)
{
    harper__buf out = HARPER__BUF_INIT;
    static char text[4096];

    CHECK_EQ_INT(encode_json[f](json, strlen(json), &out, NULL, 0), 0);
    snprintf(text, sizeof text, "%s", hex(out.data, out.len));
    harper__buf_free(&out);
    return text;
}

TEST(codec_cbor_bytes_of_small_values)
{
    CHECK_EQ_STR(encoded(CBOR, "0"), "00");
    CHECK_EQ_STR(encoded(CBOR, "23"), "17");
    CHECK_EQ_STR(encoded(CBOR, "24"), "1818");
    CHECK_EQ_STR(encoded(CBOR, "255"), "18ff");
    CHECK_EQ_STR(encoded(CBOR, "256"), "190100");
    CHECK_EQ_STR(encoded(CBOR, "65536"), "1a00010000");
    CHECK_EQ_STR(encoded(CBOR, "4294967295"), "1affffffff");
    CHECK_EQ_STR(encoded(CBOR, "4294967296"), "fb41f0000000000000");
    CHECK_EQ_STR(encoded(CBOR, "-1"), "20");
    CHECK_EQ_STR(encoded(CBOR, "-24"), "37");
    CHECK_EQ_STR(encoded(CBOR, "-25"), "3818");
    CHECK_EQ_STR(encoded(CBOR, "-2147483648"), "3a7fffffff");
    CHECK_EQ_STR(encoded(CBOR, "-2147483649"), "fbc1e0000000200000");
    CHECK_EQ_STR(encoded(CBOR, "-0"), "00");
    CHECK_EQ_STR(encoded(CBOR, "1.5"), "fb3ff8000000000000");
    CHECK_EQ_STR(encoded(CBOR, "1e300"), "fb7e37e43c8800759c");
    CHECK_EQ_STR(encoded(CBOR, "\"\""), "60");
    CHECK_EQ_STR(encoded(CBOR, "\"a\""), "6161");
    CHECK_EQ_STR(encoded(CBOR, "\"\\u00e9\\u6c34\""), "65c3a9e6b0b4");
    CHECK_EQ_STR(encoded(CBOR, "\"\\ud83d\\ude00\""), "64f09f9880");
    CHECK_EQ_STR(encoded(CBOR, "\"q\\\"\\n\""), "6371220a");
    CHECK_EQ_STR(encoded(CBOR, "null"), "f6");
    CHECK_EQ_STR(encoded(CBOR, "true"), "f5");
    CHECK_EQ_STR(encoded(CBOR, "false"), "f4");
    CHECK_EQ_STR(encoded(CBOR, "[]"), "80");
    CHECK_EQ_STR(encoded(CBOR, "{}"), "a0");
    CHECK_EQ_STR(encoded(CBOR, " {\"a\": [1, {\"b\": null}]} "), "a161618201a16162f6");
    CHECK_EQ_STR(encoded(CBOR, "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
                               "24]"),
                 "9818" "0102030405060708090a0b0c0d0e0f1011121314151617" "1818");
    CHECK_EQ_STR(encoded(CBOR, "\"abcdefghijklmnopqrstuvwxyz\""),
                 "781a6162636465666768696a6b6c6d6e6f707172737475767778797a");
}

TEST(codec_cbor_big_integers_from_text)
{
    CHECK_EQ_STR(encoded_text(CBOR, "9007199254740992"), "fb4340000000000000");
    CHECK_EQ_STR(encoded_text(CBOR, "9007199254740993"), "1b0020000000000001");
    CHECK_EQ_STR(encoded_text(CBOR, "18446744073709551615"), "1bffffffffffffffff");
    CHECK_EQ_STR(encoded_text(CBOR, "-18446744073709551615"), "3bfffffffffffffffe");
    CHECK_EQ_STR(encoded_text(CBOR, "-18446744073709551616"), "fbc3f0000000000000");
    CHECK_EQ_STR(encoded_text(CBOR, "18446744073709551616"), "fb43f0000000000000");
    CHECK_EQ_STR(encoded_text(CBOR, "9007199254740993.0"), "fb4340000000000000");
}

TEST(codec_msgpack_bytes_of_small_values)
{
    CHECK_EQ_STR(encoded(MSGPACK, "0"), "00");
    CHECK_EQ_STR(encoded(MSGPACK, "127"), "7f");
    CHECK_EQ_STR(encoded(MSGPACK, "128"), "cc80");
    CHECK_EQ_STR(encoded(MSGPACK, "256"), "cd0100");
    CHECK_EQ_STR(encoded(MSGPACK, "65536"), "ce00010000");
    CHECK_EQ_STR(encoded(MSGPACK, "4294967296"), "cb41f0000000000000");
    CHECK_EQ_STR(encoded(MSGPACK, "-1"), "ff");
    CHECK_EQ_STR(encoded(MSGPACK, "-32"), "e0");
    CHECK_EQ_STR(encoded(MSGPACK, "-33"), "d0df");
    CHECK_EQ_STR(encoded(MSGPACK, "-129"), "d1ff7f");
    CHECK_EQ_STR(encoded(MSGPACK, "-32769"), "d2ffff7fff");
    CHECK_EQ_STR(encoded(MSGPACK, "-0"), "00");
    CHECK_EQ_STR(encoded(MSGPACK, "1.5"), "cb3ff8000000000000");
    CHECK_EQ_STR(encoded(MSGPACK, "\"\""), "a0");
    CHECK_EQ_STR(encoded(MSGPACK, "\"a\""), "a161");
    CHECK_EQ_STR(encoded(MSGPACK, "\"\\u00e9\""), "a2c3a9");
    CHECK_EQ_STR(encoded(MSGPACK, "\"abcdefghijklmnopqrstuvwxyz012345\""),
                 "d920" "6162636465666768696a6b6c6d6e6f707172737475767778797a303132333435");
    CHECK_EQ_STR(encoded(MSGPACK, "null"), "c0");
    CHECK_EQ_STR(encoded(MSGPACK, "true"), "c3");
    CHECK_EQ_STR(encoded(MSGPACK, "false"), "c2");
    CHECK_EQ_STR(encoded(MSGPACK, "[]"), "90");
    CHECK_EQ_STR(encoded(MSGPACK, "{}"), "80");
    CHECK_EQ_STR(encoded(MSGPACK, "{\"a\":[1,{\"b\":null}]}"), "81a1619201" "81a162c0");
    CHECK_EQ_STR(encoded(MSGPACK, "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]"),
                 "dc0010000102030405060708090a0b0c0d0e0f");
    CHECK_EQ_STR(encoded_text(MSGPACK, "18446744073709551615"), "cfffffffffffffffff");
    CHECK_EQ_STR(encoded_text(MSGPACK, "-9223372036854775808"), "d38000000000000000");
    CHECK_EQ_STR(encoded_text(MSGPACK, "-9223372036854775809"), "cbc3e0000000000000");
}

TEST(codec_bad_utf8_is_repaired_when_writing)
{
    cJSON *s = cJSON_CreateString("a\xff" "b");
    harper__buf out = HARPER__BUF_INIT;

    CHECK_EQ_INT(codec_cbor_encode(s, &out, NULL, 0), 0);
    CHECK_EQ_STR(hex(out.data, out.len), "6561efbfbd62");
    cJSON_Delete(s);
    harper__buf_free(&out);
    CHECK_EQ_STR(encoded_text(CBOR, "\"\\ud800x\""), "64efbfbd78");
}

static const char *const documents[] = {
    "0", "-7", "3.25", "1e-7", "123456789012", "-4294967296.5", "\"\"", "\"h\\u00e9llo \\u2603\"",
    "null", "true", "false", "[]", "{}", "[[[]]]", "[1,\"two\",3.5,null,true,[false]]",
    "{\"id\":1,\"name\":\"Harper\",\"tags\":[\"a\",\"b\"],\"nested\":{\"x\":{\"y\":[{}]}}}",
    "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,"
    "\"k9\":9,\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,"
    "\"k17\":17,\"k18\":18,\"k19\":19,\"k20\":20,\"k21\":21,\"k22\":22,\"k23\":23,\"k24\":24}",
    "[0.1,0.2,-0.30000000000000004,1.7976931348623157e308,5e-324]",
};

TEST(codec_round_trips_through_both_formats)
{
    for (int f = CBOR; f <= MSGPACK; f++) {
        for (size_t i = 0; i < sizeof documents / sizeof documents[0]; i++) {
            harper__buf out = HARPER__BUF_INIT;
            harper__buf again = HARPER__BUF_INIT;
            cJSON *tree = parse(documents[i]);
            cJSON *back = NULL;
            char err[256] = "";

            CHECK_EQ_INT(encode_json[f](documents[i], strlen(documents[i]), &out, err,
                                        sizeof err), 0);
            if (decode[f](out.data, out.len, &back, err, sizeof err) != 0)
                test_fail(__FILE__, __LINE__, "%s does not decode: %s", documents[i], err);
            if (!cJSON_Compare(tree, back, 1))
                test_fail(__FILE__, __LINE__, "%s came back different", documents[i]);
            CHECK_EQ_INT(harper__json_value(&again, back), 0);
            harper__buf_free(&out);
            harper__buf_free(&again);
            cJSON_Delete(tree);
            cJSON_Delete(back);
        }
    }
}

TEST(codec_every_truncation_fails_cleanly)
{
    for (int f = CBOR; f <= MSGPACK; f++) {
        for (size_t i = 0; i < sizeof documents / sizeof documents[0]; i++) {
            harper__buf out = HARPER__BUF_INIT;

            CHECK_EQ_INT(encode_json[f](documents[i], strlen(documents[i]), &out, NULL, 0), 0);
            for (size_t n = 0; n < out.len; n++) {
                char *copy = malloc(n + 1);
                cJSON *v = (cJSON *)1;
                char err[256] = "";

                CHECK(copy != NULL);
                memcpy(copy, out.data, n);
                CHECK_EQ_INT(decode[f](copy, n, &v, err, sizeof err), -1);
                CHECK(v == NULL);
                CHECK_EQ_STR(err, f == CBOR ? "Unexpected end of CBOR data"
                                            : "Unexpected end of MessagePack data");
                free(copy);
            }
            harper__buf_free(&out);
        }
    }
}

/* Decodes raw bytes b[0..n) and gives the tree as JSON text (static), or fails the test. */
static const char *decoded(enum fmt f, const char *b, size_t n)
{
    static char text[4096];
    harper__buf out = HARPER__BUF_INIT;
    cJSON *v = NULL;
    char err[256] = "";

    if (decode[f](b, n, &v, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "%s does not decode: %s", hex(b, n), err);
    CHECK_EQ_INT(harper__json_value(&out, v), 0);
    snprintf(text, sizeof text, "%.*s", (int)out.len, out.data);
    harper__buf_free(&out);
    cJSON_Delete(v);
    return text;
}

static void check_decode_error(enum fmt f, const char *b, size_t n, const char *want)
{
    cJSON *v = (cJSON *)1;
    char err[256] = "";

    CHECK_EQ_INT(decode[f](b, n, &v, err, sizeof err), -1);
    CHECK(v == NULL);
    CHECK_EQ_STR(err, want);
}

#define DECODED(f, lit) decoded(f, lit, sizeof lit - 1)
#define DECODE_ERROR(f, lit, want) check_decode_error(f, lit, sizeof lit - 1, want)

TEST(codec_cbor_decode_mappings)
{
    CHECK_EQ_STR(DECODED(CBOR, "\x9f\x01\x02\xff"), "[1,2]");
    CHECK_EQ_STR(DECODED(CBOR, "\xbf\x61\x61\x01\xff"), "{\"a\":1}");
    CHECK_EQ_STR(DECODED(CBOR, "\x7f\x61\x61\x62\x62\x63\xff"), "\"abc\"");
    CHECK_EQ_STR(DECODED(CBOR, "\x7f\xff"), "\"\"");
    CHECK_EQ_STR(DECODED(CBOR, "\xf9\x3c\x00"), "1");
    CHECK_EQ_STR(DECODED(CBOR, "\xfa\x3f\xc0\x00\x00"), "1.5");
    CHECK_EQ_STR(DECODED(CBOR, "\x83\xf9\x7e\x00\xf9\x7c\x00\xf7"), "[null,null,null]");
    CHECK_EQ_STR(DECODED(CBOR, "\x1b\x00\x20\x00\x00\x00\x00\x00\x01"), "9007199254740992");
    CHECK_EQ_STR(DECODED(CBOR, "\x3b\xff\xff\xff\xff\xff\xff\xff\xff"),
                 "-18446744073709552000");
    CHECK_EQ_STR(DECODED(CBOR, "\xc1\x1a\x65\x53\xf1\x00"), "\"2023-11-14T22:13:20.000Z\"");
    CHECK_EQ_STR(DECODED(CBOR, "\xc1\xfb\x41\xd9\x54\xfc\x40\x00\x00\x00"),
                 "\"2023-11-14T22:13:20.000Z\"");
    CHECK_EQ_STR(DECODED(CBOR, "\xc1\x3a\x7f\xff\xff\xff"), "\"1901-12-13T20:45:52.000Z\"");
    CHECK_EQ_STR(DECODED(CBOR, "\xc1\xfb\x7f\xef\xff\xff\xff\xff\xff\xff"), "null");
    CHECK_EQ_STR(DECODED(CBOR, "\xc0\x6a\x32\x30\x32\x34\x2d\x30\x31\x2d\x30\x31"),
                 "\"2024-01-01\"");
    CHECK_EQ_STR(DECODED(CBOR, "\xc2\x49\x01\x00\x00\x00\x00\x00\x00\x00\x00"),
                 "18446744073709552000");
    CHECK_EQ_STR(DECODED(CBOR, "\xc3\x41\x00"), "-1");
    CHECK_EQ_STR(DECODED(CBOR, "\xd9\xd9\xf7\x82\x01\xd8\x20\x61\x78"), "[1,\"x\"]");
    /* Keys as JavaScript names them; a repeated key keeps its place and takes the last value. */
    CHECK_EQ_STR(DECODED(CBOR, "\xa5\x01\x61\x61\xf5\x01\xf6\x02\xfb\x3f\xf8\x00\x00\x00\x00"
                               "\x00\x00\x03\x20\x04"),
                 "{\"1\":\"a\",\"true\":1,\"null\":2,\"1.5\":3,\"-1\":4}");
    CHECK_EQ_STR(DECODED(CBOR, "\xa3\x61\x61\x01\x61\x62\x02\x61\x61\x03"), "{\"a\":3,\"b\":2}");
}

TEST(codec_cbor_decode_errors)
{
    DECODE_ERROR(CBOR, "", "Unexpected end of CBOR data");
    DECODE_ERROR(CBOR, "\x00\x00", "Data read, but end of buffer not reached");
    DECODE_ERROR(CBOR, "\x41\x00", "CBOR byte strings are not supported");
    DECODE_ERROR(CBOR, "\x5f\x41\x00\xff", "CBOR byte strings are not supported");
    DECODE_ERROR(CBOR, "\xa1\x80\x00", "Invalid property name type object");
    DECODE_ERROR(CBOR, "\xa1\xa0\x00", "Invalid property name type object");
    DECODE_ERROR(CBOR, "\x62\xff\xfe", "Invalid UTF-8 in a CBOR text string");
    DECODE_ERROR(CBOR, "\x62\xed\xa0", "Invalid UTF-8 in a CBOR text string");
    DECODE_ERROR(CBOR, "\x61\x00", "Strings with NUL characters are not supported");
    DECODE_ERROR(CBOR, "\xff", "Unexpected break in CBOR data");
    DECODE_ERROR(CBOR, "\x81\xff", "Unexpected break in CBOR data");
    DECODE_ERROR(CBOR, "\xbf\x61\x61\xff", "A CBOR map ends between a key and its value");
    DECODE_ERROR(CBOR, "\x7f\x01\xff", "Invalid chunk in an indefinite-length CBOR string");
    DECODE_ERROR(CBOR, "\x9f\xc1\xff", "A CBOR tag has no content");
    DECODE_ERROR(CBOR, "\x1c", "Invalid CBOR data at byte 0");
    DECODE_ERROR(CBOR, "\x82\x01\xf0", "Invalid CBOR data at byte 2");
    /* A declared length costs nothing until its elements come. */
    DECODE_ERROR(CBOR, "\x9b\xff\xff\xff\xff\xff\xff\xff\xff", "Unexpected end of CBOR data");
    DECODE_ERROR(CBOR, "\x7b\xff\xff\xff\xff\xff\xff\xff\xff", "Unexpected end of CBOR data");
}

TEST(codec_msgpack_decode_mappings_and_errors)
{
    CHECK_EQ_STR(DECODED(MSGPACK, "\xd6\xff\x65\x53\xf1\x00"), "\"2023-11-14T22:13:20.000Z\"");
    CHECK_EQ_STR(DECODED(MSGPACK, "\xd7\xff\x00\x00\x00\x04\x65\x53\xf1\x00"),
                 "\"2023-11-14T22:13:20.000Z\"");
    CHECK_EQ_STR(DECODED(MSGPACK, "\xd4\x00\x00"), "null");
    CHECK_EQ_STR(DECODED(MSGPACK, "\xca\x3f\xc0\x00\x00"), "1.5");
    CHECK_EQ_STR(DECODED(MSGPACK, "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00"), "null");
    CHECK_EQ_STR(DECODED(MSGPACK, "\xd3\xff\xff\xff\xff\xff\xff\xff\xfe"), "-2");
    CHECK_EQ_STR(DECODED(MSGPACK, "\x82\x01\xc3\xc3\x02"), "{\"1\":true,\"true\":2}");
    CHECK_EQ_STR(DECODED(MSGPACK, "\xde\x00\x02\xa1\x61\x01\xa1\x61\x02"), "{\"a\":2}");
    CHECK_EQ_STR(DECODED(MSGPACK, "\xdb\x00\x00\x00\x01\x7a"), "\"z\"");
    DECODE_ERROR(MSGPACK, "", "Unexpected end of MessagePack data");
    DECODE_ERROR(MSGPACK, "\xc1", "Unknown MessagePack token 193");
    DECODE_ERROR(MSGPACK, "\xc4\x01\x00", "MessagePack binary values are not supported");
    DECODE_ERROR(MSGPACK, "\xc7\x01\x05\x00", "Unknown MessagePack extension type 5");
    DECODE_ERROR(MSGPACK, "\xd5\xff\x00\x00", "Invalid MessagePack timestamp of 2 bytes");
    DECODE_ERROR(MSGPACK, "\x81\x90\x00", "Invalid property name type object");
    DECODE_ERROR(MSGPACK, "\xa2\xc3\x28", "Invalid UTF-8 in a MessagePack text string");
    DECODE_ERROR(MSGPACK, "\xc0\xc0", "Data read, but end of buffer not reached");
    DECODE_ERROR(MSGPACK, "\xdd\xff\xff\xff\xff", "Unexpected end of MessagePack data");
    DECODE_ERROR(MSGPACK, "\xdb\xff\xff\xff\xff\x61", "Unexpected end of MessagePack data");
}

TEST(codec_many_repeated_keys_use_the_index)
{
    harper__buf cbor = HARPER__BUF_INIT;
    harper__buf want = HARPER__BUF_INIT;
    char key[16];

    /* 40 pairs: k0..k19, then k0..k19 again with new values. */
    harper__buf_byte(&cbor, 0xb8);
    harper__buf_byte(&cbor, 40);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 20; i++) {
            snprintf(key, sizeof key, "k%d", i);
            harper__buf_byte(&cbor, (uint8_t)(0x60 + strlen(key)));
            harper__buf_str(&cbor, key);
            harper__buf_byte(&cbor, (uint8_t)(round * 20 + i < 24 ? round * 20 + i : 0x17));
        }
    }
    harper__buf_str(&want, "{");
    for (int i = 0; i < 20; i++)
        harper__buf_printf(&want, "%s\"k%d\":%d", i > 0 ? "," : "", i, 20 + i < 24 ? 20 + i : 23);
    harper__buf_str(&want, "}");
    CHECK_EQ_STR(decoded(CBOR, cbor.data, cbor.len), harper__buf_cstr(&want));
    harper__buf_free(&cbor);
    harper__buf_free(&want);
}

TEST(codec_depth_limit)
{
    for (int f = CBOR; f <= MSGPACK; f++) {
        harper__buf ok = HARPER__BUF_INIT;
        harper__buf deep = HARPER__BUF_INIT;
        harper__buf text = HARPER__BUF_INIT;
        harper__buf out = HARPER__BUF_INIT;
        char err[256] = "";
        cJSON *v = NULL;
        uint8_t one = f == CBOR ? 0x81 : 0x91;
        uint8_t empty = f == CBOR ? 0x80 : 0x90;

        for (int i = 0; i < CODEC_MAX_DEPTH - 1; i++)
            harper__buf_byte(&ok, one);
        harper__buf_byte(&ok, empty);
        CHECK_EQ_INT(decode[f](ok.data, ok.len, &v, err, sizeof err), 0);
        /* Writing it back is allowed at the same depth, one more level is not. */
        CHECK_EQ_INT(encode_tree[f](v, &out, err, sizeof err), 0);
        CHECK_EQ_INT(out.len, ok.len);
        cJSON_Delete(v);
        for (int i = 0; i < CODEC_MAX_DEPTH; i++)
            harper__buf_byte(&deep, one);
        harper__buf_byte(&deep, empty);
        CHECK_EQ_INT(decode[f](deep.data, deep.len, &v, err, sizeof err), -1);
        CHECK_EQ_STR(err, f == CBOR ? "Nesting deeper than 256 levels in CBOR data"
                                    : "Nesting deeper than 256 levels in MessagePack data");
        for (int i = 0; i <= CODEC_MAX_DEPTH; i++)
            harper__buf_byte(&text, '[');
        for (int i = 0; i <= CODEC_MAX_DEPTH; i++)
            harper__buf_byte(&text, ']');
        harper__buf_reset(&out);
        harper__buf_str(&out, "kept");
        CHECK_EQ_INT(encode_json[f](text.data, text.len, &out, err, sizeof err), -1);
        CHECK_EQ_STR(err, "nesting deeper than 256 levels");
        CHECK_EQ_MEM(out.data, out.len, "kept");
        harper__buf_free(&ok);
        harper__buf_free(&deep);
        harper__buf_free(&text);
        harper__buf_free(&out);
    }
}

TEST(codec_bad_json_text_is_refused)
{
    static const char *const bad[] = {"", "  ", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "[1 2]",
                                      "01", "1.", "-", "tru", "\"abc", "\"\\x\"", "[] []",
                                      "{1:2}", "\"a\tb\"", "\"\\u12g4\""};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        harper__buf out = HARPER__BUF_INIT;
        char err[256] = "";

        if (codec_cbor_encode_json(bad[i], strlen(bad[i]), &out, err, sizeof err) != -1)
            test_fail(__FILE__, __LINE__, "\"%s\" was accepted", bad[i]);
        CHECK(strstr(err, "of the JSON text") != NULL);
        CHECK_EQ_INT(out.len, 0);
        harper__buf_free(&out);
    }
}

TEST(codec_cbor_collection_is_an_indefinite_array)
{
    harper__buf out = HARPER__BUF_INIT;
    cJSON *v = NULL;

    codec_cbor_collection_begin(&out);
    CHECK_EQ_INT(codec_cbor_encode_json("{\"id\":1}", 8, &out, NULL, 0), 0);
    CHECK_EQ_INT(codec_cbor_encode_json("{\"id\":2}", 8, &out, NULL, 0), 0);
    codec_cbor_collection_end(&out);
    CHECK_EQ_STR(hex(out.data, out.len), "9fa1626964" "01a162696402ff");
    CHECK_EQ_INT(codec_cbor_decode(out.data, out.len, &v, NULL, 0), 0);
    CHECK_EQ_INT(cJSON_GetArraySize(v), 2);
    cJSON_Delete(v);
    harper__buf_free(&out);
}

TEST(codec_iso_dates)
{
    char date[32];

    CHECK_EQ_INT(codec_iso_date(0, date), 0);
    CHECK_EQ_STR(date, "1970-01-01T00:00:00.000Z");
    CHECK_EQ_INT(codec_iso_date(-1, date), 0);
    CHECK_EQ_STR(date, "1969-12-31T23:59:59.999Z");
    CHECK_EQ_INT(codec_iso_date(951782400000.0, date), 0);
    CHECK_EQ_STR(date, "2000-02-29T00:00:00.000Z");
    CHECK_EQ_INT(codec_iso_date(8.64e15, date), 0);
    CHECK_EQ_STR(date, "+275760-09-13T00:00:00.000Z");
    CHECK_EQ_INT(codec_iso_date(-62198755200000.0, date), 0);
    CHECK_EQ_STR(date, "-000001-01-01T00:00:00.000Z");
    CHECK_EQ_INT(codec_iso_date(8.64e15 + 1, date), -1);
    CHECK_EQ_INT(codec_iso_date(NAN, date), -1);
}

static const char *csv_of(const char *json, const char *const *columns, size_t n)
{
    static char text[4096];
    harper__buf out = HARPER__BUF_INIT;
    cJSON *v = parse(json);

    CHECK_EQ_INT(codec_csv_write(v, columns, n, &out), 0);
    snprintf(text, sizeof text, "%.*s", (int)out.len, out.data != NULL ? out.data : "");
    harper__buf_free(&out);
    cJSON_Delete(v);
    return text;
}

TEST(codec_csv_quoting_and_rows)
{
    static const char *const cols[] = {"id", "name"};

    CHECK_EQ_STR(csv_of("[{\"id\":1,\"name\":\"A \\\"B\\\"\"},{\"id\":2,\"name\":null,\"x\":1},"
                        "{\"name\":\"x,y\\nz\"},{\"id\":null},{\"id\":true,"
                        "\"name\":{\"a\":[1,\"q\"]}},{\"id\":1e21,\"name\":\"\"}]",
                        cols, 2),
                 "\"id\",\"name\"\n1,\"A \"\"B\"\"\"\n2,\n,\"x,y\nz\"\n"
                 "true,\"{\"\"a\"\":[1,\"\"q\"\"]}\"\n1e+21,\"\"");
    CHECK_EQ_STR(csv_of("[]", cols, 2), "\"id\",\"name\"");
    CHECK_EQ_STR(csv_of("[]", NULL, 0), "");
    CHECK_EQ_STR(csv_of("[{}]", cols, 2), "\"id\",\"name\"");
    CHECK_EQ_STR(csv_of("[0.1,\"x\"]", cols, 2), "\"id\",\"name\"");
}

TEST(codec_csv_columns_from_the_first_record)
{
    static const char *const quote_col[] = {"a\"b"};

    CHECK_EQ_STR(csv_of("{\"b\":1.5,\"a\":\"x\"}", NULL, 0), "\"b\",\"a\"\n1.5,\"x\"");
    CHECK_EQ_STR(csv_of("[{\"b\":-0,\"a\":false},{\"a\":[],\"c\":1}]", NULL, 0),
                 "\"b\",\"a\"\n0,false\n,\"[]\"");
    CHECK_EQ_STR(csv_of("{\"a\\\"b\":\"v\"}", quote_col, 1), "\"a\"\"b\"\n\"v\"");
}

TEST(codec_csv_streams_row_by_row)
{
    static const char *const cols[] = {"id"};
    harper__buf out = HARPER__BUF_INIT;
    codec_csv w;
    cJSON *rec = parse("{\"id\":\"r\"}");

    CHECK_EQ_INT(codec_csv_begin(&w, &out, cols, 1), 0);
    CHECK_EQ_MEM(out.data, out.len, "\"id\"");
    /* The caller sends what is there and empties the buffer between rows. */
    harper__buf_reset(&out);
    CHECK_EQ_INT(codec_csv_row(&w, rec), 0);
    CHECK_EQ_MEM(out.data, out.len, "\n\"r\"");
    harper__buf_reset(&out);
    CHECK_EQ_INT(codec_csv_row(&w, rec), 0);
    CHECK_EQ_MEM(out.data, out.len, "\n\"r\"");
    codec_csv_end(&w);
    codec_csv_end(&w);
    cJSON_Delete(rec);
    harper__buf_free(&out);
}
