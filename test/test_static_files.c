/* test_static_files.c: server/static_files.c on real folders: URL to file through the base
 * folder and urlPath, index.html and the 301, extensions, fallthrough and notFound, what
 * names no file (traversal, NUL, encoded slashes, dot files, links leaving the folder),
 * Content-Type, ETag and Last-Modified, 304, 412, ranges, and the date parser. */
#include "test.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "app.h"
#include "static_files.h"

/* Sets a file's modification time to `seconds` + `ms` milliseconds. */
static void touch(const char *rel, long seconds, long ms)
{
    struct timeval tv[2] = {{seconds, ms * 1000}, {seconds, ms * 1000}};

    CHECK(utimes(test_path(rel), tv) == 0);
}

static app *load(const char *rel)
{
    char err[512] = "";
    app *a = NULL;

    if (app_load(test_path(rel), &a, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "app_load failed: %s", err);
    CHECK_EQ_INT(a->n_errors, 0);
    return a;
}

static static_files_result res;

/* GET `path` with no conditional headers. */
static static_files_action get(const app *a, const char *path)
{
    static_files_request req = {"GET", path, NULL, NULL, NULL, NULL, NULL, NULL, NULL};

    return static_files_resolve(a, &req, &res);
}

/* The served file's path relative to the test folder. */
static const char *served(void)
{
    char real[4096];
    size_t n;

    CHECK(realpath(test_dir(), real) != NULL);
    n = strlen(real);
    CHECK(strncmp(res.path, real, n) == 0);
    return res.path + n + 1;
}

#define CHECK_SERVES(a, url, file)                                                           \
    do {                                                                                     \
        CHECK_EQ_INT(get(a, url), STATIC_FILES_SEND);                                        \
        CHECK_EQ_INT(res.status, 200);                                                       \
        CHECK_EQ_STR(served(), file);                                                        \
    } while (0)
#define CHECK_NEXT(a, url) CHECK_EQ_INT(get(a, url), STATIC_FILES_NEXT)

/* The default app: web/ with an index, css and js in folders, several types. */
static app *web_app(void)
{
    test_write_file("site/web/index.html", "<h1>home</h1>\n");
    test_write_file("site/web/about.html", "about\n");
    test_write_file("site/web/css/site.css", "body{}\n");
    test_write_file("site/web/js/app.mjs", "export {}\n");
    test_write_file("site/web/docs/index.html", "docs\n");
    test_write_file("site/web/img/logo.PNG", "png");
    test_write_file("site/web/data.json", "{}");
    test_write_file("site/web/a b.txt", "spaced");
    test_write_file("site/web/.env", "SECRET=1");
    test_write_file("site/web/.git/config", "x");
    test_write_file("site/web/noext", "raw");
    test_write_file("site/secret.txt", "not under web");
    test_write_file("outside.txt", "outside the app");
    CHECK(symlink(test_path("outside.txt"), test_path("site/web/leak.txt")) == 0);
    CHECK(symlink("../secret.txt", test_path("site/web/inside-link.txt")) == 0);
    return load("site");
}

TEST(static_files_urls_map_to_the_base_folder)
{
    app *a = web_app();

    CHECK_SERVES(a, "/about.html", "site/web/about.html");
    CHECK_SERVES(a, "/css/site.css", "site/web/css/site.css");
    CHECK_EQ_STR(res.content_type, "text/css; charset=utf-8");
    CHECK_EQ_INT(res.size, 7);
    CHECK_EQ_INT(res.offset, 0);
    CHECK_EQ_INT(res.length, 7);
    CHECK_SERVES(a, "/js/app.mjs?v=3", "site/web/js/app.mjs");
    CHECK_EQ_STR(res.content_type, "text/javascript; charset=utf-8");
    CHECK_SERVES(a, "/img/logo.PNG", "site/web/img/logo.PNG");
    CHECK_EQ_STR(res.content_type, "image/png");
    CHECK_SERVES(a, "/data.json", "site/web/data.json");
    CHECK_EQ_STR(res.content_type, "application/json; charset=utf-8");
    CHECK_SERVES(a, "/a%20b.txt", "site/web/a b.txt");
    CHECK_SERVES(a, "/noext", "site/web/noext");
    CHECK_EQ_STR(res.content_type, "application/octet-stream");
    CHECK_NEXT(a, "/web/about.html");       /* the base folder is not in the URL */
    CHECK_NEXT(a, "/missing.html");
    CHECK_NEXT(a, "/About.html");           /* case-sensitive */
    app_free(a);
}

TEST(static_files_index_and_redirect)
{
    app *a = web_app();

    CHECK_SERVES(a, "/", "site/web/index.html");
    CHECK_EQ_STR(res.content_type, "text/html; charset=utf-8");
    CHECK_SERVES(a, "/docs/", "site/web/docs/index.html");
    CHECK_EQ_INT(get(a, "/docs"), STATIC_FILES_REDIRECT);
    CHECK_EQ_INT(res.status, 301);
    CHECK_EQ_STR(res.location, "/docs/");
    CHECK_EQ_INT(get(a, "/docs?x=1"), STATIC_FILES_REDIRECT);
    CHECK_EQ_STR(res.location, "/docs/");
    CHECK_NEXT(a, "/css/");                 /* a folder without index.html */
    CHECK_NEXT(a, "/css");
    CHECK_SERVES(a, "/index.html", "site/web/index.html");
    app_free(a);

    test_write_file("site/config.yaml", "static:\n  files: 'web/**'\n  index: false\n");
    a = load("site");
    CHECK_NEXT(a, "/");
    CHECK_NEXT(a, "/docs");
    CHECK_SERVES(a, "/docs/index.html", "site/web/docs/index.html");
    app_free(a);
}

TEST(static_files_url_path_and_extensions)
{
    app *a;

    test_write_file("blog/config.yaml", "static:\n  files: 'public/**'\n  urlPath: ./pages\n"
                            "  extensions: [html, htm]\n");
    test_write_file("blog/public/index.html", "i");
    test_write_file("blog/public/post.htm", "p");
    test_write_file("blog/public/post.txt", "t");
    a = load("blog");
    CHECK_SERVES(a, "/blog/pages/post.txt", "blog/public/post.txt");
    CHECK_SERVES(a, "/blog/pages/post", "blog/public/post.htm");
    CHECK_SERVES(a, "/blog/pages/", "blog/public/index.html");
    CHECK_EQ_INT(get(a, "/blog/pages"), STATIC_FILES_REDIRECT);
    CHECK_EQ_STR(res.location, "/blog/pages/");
    CHECK_NEXT(a, "/post.txt");
    CHECK_NEXT(a, "/blog/post.txt");
    app_free(a);
}

TEST(static_files_fallthrough_and_not_found)
{
    app *a;

    test_write_file("spa/config.yaml", "static:\n  files: 'web/**'\n  fallthrough: false\n");
    test_write_file("spa/web/index.html", "app");
    test_write_file("spa/web/404.html", "gone");
    a = load("spa");
    CHECK_EQ_INT(get(a, "/nothing"), STATIC_FILES_ERROR);
    CHECK_EQ_INT(res.status, 404);
    CHECK_EQ_STR(res.body, "File not found");
    CHECK(res.content_type == NULL);
    CHECK_EQ_INT(get(a, "/../etc/passwd"), STATIC_FILES_ERROR);
    CHECK_EQ_INT(res.status, 404);
    app_free(a);

    test_write_file("spa/config.yaml", "static:\n  files: 'web/**'\n  fallthrough: false\n"
                           "  notFound: web/404.html\n");
    a = load("spa");
    CHECK_EQ_INT(get(a, "/nothing"), STATIC_FILES_SEND);
    CHECK_EQ_INT(res.status, 404);
    CHECK_EQ_STR(served(), "spa/web/404.html");
    app_free(a);

    test_write_file("spa/config.yaml", "static:\n  files: 'web/**'\n  fallthrough: false\n"
                           "  notFound: {file: web/index.html, statusCode: 200}\n");
    a = load("spa");
    CHECK_EQ_INT(get(a, "/deep/route"), STATIC_FILES_SEND);
    CHECK_EQ_INT(res.status, 200);
    CHECK_EQ_STR(served(), "spa/web/index.html");
    app_free(a);

    test_write_file("spa/config.yaml", "static:\n  files: 'web/**'\n  fallthrough: false\n"
                           "  notFound: web/none.html\n");
    a = load("spa");
    CHECK_EQ_INT(get(a, "/x"), STATIC_FILES_ERROR);
    CHECK_EQ_INT(res.status, 500);
    CHECK(strncmp(res.body, "Not found file does not exist: ", 31) == 0);
    app_free(a);

    test_write_file("outside.html", "no");
    test_write_file("spa/config.yaml", "static:\n  files: 'web/**'\n  fallthrough: false\n"
                           "  notFound: ../outside.html\n");
    a = load("spa");
    CHECK_EQ_INT(get(a, "/x"), STATIC_FILES_ERROR);
    CHECK_EQ_INT(res.status, 500);
    app_free(a);
}

TEST(static_files_names_no_file_for_hostile_paths)
{
    app *a = web_app();
    static_files_request head = {"HEAD", "/about.html", NULL, NULL, NULL, NULL, NULL, NULL,
                                 NULL};

    CHECK_NEXT(a, "/../secret.txt");
    CHECK_NEXT(a, "/%2e%2e/secret.txt");
    CHECK_NEXT(a, "/css/../about.html");
    CHECK_NEXT(a, "/./about.html");
    CHECK_NEXT(a, "//about.html");
    CHECK_NEXT(a, "/css%2fsite.css");
    CHECK_NEXT(a, "/about.html%00.png");
    CHECK_NEXT(a, "/about%zz.html");
    CHECK_NEXT(a, "/about.html%");
    CHECK_NEXT(a, "about.html");
    CHECK_NEXT(a, "");
    CHECK_NEXT(a, "/.env");                 /* dot files: the pattern does not match them */
    CHECK_NEXT(a, "/.git/config");
    CHECK_NEXT(a, "/leak.txt");             /* a link out of the app folder */
    CHECK_SERVES(a, "/inside-link.txt", "site/secret.txt");   /* a link within it */
    CHECK_NEXT(a, "/secret.txt");
    CHECK_EQ_INT(static_files_resolve(a, &head, &res), STATIC_FILES_NEXT);
    CHECK_EQ_INT(static_files_resolve(NULL, &head, &res), STATIC_FILES_NEXT);
    app_free(a);
}

TEST(static_files_etag_last_modified_and_304)
{
    app *a = web_app();
    static_files_request req = {"GET", "/about.html", NULL, NULL, NULL, NULL, NULL, NULL, NULL};

    touch("site/web/about.html", 784111777, 123);  /* Sun, 06 Nov 1994 08:49:37.123 */
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_SEND);
    CHECK_EQ_STR(res.etag, "W/\"6-b690b43563\"");   /* 6 bytes, 784111777123 ms in hex */
    CHECK_EQ_STR(res.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK_EQ_INT(res.mtime_ms, 784111777123LL);

    req.if_none_match = "W/\"6-b690b43563\"";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_NOT_MODIFIED);
    CHECK_EQ_INT(res.status, 304);
    CHECK(res.content_type == NULL);
    req.if_none_match = "\"other\", \"6-b690b43563\"";     /* weak comparison, in a list */
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_NOT_MODIFIED);
    req.if_none_match = "*";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_NOT_MODIFIED);
    req.cache_control = "max-age=0, no-cache";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_SEND);
    req.cache_control = NULL;
    /* If-None-Match wins over If-Modified-Since */
    req.if_none_match = "\"nope\"";
    req.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_SEND);
    req.if_none_match = NULL;
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_NOT_MODIFIED);
    req.if_modified_since = "Sunday, 06-Nov-94 08:49:36 GMT";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_SEND);
    req.if_modified_since = "Sun Nov  6 08:49:38 1994";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_NOT_MODIFIED);
    req.if_modified_since = "yesterday";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_SEND);
    req.if_modified_since = NULL;

    req.if_match = "\"abc\"";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_ERROR);
    CHECK_EQ_INT(res.status, 412);
    CHECK(res.html);
    CHECK(strstr(res.body, "<pre>Precondition Failed</pre>") != NULL);
    req.if_match = "W/\"6-b690b43563\"";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_SEND);
    req.if_match = NULL;
    req.if_unmodified_since = "Sun, 06 Nov 1994 08:49:36 GMT";
    CHECK_EQ_INT(static_files_resolve(a, &req, &res), STATIC_FILES_ERROR);
    CHECK_EQ_INT(res.status, 412);
    app_free(a);
}

