/* test_query_url.c: lib/query_url*.c: the REST query grammar of spec rest.md section 5 as
 * Harper 4.7 parses it: the two modes, every operator, groups, chained ranges, select(),
 * sort(), limit(), typed values, percent-decoding, and every error with its exact text,
 * status and position. Whole trees are compared through the JSON printer. */
#include "test.h"

#include <math.h>
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "query_url.h"

#define EMPTY_AND "{\"operator\":\"and\",\"conditions\":[]}"

/* Parses `qs` and compares the printed tree with `want`. */
#define CHECK_TREE(qs, want) check_tree(__FILE__, __LINE__, (qs), (want))
/* Parsing `qs` must fail with this status, class and message. */
#define CHECK_FAIL(qs, status, cls, msg) check_fail(__FILE__, __LINE__, (qs), (status), (cls), (msg))

static void check_tree(const char *file, int line, const char *qs, const char *want)
{
    harper__qurl *q = NULL;
    harper__qurl_error err;
    harper__buf out = HARPER__BUF_INIT;

    if (harper__qurl_parse(qs, strlen(qs), &q, &err) != 0)
        test_fail(file, line, "parse of '%s' failed: %d %s: %s", qs, err.status, err.cls,
                  err.message);
    if (harper__qurl_to_json(q, &out) != 0 || harper__buf_cstr(&out) == NULL)
        test_fail(file, line, "printing '%s' failed", qs);
    if (strcmp(out.data, want) != 0)
        test_fail(file, line, "'%s' gave\n  %s\nwant\n  %s", qs, out.data, want);
    harper__buf_free(&out);
    harper__qurl_free(q);
}

static void check_fail(const char *file, int line, const char *qs, int status, const char *cls,
                       const char *msg)
{
    harper__qurl *q = (harper__qurl *)&q;
    harper__qurl_error err;

    if (harper__qurl_parse(qs, strlen(qs), &q, &err) != -1)
        test_fail(file, line, "parse of '%s' succeeded, want an error", qs);
    if (q != NULL)
        test_fail(file, line, "failed parse of '%s' left a tree", qs);
    if (err.status != status || strcmp(err.cls, cls) != 0 || strcmp(err.message, msg) != 0)
        test_fail(file, line, "'%s' gave %d %s: %s\nwant %d %s: %s", qs, err.status, err.cls,
                  err.message, status, cls, msg);
}

/* One condition alone at the top. */
static char *one(const char *cond)
{
    static char text[1024];

    snprintf(text, sizeof text, "{\"conditions\":{\"operator\":\"and\",\"conditions\":[%s]}}",
             cond);
    return text;
}

TEST(query_url_empty_query)
{
    harper__qurl *q = NULL;

    CHECK_EQ_INT(harper__qurl_parse(NULL, 0, &q, NULL), 0);
    CHECK(q != NULL && q->root.is_group && q->root.n_kids == 0 && q->select == NULL);
    harper__qurl_free(q);
    CHECK_TREE("", "{\"conditions\":" EMPTY_AND ",\"simple\":true}");
    CHECK_TREE("&&", "{\"conditions\":" EMPTY_AND ",\"simple\":true}");
}

