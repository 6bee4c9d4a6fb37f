/* test_glob.c: server/glob.c: each wildcard, `**` as a whole segment only, dot segments,
 * braces (nested, escaped, too many), classes, escapes, the base folder of a pattern, and
 * that hostile patterns stay fast. */
#include "test.h"

#include <stdbool.h>

#include "glob.h"

static bool matches_flags(const char *pattern, const char *path, int flags)
{
    char err[128] = "";
    glob *g = NULL;
    bool m;

    if (glob_compile(pattern, flags, &g, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "glob_compile(\"%s\") failed: %s", pattern, err);
    m = glob_match(g, path);
    glob_free(g);
    return m;
}

static bool matches(const char *pattern, const char *path)
{
    return matches_flags(pattern, path, 0);
}

#define YES(pattern, path)                                                                   \
    do {                                                                                     \
        if (!matches(pattern, path))                                                         \
            test_fail(__FILE__, __LINE__, "\"%s\" should match \"%s\"", pattern, path);      \
    } while (0)
#define NO(pattern, path)                                                                    \
    do {                                                                                     \
        if (matches(pattern, path))                                                          \
            test_fail(__FILE__, __LINE__, "\"%s\" should not match \"%s\"", pattern, path);  \
    } while (0)

static const char *base_of(const char *pattern)
{
    static char out[256];
    size_t len;
    const char *b = glob_base(pattern, &len);

    snprintf(out, sizeof out, "%.*s", (int)len, b);
    return out;
}

TEST(glob_star_stays_in_one_segment)
{
    YES("*.graphql", "schema.graphql");
    YES("*.graphql", "a.b.graphql");
    NO("*.graphql", "sub/schema.graphql");
    NO("*.graphql", "schema.graphqlx");
    YES("web/*.html", "web/index.html");
    NO("web/*.html", "web/a/index.html");
    YES("a*b*c", "axxbyyc");
    YES("a*b*c", "abc");
    NO("a*b*c", "acb");
    YES("*", "x");
    NO("*", "a/b");
    YES("a**", "abc");
    NO("a**", "ab/c");
    YES("a/**b", "a/xb");
    NO("a/**b", "a/x/yb");
}

TEST(glob_globstar_spans_segments)
{
    YES("web/**", "web");
    YES("web/**", "web/a");
    YES("web/**", "web/a/b/c.css");
    NO("web/**", "webx/a");
    NO("web/**", "other/web/a");
    YES("**/*.graphql", "a.graphql");
    YES("**/*.graphql", "x/y/a.graphql");
    YES("a/**/b", "a/b");
    YES("a/**/b", "a/x/y/b");
    NO("a/**/b", "a/x/y/c");
    YES("**", "a/b");
    YES("a/**/**/b", "a/b");
    YES("schemas/**/*.graphql", "schemas/v1/dogs/dog.graphql");
    NO("web/**/", "web/a");
}

TEST(glob_dot_segments_need_a_literal_dot)
{
    NO("web/**", "web/.env");
    NO("web/**", "web/.git/config");
    NO("web/**", "web/a/.hidden");
    NO("*", ".env");
    NO("?env", ".env");
    NO("[.]env", ".env");
    YES(".env", ".env");
    YES("web/.*", "web/.env");
    YES("web/.well-known/*", "web/.well-known/x");
    CHECK(matches_flags("web/**", "web/.git/config", GLOB_DOT));
    CHECK(matches_flags("*", ".env", GLOB_DOT));
}

TEST(glob_question_and_classes)
{
    YES("web/?.js", "web/a.js");
    NO("web/?.js", "web/ab.js");
    NO("web/?.js", "web/.js");
    YES("?", "\xc3\xa9");        /* one character, two bytes */
    NO("??", "\xc3\xa9");
    YES("[abc].js", "b.js");
    NO("[abc].js", "d.js");
    YES("[a-c][0-9]", "b7");
    NO("[a-c][0-9]", "d7");
    YES("[!a]x", "bx");
    NO("[!a]x", "ax");
    YES("[^a]x", "bx");
    YES("[]]", "]");
    YES("[a-]", "-");
    YES("x[", "x[");             /* not closed: literal */
    NO("a[/]b", "a/b");
}

TEST(glob_braces_and_escapes)
{
    YES("web/*.{js,css}", "web/a.js");
    YES("web/*.{js,css}", "web/a.css");
    NO("web/*.{js,css}", "web/a.html");
    YES("web/{a,{b,c}}", "web/c");
    YES("{web,static}/**", "static/x/y");
    YES("{a}", "{a}");           /* no comma: literal */
    YES("x{", "x{");
    YES("{a,b/c}/d", "b/c/d");
    YES("\\{a,b}", "{a,b}");
    NO("\\{a,b}", "a");
    YES("x\\*", "x*");
    NO("x\\*", "xy");
    YES("\\**", "*abc");
    YES("[{]a,b}", "{a,b}");     /* a brace in a class does not open a group */
    YES("{,x}y", "y");
    YES("{,x}y", "xy");
}

TEST(glob_errors_and_limits)
{
    char err[128] = "";
    char big[GLOB_MAX_PATTERN + 2];
    glob *g = (glob *)1;

    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_EQ_INT(glob_compile(big, 0, &g, err, sizeof err), -1);
    CHECK(g == NULL);
    CHECK_EQ_STR(err, "glob pattern is longer than 4096 bytes");

    /* 2^9 = 512 alternatives */
    CHECK_EQ_INT(glob_compile("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", 0, &g, err,
                              sizeof err), -1);
    CHECK_EQ_STR(err, "glob pattern has more than 256 alternatives");
    CHECK_EQ_INT(glob_compile("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", 0, &g, err,
                              sizeof err), 0);
    CHECK(glob_match(g, "abababab"));
    CHECK(!glob_match(g, "abababac"));
    glob_free(g);
    glob_free(NULL);
    CHECK(!glob_match(NULL, "a"));
}

TEST(glob_hostile_patterns_are_linear)
{
    char pattern[GLOB_MAX_PATTERN + 1];
    char path[8192];
    size_t n = 0;

    /* a*a*a*...*b against aaaa...: exponential for naive backtracking */
    for (int i = 0; i < 1000; i++) {
        pattern[n++] = 'a';
        pattern[n++] = '*';
    }
    pattern[n++] = 'b';
    pattern[n] = '\0';
    memset(path, 'a', 5000);
    path[5000] = '\0';
    CHECK(!matches(pattern, path));

    /* **\/a/ repeated against a deep path of a's */
    n = 0;
    for (int i = 0; i < 600; i++) {
        memcpy(pattern + n, "**/a/", 5);
        n += 5;
    }
    pattern[n++] = 'b';
    pattern[n] = '\0';
    for (int i = 0; i < 2000; i++) {
        path[2 * i] = 'a';
        path[2 * i + 1] = '/';
    }
    path[3999] = '\0';
    CHECK(!matches(pattern, path));
}

TEST(glob_base_is_the_literal_folder)
{
    CHECK_EQ_STR(base_of("web/**"), "web");
    CHECK_EQ_STR(base_of("*.graphql"), "");
    CHECK_EQ_STR(base_of("web/index.html"), "web/index.html");
    CHECK_EQ_STR(base_of("a/b{c,d}/e"), "a");
    CHECK_EQ_STR(base_of("a/[x]/e"), "a");
    CHECK_EQ_STR(base_of("./web/**"), "web");
    CHECK_EQ_STR(base_of("web/a?b/c"), "web");
    CHECK_EQ_STR(base_of("static/v1/**/*.css"), "static/v1");
    CHECK_EQ_STR(base_of("web/"), "web");
    CHECK_EQ_STR(base_of(""), "");
}
