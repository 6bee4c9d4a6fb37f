/* test_yaml.c: server/yaml.c: how scalars are typed, order and nesting, errors with their line
 * and column, Harper's file layout when writing, quoting that keeps a round trip exact, and
 * the depth and size limits. */
#include "test.h"

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "yaml.h"

/* Parses `text`, failing the test on an error. */
static cJSON *parse_ok(const char *text)
{
    char err[256] = "";
    cJSON *v = NULL;

    if (yaml_to_json(text, strlen(text), &v, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "yaml_to_json(\"%s\") failed: %s", text, err);
    return v;
}

/* The tree as compact JSON text, in a static buffer. */
static const char *as_json(const cJSON *v)
{
    static char text[4096];
    char *printed = cJSON_PrintUnformatted(v);

    snprintf(text, sizeof text, "%s", printed != NULL ? printed : "(null)");
    free(printed);
    return text;
}

/* yaml_to_json must fail on `text` with exactly `want`. */
static void check_error(const char *text, const char *want)
{
    char err[256] = "";
    cJSON *v = (cJSON *)1;

    CHECK_EQ_INT(yaml_to_json(text, strlen(text), &v, err, sizeof err), -1);
    CHECK(v == NULL);
    CHECK_EQ_STR(err, want);
}

/* Writes `v` as YAML into a new string (free). */
static char *write_text(const cJSON *v)
{
    harper__buf out = HARPER__BUF_INIT;
    char *text;

    CHECK_EQ_INT(json_to_yaml(v, &out), 0);
    text = harper__buf_cstr(&out);
    CHECK(text != NULL);
    return text;
}

TEST(yaml_plain_scalars_typed_as_core_schema)
{
    cJSON *v = parse_ok(
        "nulls: [~, null, Null, NULL, ]\n"
        "empty:\n"
        "bools: [true, True, TRUE, false, False, FALSE]\n"
        "not_bools: [yes, no, on, off, tRUE, y]\n"
        "ints: [0, -3, +4, 0123, 0x1F, 0o17, 12345678901234567890]\n"
        "floats: [2.5, .5, -.5, 1., 1e3, 6.02E+23, 1.5e-7]\n"
        "specials: [.inf, -.Inf, .nan, 1e999]\n"
        "strings: [1d, 64M, 1_000, 12:30, 0x, 0o8, 1e, +, ., abc]\n"
        "quoted: ['true', \"12\", \"null\", '']\n"
        "tagged: [!!str 12, !!int \"7\", !!bool \"true\", !custom 5]\n");

    CHECK_EQ_STR(as_json(v),
                 "{\"nulls\":[null,null,null,null],\"empty\":null,"
                 "\"bools\":[true,true,true,false,false,false],"
                 "\"not_bools\":[\"yes\",\"no\",\"on\",\"off\",\"tRUE\",\"y\"],"
                 "\"ints\":[0,-3,4,123,31,15,1.2345678901234567e+19],"
                 "\"floats\":[2.5,0.5,-0.5,1,1000,6.02e+23,1.5e-07],"
                 "\"specials\":[null,null,null,null],"
                 "\"strings\":[\"1d\",\"64M\",\"1_000\",\"12:30\",\"0x\",\"0o8\",\"1e\",\"+\","
                 "\".\",\"abc\"],"
                 "\"quoted\":[\"true\",\"12\",\"null\",\"\"],"
                 "\"tagged\":[\"12\",7,true,\"5\"]}");
    cJSON_Delete(v);
}

TEST(yaml_keeps_order_and_nesting)
{
    cJSON *v = parse_ok("# comment\n---\nz: 1\na:\n  y: [1, {b: 2}]\n  x:\n    - - p\n      - q\n"
                        "    - k: v\n      l: w\nm: {}\nn: []\n\"quoted key\": |\n  line 1\n"
                        "  line 2\nfolded: >-\n  one\n  two\n");

    CHECK_EQ_STR(as_json(v),
                 "{\"z\":1,\"a\":{\"y\":[1,{\"b\":2}],"
                 "\"x\":[[\"p\",\"q\"],{\"k\":\"v\",\"l\":\"w\"}]},"
                 "\"m\":{},\"n\":[],\"quoted key\":\"line 1\\nline 2\\n\",\"folded\":\"one two\"}");
    cJSON_Delete(v);
}

TEST(yaml_empty_stream_and_document_are_null)
{
    const char *texts[] = {"", "# only a comment\n", "---\n", "--- ~\n...\n"};

    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        cJSON *v = parse_ok(texts[i]);

        CHECK(cJSON_IsNull(v));
        cJSON_Delete(v);
    }
}