TEST(query_url_simple_mode_is_form_decoding)
{
    CHECK_TREE("name=Rex&age=3",
               "{\"conditions\":{\"operator\":\"and\",\"conditions\":["
               "{\"attribute\":\"name\",\"comparator\":\"equals\",\"value\":\"Rex\"},"
               "{\"attribute\":\"age\",\"comparator\":\"equals\",\"value\":\"3\"}]},"
               "\"simple\":true}");
    /* '+' is a space, a bare name is name="", a bad escape stays as it is */
    CHECK_TREE("n=a+b%2Bc&flag&x=%zz&y=%C3",
               "{\"conditions\":{\"operator\":\"and\",\"conditions\":["
               "{\"attribute\":\"n\",\"comparator\":\"equals\",\"value\":\"a b+c\"},"
               "{\"attribute\":\"flag\",\"comparator\":\"equals\",\"value\":\"\"},"
               "{\"attribute\":\"x\",\"comparator\":\"equals\",\"value\":\"%zz\"},"
               "{\"attribute\":\"y\",\"comparator\":\"equals\",\"value\":\"\xEF\xBF\xBD\"}]},"
               "\"simple\":true}");
    /* only the first '=' splits; "=x+y=" is no =word= (but "a=b=c" would be one) */
    CHECK_TREE("a=x+y=z", "{\"conditions\":{\"operator\":\"and\",\"conditions\":["
                          "{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"x y=z\"}]},"
                          "\"simple\":true}");
    CHECK_FAIL("a=b=c", 400, "ClientError", "Unknown query comparator \"b\"");
}

TEST(query_url_dot_anywhere_switches_to_the_full_grammar)
{
    /* the trap of spec 5.1: a dot in a value, and '+' then stays a '+' */
    CHECK_TREE("email=a+b@c.com",
               one("{\"attribute\":\"email\",\"comparator\":\"equals\",\"value\":\"a+b@c.com\"}"));
    CHECK_TREE("a=%2B.", one("{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"+.\"}"));
    /* =word= and == switch too */
    CHECK_TREE("age==3", one("{\"attribute\":\"age\",\"comparator\":\"eq\",\"value\":{\"text\":"
                             "\"3\"},\"autocast\":true}"));
}

