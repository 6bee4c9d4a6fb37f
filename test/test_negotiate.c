/* test_negotiate.c: server/negotiate.c: Accept weighting (the spec's examples, q values, ties,
 * JavaScript number reading), URL extensions, request body classification, text charsets,
 * ETags and If-None-Match. */
#include "test.h"

#include "negotiate.h"

static negotiate_type accept_of(const char *value)
{
    return negotiate_accept(value, value != NULL ? strlen(value) : 0);
}

TEST(negotiate_accept_spec_examples)
{
    CHECK_EQ_INT(accept_of(NULL), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("application/json, application/cbor"), NEGOTIATE_CBOR);
    CHECK_EQ_INT(accept_of("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                           "image/webp,image/apng,*/*;q=0.8,"
                           "application/signed-exchange;v=b3;q=0.7"),
                 NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("application/*"), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(accept_of("text/html"), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(accept_of("*/*"), NEGOTIATE_JSON);
    CHECK_EQ_STR(negotiate_type_name(accept_of("*/*")), "application/json");
    CHECK_EQ_STR(NEGOTIATE_406_BODY,
                 "ClientError: No supported content types found in Accept header, supported "
                 "types include: application/json, application/cbor, application/x-msgpack, "
                 "text/csv, text/plain, text/yaml, text/event-stream, "
                 "application/x-www-form-urlencoded, */*, ");
}

TEST(negotiate_accept_each_registered_type)
{
    CHECK_EQ_INT(accept_of("application/cbor"), NEGOTIATE_CBOR);
    CHECK_EQ_INT(accept_of("application/x-msgpack"), NEGOTIATE_MSGPACK);
    CHECK_EQ_INT(accept_of("application/json"), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("text/event-stream"), NEGOTIATE_EVENT_STREAM);
    CHECK_EQ_INT(accept_of("text/yaml"), NEGOTIATE_YAML);
    CHECK_EQ_INT(accept_of("text/plain"), NEGOTIATE_PLAIN);
    CHECK_EQ_INT(accept_of("text/csv"), NEGOTIATE_CSV);
    CHECK_EQ_STR(negotiate_type_name(NEGOTIATE_CBOR), "application/cbor");
    CHECK_EQ_STR(negotiate_type_name(NEGOTIATE_MSGPACK), "application/x-msgpack");
    CHECK_EQ_STR(negotiate_type_name(NEGOTIATE_CSV), "text/csv");
    /* Registered for request bodies only, and unknown wildcards. */
    CHECK_EQ_INT(accept_of("application/x-www-form-urlencoded"), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(accept_of("text/*"), NEGOTIATE_NOT_ACCEPTABLE);
}

TEST(negotiate_accept_weights_and_q)
{
    /* json 0.8 x 0.5 = 0.4 still beats csv 0.1. */
    CHECK_EQ_INT(accept_of("application/json;q=0.5, text/csv"), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("application/cbor;q=0.1, application/json"), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("application/cbor;q=0.9, application/x-msgpack"), NEGOTIATE_CBOR);
    CHECK_EQ_INT(accept_of("application/cbor;q=0.8, application/x-msgpack"),
                 NEGOTIATE_MSGPACK);
    /* q = 0 never wins, even alone. */
    CHECK_EQ_INT(accept_of("application/cbor;q=0"), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(accept_of("application/cbor;q=0, text/csv"), NEGOTIATE_CSV);
    /* q above 1 is taken as it is: 0.1 x 16 beats 1.0. */
    CHECK_EQ_INT(accept_of("text/csv;q=16, application/cbor"), NEGOTIATE_CSV);
    /* Other parameters are kept apart from q; the last q counts. */
    CHECK_EQ_INT(accept_of("application/cbor;level=1;q=0.5, application/json"), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("application/cbor;q=0.1;q=1, application/json"), NEGOTIATE_CBOR);
    /* The any-type wildcard (0.5) beats text/plain (0.2). */
    CHECK_EQ_INT(accept_of("text/plain, */*"), NEGOTIATE_JSON);
}

TEST(negotiate_accept_ties_go_to_the_first)
{
    CHECK_EQ_INT(accept_of("application/json, text/event-stream"), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("text/event-stream, application/json"), NEGOTIATE_EVENT_STREAM);
    /* 0.2 x 5 is exactly 1.0, as cbor's weight. */
    CHECK_EQ_INT(accept_of("text/plain;q=5, application/cbor"), NEGOTIATE_PLAIN);
    CHECK_EQ_INT(accept_of("application/cbor, text/plain;q=5"), NEGOTIATE_CBOR);
}

TEST(negotiate_accept_parsing_as_javascript_does)
{
    CHECK_EQ_INT(accept_of(""), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("   "), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("APPLICATION/CBOR"), NEGOTIATE_CBOR);
    CHECK_EQ_INT(accept_of(" application/json ,\tapplication/cbor "), NEGOTIATE_CBOR);
    CHECK_EQ_INT(accept_of("application/cbor ; q=0.5 , application/json"), NEGOTIATE_JSON);
    /* White space inside an entry that is not next to a separator stays part of it. */
    CHECK_EQ_INT(accept_of("application/ cbor"), NEGOTIATE_NOT_ACCEPTABLE);
    /* "q =" names another parameter; "q" without "=" too. */
    CHECK_EQ_INT(accept_of("application/cbor;q =0.1, application/json"), NEGOTIATE_CBOR);
    CHECK_EQ_INT(accept_of("application/cbor;q, application/json"), NEGOTIATE_CBOR);
    CHECK_EQ_INT(accept_of("application/cbor;Q=0.1, application/json"), NEGOTIATE_JSON);
    /* Number(): "" is 0, hex counts, words are NaN (and lower-cased Infinity is a word). */
    CHECK_EQ_INT(accept_of("application/cbor;q=, application/json"), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("application/cbor;q=abc"), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(accept_of("text/csv;q=0x10, application/cbor"), NEGOTIATE_CSV);
    CHECK_EQ_INT(accept_of("text/csv;q=Infinity, application/json"), NEGOTIATE_JSON);
    CHECK_EQ_INT(accept_of("text/csv;q=1e2, application/cbor"), NEGOTIATE_CSV);
    CHECK_EQ_INT(accept_of("text/csv;q=.9e2, application/json"), NEGOTIATE_CSV);
    CHECK_EQ_INT(accept_of("application/cbor;q=-1"), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(accept_of("application/cbor;q=1.5.2"), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(accept_of(",,application/x-msgpack,,"), NEGOTIATE_MSGPACK);
    /* A length, not a C string: the NUL and what follows are part of the value. */
    CHECK_EQ_INT(negotiate_accept("text/csv\0application/cbor", 25), NEGOTIATE_NOT_ACCEPTABLE);
    CHECK_EQ_INT(negotiate_accept("text/csvXXX", 8), NEGOTIATE_CSV);
}

static void check_extension(const char *path, negotiate_type want, size_t want_stem)
{
    size_t stem = 12345;

    CHECK_EQ_INT(negotiate_extension(path, strlen(path), &stem), want);
    CHECK_EQ_INT(stem, want_stem);
}

TEST(negotiate_url_extension)
{
    check_extension("/Dog/1.json", NEGOTIATE_JSON, 6);
    check_extension("/Dog/1.cbor", NEGOTIATE_CBOR, 6);
    check_extension("/Dog/1.msgpack", NEGOTIATE_MSGPACK, 6);
    check_extension("/Dog/1.csv", NEGOTIATE_CSV, 6);
    check_extension("/Dog/.csv", NEGOTIATE_CSV, 5);
    check_extension("/Dog/1.5.json", NEGOTIATE_JSON, 8);
    check_extension("/Dog/1.5", NEGOTIATE_NOT_ACCEPTABLE, 8);
    check_extension("/Dog/1.xml", NEGOTIATE_NOT_ACCEPTABLE, 10);
    check_extension("/Dog/1.JSON", NEGOTIATE_NOT_ACCEPTABLE, 11);
    check_extension("/Dog.json/1", NEGOTIATE_NOT_ACCEPTABLE, 11);
    check_extension("/Dog/1", NEGOTIATE_NOT_ACCEPTABLE, 6);
    check_extension("", NEGOTIATE_NOT_ACCEPTABLE, 0);
    check_extension(".json", NEGOTIATE_JSON, 0);
}

static negotiate_body body_of(const char *content_type, const char *body)
{
    negotiate_body b;

    negotiate_body_type(content_type, content_type != NULL ? strlen(content_type) : 0, body,
                        strlen(body), &b);
    return b;
}

static void check_body(const char *content_type, const char *body, negotiate_body_kind kind,
                       const char *type, const char *charset)
{
    negotiate_body b = body_of(content_type, body);

    CHECK_EQ_INT(b.kind, kind);
    CHECK_EQ_MEM(b.type, b.type_len, type);
    if (charset == NULL)
        CHECK(b.charset == NULL);
    else
        CHECK_EQ_MEM(b.charset, b.charset_len, charset);
}

TEST(negotiate_body_classification_table)
{
    check_body("application/json", "[1]", NEGOTIATE_BODY_JSON, "application/json", NULL);
    check_body("application/json; charset=utf-8", "{}", NEGOTIATE_BODY_JSON,
               "application/json", "utf-8");
    check_body("application/cbor", "", NEGOTIATE_BODY_CBOR, "application/cbor", NULL);
    check_body("application/x-msgpack", "", NEGOTIATE_BODY_MSGPACK, "application/x-msgpack",
               NULL);
    check_body("application/x-www-form-urlencoded", "a=b", NEGOTIATE_BODY_FORM,
               "application/x-www-form-urlencoded", NULL);
    check_body("text/plain", "hi", NEGOTIATE_BODY_STRING, "text/plain", NULL);
    check_body("text/plain;charset=latin1", "hi", NEGOTIATE_BODY_STRING, "text/plain",
               "latin1");
    check_body("text/csv; charset=latin1", "a,b", NEGOTIATE_BODY_TEXT, "text/csv", "latin1");
    check_body("text/html", "<p>", NEGOTIATE_BODY_TEXT, "text/html", NULL);
    check_body("application/octet-stream", "{", NEGOTIATE_BODY_BYTES,
               "application/octet-stream", NULL);
    check_body("image/png", "\x89PNG", NEGOTIATE_BODY_TYPED, "image/png", NULL);
    check_body("application/xml; foo=bar", "<a/>", NEGOTIATE_BODY_TYPED, "application/xml",
               NULL);
    /* Case and white space around the type do not matter; quotes stay for negotiate_text. */
    check_body(" Text/CSV ; Charset=\"utf-8\" ", "x", NEGOTIATE_BODY_TEXT, "Text/CSV",
               "\"utf-8\"");
    check_body("APPLICATION/CBOR", "", NEGOTIATE_BODY_CBOR, "APPLICATION/CBOR", NULL);
}

TEST(negotiate_body_without_content_type)
{
    check_body(NULL, "{\"a\":1}", NEGOTIATE_BODY_JSON, "application/json", NULL);
    check_body(NULL, "[1]", NEGOTIATE_BODY_TYPED, "application/octet-stream", NULL);
    check_body(NULL, " {\"a\":1}", NEGOTIATE_BODY_TYPED, "application/octet-stream", NULL);
    check_body(NULL, "", NEGOTIATE_BODY_TYPED, "application/octet-stream", NULL);
    check_body("", "{}", NEGOTIATE_BODY_JSON, "application/json", NULL);
}

static void check_text(const char *charset, const char *text, size_t len, const char *want)
{
    harper__buf out = HARPER__BUF_INIT;
    char err[128] = "";

    harper__buf_str(&out, "<");
    CHECK_EQ_INT(negotiate_text(charset, charset != NULL ? strlen(charset) : 0, text, len, &out,
                                err, sizeof err), 0);
    CHECK_EQ_MEM(out.data, out.len, want);
    harper__buf_free(&out);
}

TEST(negotiate_text_charsets)
{
    check_text(NULL, "caf\xc3\xa9", 5, "<caf\xc3\xa9");
    check_text("UTF-8", "a\xff" "b", 3, "<a\xef\xbf\xbd" "b");
    /* One U+FFFD for a truncated sequence, as TextDecoder gives. */
    check_text("utf8", "\xe2\x82" "A", 3, "<\xef\xbf\xbd" "A");
    check_text("\"latin1\"", "caf\xe9", 4, "<caf\xc3\xa9");
    check_text("iso-8859-1", "\xff", 1, "<\xc3\xbf");
    check_text("us-ascii", "caf\xe9", 4, "<cafi");
    check_text("utf-16le", "a\0\x3d\xd8\x00\xde" "z", 7, "<a\xf0\x9f\x98\x80");
    check_text("ucs2", "\x00\xd8" "a\0", 4, "<\xef\xbf\xbd" "a");
    check_text(NULL, "", 0, "<");
}

TEST(negotiate_text_unknown_charset)
{
    harper__buf out = HARPER__BUF_INIT;
    char err[128] = "";

    harper__buf_str(&out, "<");
    CHECK_EQ_INT(negotiate_text("x-klingon", 9, "abc", 3, &out, err, sizeof err), -1);
    CHECK_EQ_STR(err, "Unknown encoding: x-klingon");
    CHECK_EQ_MEM(out.data, out.len, "<");
    harper__buf_free(&out);
}

static void check_etag(double t, const char *want)
{
    char etag[NEGOTIATE_ETAG_SIZE];

    memset(etag, 'x', sizeof etag);
    negotiate_etag(t, etag);
    CHECK_EQ_STR(etag, want);
}

TEST(negotiate_etag_values)
{
    check_etag(1700000000000, "\">>>^TwMmvG\"");
    check_etag(0, "\">>>>>>>>>>\"");
    check_etag(1, "\">>>>>>>>n}\"");
    check_etag(1.5, "\">>>>>>>>v}\"");
    check_etag(1735689600123.456, "\"J[yoUH]NwG\"");
}

TEST(negotiate_if_none_match)
{
    char etag[NEGOTIATE_ETAG_SIZE];

    negotiate_etag(1700000000000, etag);
    CHECK(negotiate_etag_matches("\">>>^TwMmvG\"", 12, etag));
    CHECK(!negotiate_etag_matches(">>>^TwMmvG", 10, etag));
    CHECK(!negotiate_etag_matches("W/\">>>^TwMmvG\"", 14, etag));
    CHECK(!negotiate_etag_matches("*", 1, etag));
    CHECK(!negotiate_etag_matches("\">>>^TwMmvG\", \"abc\"", 19, etag));
    CHECK(!negotiate_etag_matches("\">>>^TwMmvH\"", 12, etag));
    CHECK(!negotiate_etag_matches(NULL, 0, etag));
}