TEST(yaml_errors_give_line_and_column)
{
    check_error("a: 1\nb: c: d\n", "mapping values are not allowed in this context at line 2, "
                "column 5");
    check_error("a:\n\t- tab\n", "found character that cannot start any token at line 2, "
                "column 1");
    check_error("a: 1\nb: 2\na: 3\n", "duplicate key \"a\" at line 3, column 1");
    check_error("a: &x [1]\nb: *x\n", "aliases are not supported at line 2, column 4");
    check_error("? [a]\n: b\n", "only scalar mapping keys are supported at line 1, column 3");
    check_error("a\n---\nb\n", "only one YAML document is supported at line 2, column 1");
    check_error("a: \"unterminated\n", "found unexpected end of stream at line 2, column 1");
    check_error("ok: 1\nbad: \"\xff\"\n", "invalid leading UTF-8 octet at line 2, column 7");
    check_error("a: \"x\\0y\"\n", "NUL characters in strings are not supported at line 1, "
                "column 4");
    check_error("a: !!int twelve\n", "invalid !!int value at line 1, column 4");
}

TEST(yaml_writes_harper_layout)
{
    cJSON *v = cJSON_Parse("{\"http\":{\"port\":9926,\"securePort\":null,\"cors\":true,"
                           "\"corsAccessList\":[\"*\"]},\"list\":[[1,2],{\"a\":1,\"b\":[]},{}],"
                           "\"empty\":{},\"timeout\":\"1d\",\"path\":\"/srv/hdb/log\","
                           "\"big\":1e21,\"small\":1.5e-7,\"neg\":-0}");
    char *text = write_text(v);

    CHECK_EQ_STR(text, "http:\n  port: 9926\n  securePort: null\n  cors: true\n"
                       "  corsAccessList:\n    - \"*\"\n"
                       "list:\n  - - 1\n    - 2\n  - a: 1\n    b: []\n  - {}\n"
                       "empty: {}\ntimeout: 1d\npath: /srv/hdb/log\nbig: 1e+21\n"
                       "small: 1.5e-7\nneg: 0\n");
    free(text);
    cJSON_Delete(v);
    v = cJSON_CreateString("top");
    text = write_text(v);
    CHECK_EQ_STR(text, "top\n");
    free(text);
    cJSON_Delete(v);
}

TEST(yaml_quotes_what_would_change)
{
    static const char *const strings[] = {
        "", "true", "False", "null", "~", "12", "-1.5", "0x1F", ".inf", "yes", "No", "on", "y",
        "1_000", "12:30", "2024-01-01", "0b101", "<<", "*", "- x", "? x", ": x", "#x", "a #b",
        "a: b", "end:", " lead", "trail ", "...", "---", "%x", "@x", "`x", "!x", "&x", "|",
        ">", "'", "\"", "{x}", "[x]", ",x", "line\nbreak", "tab\there", "cr\r", "bell\a",
        "del\x7f", "\xc2\x85nel", "\xe2\x80\xa8ls", "\357\273\277bom", "caf\xc3\xa9",
    };
    static const char *const plain[] = {"a#b", "1d", "64M", "/srv/hdb", "a:b", "x-y", "a b",
                                        "\\"};
    cJSON *list = cJSON_CreateArray();
    cJSON *back;
    char *text;
    size_t line = 0;

    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(strings[i]));
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(plain[i]));
    text = write_text(list);
    back = parse_ok(text);
    CHECK(cJSON_Compare(list, back, 1));
    /* One line each: every one of the first group quoted, every one of the second plain. */
    for (const char *p = text; *p != '\0'; p = strchr(p, '\n') + 1, line++) {
        bool quoted = strncmp(p, "- \"", 3) == 0;

        if (quoted != (line < sizeof strings / sizeof *strings))
            test_fail(__FILE__, __LINE__, "line %zu: %.*s", line, (int)strcspn(p, "\n"), p);
    }
    CHECK_EQ_INT(line, sizeof strings / sizeof *strings + sizeof plain / sizeof *plain);
    CHECK(strncmp(text, "- \"\"\n- \"true\"\n- \"False\"\n", 22) == 0);
    CHECK(strstr(text, "- \"\\u0085nel\"\n") != NULL);
    CHECK(strstr(text, "- \"bell\\x07\"\n") != NULL);
    CHECK(strstr(text, "- \"caf\xc3\xa9\"\n") != NULL);
    free(text);
    cJSON_Delete(back);
    cJSON_Delete(list);
}

TEST(yaml_invalid_utf8_written_as_replacement)
{
    cJSON *v = cJSON_CreateString("a\377b");
    char *text = write_text(v);
    cJSON *back = parse_ok(text);

    CHECK_EQ_STR(text, "\"a\\uFFFDb\"\n");
    CHECK_EQ_STR(back->valuestring, "a\357\277\275b");
    free(text);
    cJSON_Delete(back);
    cJSON_Delete(v);
}

/* Harper 4.7.29's harperdb-config.yaml after a dev install (the reference's file, its own
 * header line aside): read and written back, it comes out byte for byte. */