TEST(query_url_operator_table)
{
    static const struct {
        const char *qs;
        const char *cond;
    } rows[] = {
        {"a===v", "{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"v\"}"},
        {"a[]=v", "{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"v\"}"},
        {"a!==v", "{\"attribute\":\"a\",\"comparator\":\"not_equal\",\"value\":\"v\"}"},
        {"a==v", "{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":{\"text\":\"v\"},"
                 "\"autocast\":true}"},
        {"a==v*", "{\"attribute\":\"a\",\"comparator\":\"starts_with\",\"value\":{\"text\":"
                  "\"v\"}}"},
        {"a=eq=v*", "{\"attribute\":\"a\",\"comparator\":\"starts_with\",\"value\":{\"text\":"
                    "\"v\"}}"},
        {"a!=v", "{\"attribute\":\"a\",\"comparator\":\"ne\",\"value\":{\"text\":\"v\"},"
                 "\"autocast\":true}"},
        {"a=ne=v", "{\"attribute\":\"a\",\"comparator\":\"ne\",\"value\":{\"text\":\"v\"},"
                   "\"autocast\":true}"},
        {"a!=null", "{\"attribute\":\"a\",\"comparator\":\"ne\",\"value\":null,"
                    "\"autocast\":true}"},
        {"a=gt=5", "{\"attribute\":\"a\",\"comparator\":\"gt\",\"value\":{\"text\":\"5\"},"
                   "\"autocast\":true}"},
        {"a=ge=5", "{\"attribute\":\"a\",\"comparator\":\"ge\",\"value\":{\"text\":\"5\"},"
                   "\"autocast\":true}"},
        {"a=lt=5", "{\"attribute\":\"a\",\"comparator\":\"lt\",\"value\":{\"text\":\"5\"},"
                   "\"autocast\":true}"},
        {"a=le=5", "{\"attribute\":\"a\",\"comparator\":\"le\",\"value\":{\"text\":\"5\"},"
                   "\"autocast\":true}"},
        {"a>5", "{\"attribute\":\"a\",\"comparator\":\"gt\",\"value\":{\"text\":\"5\"},"
                "\"autocast\":true}"},
        {"a>=5", "{\"attribute\":\"a\",\"comparator\":\"ge\",\"value\":{\"text\":\"5\"},"
                 "\"autocast\":true}"},
        {"a<5", "{\"attribute\":\"a\",\"comparator\":\"lt\",\"value\":{\"text\":\"5\"},"
                "\"autocast\":true}"},
        {"a<=5", "{\"attribute\":\"a\",\"comparator\":\"le\",\"value\":{\"text\":\"5\"},"
                 "\"autocast\":true}"},
        {"a=eq=v", "{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":{\"text\":\"v\"},"
                   "\"autocast\":true}"},
        {"a=sw=v", "{\"attribute\":\"a\",\"comparator\":\"sw\",\"value\":{\"text\":\"v\"}}"},
        {"a=ew=v", "{\"attribute\":\"a\",\"comparator\":\"ew\",\"value\":{\"text\":\"v\"}}"},
        {"a=ct=v", "{\"attribute\":\"a\",\"comparator\":\"ct\",\"value\":{\"text\":\"v\"}}"},
    };

    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        CHECK_TREE(rows[k].qs, one(rows[k].cond));
}

TEST(query_url_comparator_enum)
{
    harper__qurl *q = NULL;
    static const char qs[] = "a=sw=x&b!==y&c=gt=1&=le=9";

    CHECK_EQ_INT(harper__qurl_parse(qs, strlen(qs), &q, NULL), 0);
    CHECK_EQ_INT(q->root.n_kids, 3);
    CHECK_EQ_INT(q->root.kids[0].comparator, HARPER_STARTS_WITH);
    CHECK_EQ_INT(q->root.kids[1].comparator, HARPER_NOT_EQUAL);
    CHECK_EQ_INT(q->root.kids[1].value.kind, HARPER__QURL_STRICT);
    CHECK_EQ_INT(q->root.kids[2].comparator, HARPER_BETWEEN);
    CHECK(!q->root.kids[2].low_inclusive && q->root.kids[2].high_inclusive);
    CHECK_EQ_STR(q->root.kids[2].value.text, "1");
    CHECK_EQ_STR(q->root.kids[2].high.text, "9");
    harper__qurl_free(q);
}

TEST(query_url_operator_errors)
{
    CHECK_FAIL("a=xx=1", 400, "ClientError", "Unknown query comparator \"xx\"");
    CHECK_FAIL("a=abc=1", 500, "SyntaxViolation", "invalid FIQL operator abc at position 6");
    CHECK_FAIL("a==b*c", 400, "ClientError",
               "Unable to parse query, wildcard can only be used at the end of a string at "
               "position 6 in 'a==b*c'");
    /* Harper goes on after the recorded error and trips over its own state */
    CHECK_FAIL("=1&b==2", 400, "TypeError",
               "Unable to parse query, Cannot read properties of undefined (reading "
               "'chainedConditions') at position 3 in '=1&b==2', attribute must be specified "
               "before equality comparator at position 1");
    CHECK_FAIL("a=1|b=2&c=3", 500, "SyntaxViolation",
               "Can not mix operators within a condition grouping at position 11");
    CHECK_FAIL("(==1)", 500, "SyntaxViolation",
               "attribute must be specified before comparator == at position 3, no attribute or "
               "comparison specified at position 5");
}

TEST(query_url_groups)
{
    CHECK_TREE("a=1|(b=2&c=3)",
               "{\"conditions\":{\"operator\":\"or\",\"conditions\":["
               "{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"1\"},"
               "{\"operator\":\"and\",\"conditions\":["
               "{\"attribute\":\"b\",\"comparator\":\"equals\",\"value\":\"2\"},"
               "{\"attribute\":\"c\",\"comparator\":\"equals\",\"value\":\"3\"}]}]}}");
    CHECK_TREE("[a=1|b=2]&c=3",
               "{\"conditions\":{\"operator\":\"and\",\"conditions\":["
               "{\"operator\":\"or\",\"conditions\":["
               "{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"1\"},"
               "{\"attribute\":\"b\",\"comparator\":\"equals\",\"value\":\"2\"}]},"
               "{\"attribute\":\"c\",\"comparator\":\"equals\",\"value\":\"3\"}]}}");
    /* Harper accepts a missing ')' at the very end */
    CHECK_TREE("(a=1", "{\"conditions\":{\"operator\":\"and\",\"conditions\":["
                       "{\"operator\":\"and\",\"conditions\":["
                       "{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"1\"}]}]}}");
    CHECK_FAIL("()", 500, "Error", "An \"and\" operator requires at least one condition");
    CHECK_FAIL("(a=1))", 500, "SyntaxViolation",
               "unexpected token ')' at position 6, unexpected operator ')' at position 6");
    /* a value may hold parentheses */
    CHECK_TREE("a=1).", one("{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":\"1).\"}"));
    CHECK_FAIL("[a=&", 500, "SyntaxViolation",
               "expected ']', but encountered end of string at position 3");
    CHECK_FAIL("a.b=&", 500, "SyntaxViolation",
               "Unable to parse query, unexpected end of query at position 4");
    CHECK_FAIL("(a=1)b=2", 500, "SyntaxViolation",
               "expected operator, but encountered 'b' at position 7");
}

TEST(query_url_depth_is_bounded)
{
    char qs[1200];
    size_t n = 0;

    for (int k = 0; k < 500; k++)
        qs[n++] = '(';
    memcpy(qs + n, "a=1", 3);
    n += 3;
    qs[n] = '\0';
    {
        harper__qurl *q = NULL;
        harper__qurl_error err;

        CHECK_EQ_INT(harper__qurl_parse(qs, n, &q, &err), -1);
        CHECK(q == NULL);
        CHECK_EQ_INT(err.status, 400);
        CHECK_EQ_STR(err.cls, "RangeError");
        CHECK(strncmp(err.message, "Unable to parse query, Maximum call stack size exceeded "
                                   "at position 100 in '((",
                      78) == 0);
    }
}

TEST(query_url_chained_ranges)
{
    CHECK_TREE("price=gt=100&=lt=200",
               one("{\"attribute\":\"price\",\"comparator\":\"gtlt\",\"value\":[{\"text\":"
                   "\"100\"},{\"text\":\"200\"}],\"autocast\":true}"));
    CHECK_TREE("price=le=200&=ge=100",
               one("{\"attribute\":\"price\",\"comparator\":\"gele\",\"value\":[{\"text\":"
                   "\"100\"},{\"text\":\"200\"}],\"autocast\":true}"));
    /* the docs' form is a second condition on an attribute named lt */
    CHECK_TREE("price=gt=100&lt=200",
               "{\"conditions\":{\"operator\":\"and\",\"conditions\":["
               "{\"attribute\":\"price\",\"comparator\":\"gt\",\"value\":{\"text\":\"100\"},"
               "\"autocast\":true},"
               "{\"attribute\":\"lt\",\"comparator\":\"equals\",\"value\":\"200\"}]}}");
    CHECK_FAIL("a=gt=1&=gt=5", 500, "Error", "Invalid chained condition, only less than and "
                                             "greater than conditions can be chained together");
    /* after a chained value the query expression reads on, so a second `&=` is no chain */
    CHECK_FAIL("a=gt=1&=lt=5&=lt=6", 500, "SyntaxViolation",
               "attribute must be specified before equality comparator at position 14");
    CHECK_FAIL("a=gt=1|=lt=5", 500, "Error",
               "Multiple chained conditions are not currently supported");
    CHECK_FAIL("&=lt=5", 400, "TypeError",
               "Unable to parse query, Cannot read properties of undefined (reading "
               "'chainedConditions') at position 6 in '&=lt=5', no comparison specified "
               "before '&' at position 1, attribute must be specified before equality "
               "comparator at position 2");
}

TEST(query_url_paths_are_decoded_by_segment)
{
    CHECK_TREE("brand.name=Microsoft",
               one("{\"attribute\":[\"brand\",\"name\"],\"comparator\":\"equals\",\"value\":"
                   "\"Microsoft\"}"));
    CHECK_TREE("a%2Eb.c%20d==x",
               one("{\"attribute\":[\"a.b\",\"c d\"],\"comparator\":\"eq\",\"value\":{\"text\":"
                   "\"x\"},\"autocast\":true}"));
}

TEST(query_url_select_forms)
{
    CHECK_TREE("select(name)&a.b=1",
               "{\"conditions\":{\"operator\":\"and\",\"conditions\":[{\"attribute\":[\"a\","
               "\"b\"],\"comparator\":\"equals\",\"value\":\"1\"}]},\"select\":\"name\"}");
    CHECK_TREE("select(name,age)", "{\"conditions\":" EMPTY_AND ",\"select\":[\"name\",\"age\"]}");
    CHECK_TREE("select(name,)", "{\"conditions\":" EMPTY_AND ",\"select\":[\"name\"]}");
    CHECK_TREE("select([name,age])", "{\"conditions\":" EMPTY_AND
                                     ",\"select\":[\"name\",\"age\"],\"select_as_array\":true}");
    CHECK_TREE("select(name,brand{name,id,owner{id}})",
               "{\"conditions\":" EMPTY_AND ",\"select\":[\"name\",{\"name\":\"brand\",\"items\":"
               "[\"name\",\"id\",{\"name\":\"owner\",\"items\":[\"id\"]}]}]}");
    CHECK_TREE("select(*,brand)", "{\"conditions\":" EMPTY_AND ",\"select\":[\"*\",\"brand\"]}");
    CHECK_TREE("select($id,$updatedtime)",
               "{\"conditions\":" EMPTY_AND ",\"select\":[\"$id\",\"$updatedtime\"]}");
    /* calls sit anywhere among the conditions (the example of spec 5.2) */
    CHECK_TREE("select(name)&age=3|age=4&sort(+name)",
               "{\"conditions\":{\"operator\":\"or\",\"conditions\":["
               "{\"attribute\":\"age\",\"comparator\":\"equals\",\"value\":\"3\"},"
               "{\"attribute\":\"age\",\"comparator\":\"equals\",\"value\":\"4\"}]},"
               "\"select\":\"name\",\"sort\":[{\"attribute\":\"name\",\"descending\":false}]}");
    CHECK_FAIL("select(a=1&b)", 400, "TypeError",
               "Unable to parse query, Cannot read properties of undefined (reading 'length') "
               "at position 11 in 'select(a=1&b)', conditions/comparisons are not allowed in a "
               "property list at position 11");
    CHECK_FAIL("foo(a)", 500, "SyntaxViolation", "unknown query function call foo at position 6");
    CHECK_FAIL("group-by(a)", 500, "SyntaxViolation",
               "group by is not implemented yet at position 11");
    CHECK_FAIL("a{b}&c.d=1", 400, "TypeError",
               "Unable to parse query, e.push is not a function at position 4 in 'a{b}&c.d=1', "
               "property sets are not allowed in a queries at position 2");
}

TEST(query_url_sort_and_limit)
{
    CHECK_TREE("sort(-brand.name,+rating,price)&limit(10,30)",
               "{\"conditions\":" EMPTY_AND ",\"sort\":["
               "{\"attribute\":[\"brand\",\"name\"],\"descending\":true},"
               "{\"attribute\":\"rating\",\"descending\":false},"
               "{\"attribute\":\"price\",\"descending\":false}],\"offset\":10,\"limit\":20}");
    CHECK_TREE("limit(5)", "{\"conditions\":" EMPTY_AND ",\"limit\":5}");
    CHECK_TREE("limit(x)", "{\"conditions\":" EMPTY_AND ",\"limit\":\"NaN\"}");
    CHECK_FAIL("limit()", 500, "SyntaxViolation",
               "limit must have 1 or 2 arguments at position 7");
    CHECK_FAIL("limit(1,2,3)", 500, "SyntaxViolation",
               "limit must have 1 or 2 arguments at position 12");
    CHECK_FAIL("sort()", 500, "SyntaxViolation", "Unknown sort type undefined at position 6");
}

TEST(query_url_typed_values)
{
    CHECK_TREE("a==null", one("{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":null,"
                              "\"autocast\":true}"));
    CHECK_TREE("a==number:5", one("{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":"
                                  "{\"number\":5},\"autocast\":true}"));
    CHECK_TREE("a==number:$zz", one("{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":"
                                    "{\"number\":1295},\"autocast\":true}"));
    CHECK_TREE("a==boolean:true", one("{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":"
                                      "{\"boolean\":true},\"autocast\":true}"));
    CHECK_TREE("a==boolean:yes", one("{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":"
                                     "{\"boolean\":false},\"autocast\":true}"));
    CHECK_TREE("a==string:5%20x", one("{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":"
                                      "{\"string\":\"5 x\"},\"autocast\":true}"));
    CHECK_TREE("a==date:86400000", one("{\"attribute\":\"a\",\"comparator\":\"eq\",\"value\":"
                                       "{\"date\":86400000,\"text\":\"86400000\"},"
                                       "\"autocast\":true}"));
    CHECK_TREE("t=gt=date:2017-03-08T09%3A30%3A00Z",
               one("{\"attribute\":\"t\",\"comparator\":\"gt\",\"value\":{\"date\":"
                   "1488965400000,\"text\":\"2017-03-08T09:30:00Z\"},\"autocast\":true}"));
    /* strict values are never typed */
    CHECK_TREE("a=null.", one("{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":"
                              "\"null.\"}"));
    CHECK_TREE("a===number:5", one("{\"attribute\":\"a\",\"comparator\":\"equals\",\"value\":"
                                   "\"number:5\"}"));
    CHECK_FAIL("t=gt=2017-03-08T09:30:00Z", 400, "ClientError",
               "Unable to parse query, Unknown type 2017-03-08T09 at position 25 in "
               "'t=gt=2017-03-08T09:30:00Z'");
    CHECK_FAIL("a==x:1&b=(", 400, "ClientError",
               "Unable to parse query, Unknown type x at position 7 in 'a==x:1&b=('");
}

TEST(query_url_percent_decoding)
{
    CHECK_TREE("name==J%C3%BCrgen%20%E2%82%AC",
               one("{\"attribute\":\"name\",\"comparator\":\"eq\",\"value\":{\"text\":"
                   "\"J\xC3\xBCrgen \xE2\x82\xAC\"},\"autocast\":true}"));
    CHECK_TREE("name==\xC3\xA9t\xC3\xA9",
               one("{\"attribute\":\"name\",\"comparator\":\"eq\",\"value\":{\"text\":"
                   "\"\xC3\xA9t\xC3\xA9\"},\"autocast\":true}"));
    CHECK_FAIL("a==%zz", 400, "URIError",
               "Unable to parse query, URI malformed at position 6 in 'a==%zz'");
    CHECK_FAIL("a==b%", 400, "URIError",
               "Unable to parse query, URI malformed at position 5 in 'a==b%'");
    CHECK_FAIL("a==%C3%28", 400, "URIError",
               "Unable to parse query, URI malformed at position 9 in 'a==%C3%28'");
    CHECK_FAIL("a.%E0%80%80=1", 400, "URIError",
               "Unable to parse query, URI malformed at position 12 in 'a.%E0%80%80=1'");
    CHECK_FAIL("a==%00", 400, "URIError",
               "Unable to parse query, URI malformed at position 6 in 'a==%00'");
    /* grammar errors recorded before the exception follow its message */
    CHECK_FAIL("(&d==%zz", 400, "URIError",
               "Unable to parse query, URI malformed at position 8 in '(&d==%zz', expected ')', "
               "but encountered '&'} at position 2, no comparison specified before '&' at "
               "position 2");
}

TEST(query_url_raw_bytes_are_checked)
{
    harper__qurl *q = NULL;
    harper__qurl_error err;

    CHECK_EQ_INT(harper__qurl_parse("a=b\0c", 5, &q, &err), -1);
    CHECK_EQ_STR(err.message, "Unable to parse query, URI malformed at position 3 in 'a=b'");
    CHECK_EQ_INT(harper__qurl_parse("a=\xFF", 3, &q, &err), -1);
    CHECK_EQ_INT(err.status, 400);
    CHECK(q == NULL);
    /* not NUL-terminated: only len bytes are read */
    CHECK_EQ_INT(harper__qurl_parse("a==1XXXX", 4, &q, NULL), 0);
    CHECK_EQ_STR(q->root.kids[0].value.text, "1");
    harper__qurl_free(q);
}

TEST(query_url_question_mark_stops_the_parse)
{
    /* Harper loops for ever here; we answer 400 */
    CHECK_FAIL("(a?b=1)", 400, "ClientError",
               "Unable to parse query, unexpected character '?' at position 2 in '(a?b=1)', "
               "expected ')', but encountered end of string} at position 2, no comparison "
               "specified before end of string at position 2");
}

TEST(query_url_autocast)
{
    static const struct {
        const char *text;
        const char *want;
        bool is_date;
    } rows[] = {
        {"true", "true", false},       {"TRUE", "true", false},     {"False", "\"False\"", false},
        {"null", "null", false},       {"undefined", "null", false}, {"42", "42", false},
        {"-1.5", "-1.5", false},       {"0", "0", false},           {"0.5", "0.5", false},
        {"01", "\"01\"", false},       {"1e3", "\"1e3\"", false},   {"0x1F", "\"0x1F\"", false},
        {" 7 ", "7", false},           {"", "\"\"", false},         {"abc", "\"abc\"", false},
        {"Infinity", "\"Infinity\"", false},
        {"2024-01-02T03:04:05Z", "1704164645000", true},
        {"2024-01-02T03:04:05.123+01:00", "1704161045123", true},
        {"2021-02-30T00:00Z", "1614643200000", true},
        {"2024-01-02", "\"2024-01-02\"", false},
    };

    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        bool is_date = !rows[k].is_date;
        cJSON *v = harper__qurl_autocast(rows[k].text, strlen(rows[k].text), &is_date);
        char *printed;

        CHECK(v != NULL);
        printed = cJSON_PrintUnformatted(v);
        CHECK(printed != NULL);
        if (strcmp(printed, rows[k].want) != 0 || is_date != rows[k].is_date)
            test_fail(__FILE__, __LINE__, "autocast(\"%s\") = %s (date %d), want %s",
                      rows[k].text, printed, is_date, rows[k].want);
        free(printed);
        cJSON_Delete(v);
    }
    {
        cJSON *v = harper__qurl_autocast("NaN", 3, NULL);

        CHECK(v != NULL && cJSON_IsNumber(v) && isnan(v->valuedouble));
        cJSON_Delete(v);
        v = harper__qurl_autocast("2024-13-01T00:00Z", 17, NULL);
        CHECK(v != NULL && cJSON_IsNumber(v) && isnan(v->valuedouble));
        cJSON_Delete(v);
    }
}

TEST(query_url_js_number)
{
    CHECK(harper__qurl_js_number("", 0) == 0);
    CHECK(harper__qurl_js_number(" 12.5e1 ", 8) == 125);
    CHECK(harper__qurl_js_number("0x10", 4) == 16);
    CHECK(harper__qurl_js_number("-Infinity", 9) == -INFINITY);
    CHECK(isnan(harper__qurl_js_number("1,5", 3)));
    CHECK(isnan(harper__qurl_js_number("-0x10", 5)));
    CHECK(isnan(harper__qurl_js_number(".", 1)));
}