TEST(static_files_ranges)
{
    app *a;
    static_files_request req = {"GET", "/ten.txt", NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    static const struct {
        const char *range;
        int status;
        long offset;
        long length;
        const char *content_range;
    } cases[] = {
        {"bytes=0-3", 206, 0, 4, "bytes 0-3/10"},
        {"bytes=5-", 206, 5, 5, "bytes 5-9/10"},
        {"bytes=-3", 206, 7, 3, "bytes 7-9/10"},
        {"bytes=8-100", 206, 8, 2, "bytes 8-9/10"},
        {"bytes= 1 - 2 ", 206, 1, 2, "bytes 1-2/10"},
        {"bytes=0-1,2-3", 206, 0, 4, "bytes 0-3/10"},
        {"bytes=0-0,2-3", 200, 0, 10, ""},
        {"bytes=x-1", 200, 0, 10, ""},
        {"items=0-1", 200, 0, 10, ""},
        {"bytes=10-", 416, 0, 0, "bytes */10"},
        {"bytes=-20", 416, 0, 0, "bytes */10"},
        {"bytes=5-2", 416, 0, 0, "bytes */10"},
    };

    test_write_file("r/web/ten.txt", "0123456789");
    a = load("r");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        req.range = cases[i].range;
        static_files_resolve(a, &req, &res);
        if (res.status != cases[i].status)
            test_fail(__FILE__, __LINE__, "%s gave %d", cases[i].range, res.status);
        if (res.status != 416) {
            CHECK_EQ_INT(res.offset, cases[i].offset);
            CHECK_EQ_INT(res.length, cases[i].length);
        }
        CHECK_EQ_STR(res.content_range, cases[i].content_range);
    }
    req.range = "bytes=0-3";
    req.if_range = "\"stale\"";
    static_files_resolve(a, &req, &res);
    CHECK_EQ_INT(res.status, 200);
    app_free(a);
}