TEST(yaml_harper_config_round_trips_byte_for_byte)
{
    static const char file[] =
        "http:\n  compressionThreshold: 0\n  cors: true\n  corsAccessList:\n    - \"*\"\n"
        "  keepAliveTimeout: 30000\n  port: 9926\n  securePort: null\n  mtls: false\n"
        "  http2: false\n  timeout: 120000\nthreads:\n  count: 1\n  debug: true\n"
        "authentication:\n  authorizeLocal: true\n  cacheTTL: 30000\n  enableSessions: true\n"
        "  operationTokenTimeout: 1d\n  refreshTokenTimeout: 30d\nanalytics:\n"
        "  aggregatePeriod: 60\n  replicate: false\nreplication:\n  securePort: 9933\n"
        "  enableRootCAs: true\n  hostname: localhost\n  databases: \"*\"\n  routes: null\n"
        "componentsRoot: /srv/hdb/components\nlocalStudio:\n  enabled: true\nlogging:\n"
        "  auditAuthEvents:\n    logFailed: false\n    logSuccessful: false\n  auditLog: true\n"
        "  auditRetention: 3d\n  file: true\n  level: info\n  root: /srv/hdb/log\n"
        "  rotation:\n    enabled: true\n    compress: false\n    interval: null\n"
        "    maxSize: 64M\n    path: /srv/hdb/log\n  stdStreams: true\nmqtt:\n  network:\n"
        "    port: 1883\n    securePort: 8883\n    mtls: false\n  webSocket: true\n"
        "  requireAuthentication: true\noperationsApi:\n  network:\n    cors: true\n"
        "    corsAccessList:\n      - \"*\"\n    domainSocket: /srv/hdb/operations-server\n"
        "    port: 9925\n    securePort: null\nrootPath: /srv/hdb\nstorage:\n"
        "  writeAsync: false\n  caching: true\n  compression: true\n  noReadAhead: false\n"
        "  path: /srv/hdb/database\n  prefetchWrites: true\ntls:\n"
        "  privateKey: /srv/hdb/keys/privateKey.pem\n";
    cJSON *v = parse_ok(file);
    char *text = write_text(v);

    CHECK_EQ_STR(text, file);
    CHECK_EQ_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "http"), "port")->valuedouble, 9926);
    CHECK_EQ_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "logging"), "level")->valuestring,
                 "info");
    free(text);
    cJSON_Delete(v);
}

TEST(yaml_long_keys_use_explicit_form)
{
    char key[1101];
    cJSON *v = cJSON_CreateObject();
    cJSON *back;
    char *text;

    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    cJSON_AddNumberToObject(v, key, 1);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(v, "short"), key, cJSON_CreateString("x"));
    text = write_text(v);
    CHECK(strncmp(text, "? kkk", 5) == 0);
    CHECK(strstr(text, "\n: 1\nshort:\n  ? kkk") != NULL);
    back = parse_ok(text);
    CHECK(cJSON_Compare(v, back, 1));
    free(text);
    cJSON_Delete(back);
    cJSON_Delete(v);
}

TEST(yaml_depth_limit_both_ways)
{
    char text[2 * YAML_MAX_DEPTH + 4];
    cJSON *v;
    cJSON *deep;
    harper__buf out = HARPER__BUF_INIT;

    memset(text, '[', YAML_MAX_DEPTH);
    memset(text + YAML_MAX_DEPTH, ']', YAML_MAX_DEPTH);
    text[2 * YAML_MAX_DEPTH] = '\0';
    v = parse_ok(text);
    CHECK_EQ_INT(json_to_yaml(v, &out), 0);
    harper__buf_free(&out);
    /* One level more, either way, is refused. */
    deep = cJSON_CreateArray();
    cJSON_AddItemToArray(deep, v);
    cJSON_AddItemToArray(deep, cJSON_CreateNumber(1));
    CHECK_EQ_INT(json_to_yaml(deep, &out), -1);
    harper__buf_free(&out);
    cJSON_Delete(deep);
    memset(text, '[', YAML_MAX_DEPTH + 1);
    memset(text + YAML_MAX_DEPTH + 1, ']', YAML_MAX_DEPTH + 1);
    text[2 * YAML_MAX_DEPTH + 2] = '\0';
    check_error(text, "nesting deeper than 64 levels at line 1, column 65");
}

TEST(yaml_size_limit_and_bad_arguments)
{
    char err[256] = "";
    cJSON *v = NULL;
    harper__buf out = HARPER__BUF_INIT;

    CHECK_EQ_INT(yaml_to_json("a: 1", (size_t)YAML_MAX_SIZE + 1, &v, err, sizeof err), -1);
    CHECK_EQ_STR(err, "YAML text of 8388609 bytes is over the limit of 8388608");
    CHECK(v == NULL);
    CHECK_EQ_INT(yaml_to_json(NULL, 3, &v, NULL, 0), -1);
    CHECK_EQ_INT(json_to_yaml(NULL, &out), -1);
    v = cJSON_CreateRaw("1");
    CHECK_EQ_INT(json_to_yaml(v, &out), -1);
    cJSON_Delete(v);
    harper__buf_free(&out);
}