TEST(static_files_content_types)
{
    static const char *const cases[][2] = {
        {"a.html", "text/html; charset=utf-8"},   {"a.HTM", "text/html; charset=utf-8"},
        {"a.css", "text/css; charset=utf-8"},     {"a.js", "text/javascript; charset=utf-8"},
        {"a.svg", "image/svg+xml"},               {"a.jpeg", "image/jpeg"},
        {"a.jpg", "image/jpeg"},                  {"a.gif", "image/gif"},
        {"a.webp", "image/webp"},                 {"f.ico", "image/vnd.microsoft.icon"},
        {"a.txt", "text/plain; charset=utf-8"},   {"a.xml", "application/xml"},
        {"m.wasm", "application/wasm"},           {"f.woff", "font/woff"},
        {"f.woff2", "font/woff2"},                {"d.pdf", "application/pdf"},
        {"a.js.map", "application/json; charset=utf-8"},
        {"x.unknown", "application/octet-stream"}, {".bashrc", "application/octet-stream"},
        {"dir.d/noext", "application/octet-stream"}, {"trailing.", "application/octet-stream"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK_EQ_STR(static_files_content_type(cases[i][0]), cases[i][1]);
}

TEST(static_files_parse_dates)
{
    int64_t t = 0;

    CHECK(static_files_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    CHECK_EQ_INT(t, 784111777);
    CHECK(static_files_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t));
    CHECK_EQ_INT(t, 784111777);
    CHECK(static_files_parse_date("Sun Nov  6 08:49:37 1994", &t));
    CHECK_EQ_INT(t, 784111777);
    CHECK(!static_files_parse_date("Sun, 06 Nov 1994 25:49:37 GMT", &t));
    CHECK(!static_files_parse_date("Sun, 06 Foo 1994 08:49:37 GMT", &t));
    CHECK(!static_files_parse_date("", &t));
    CHECK(!static_files_parse_date(NULL, &t));
    CHECK(!static_files_parse_date("Sun,", &t));
}
