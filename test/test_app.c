/* test_app.c: server/app.c and app_files.c: which config file wins, Harper's default config,
 * rest options, schema and resource files listed through nested folders with `**`, static
 * entries and their options, plugin errors in Harper's words (a `..` urlPath, bad `files`),
 * malformed config files, links leaving the folder, and the components root listing. */
#include "test.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

static app *load_ok(const char *rel)
{
    char err[512] = "";
    app *a = NULL;

    if (app_load(test_path(rel), &a, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "app_load(%s) failed: %s", rel, err);
    return a;
}

static void load_fails(const char *rel, const char *want_suffix)
{
    char err[512] = "";
    app *a = (app *)1;
    size_t n;

    CHECK_EQ_INT(app_load(test_path(rel), &a, err, sizeof err), -1);
    CHECK(a == NULL);
    n = strlen(err);
    if (n < strlen(want_suffix) || strcmp(err + n - strlen(want_suffix), want_suffix) != 0)
        test_fail(__FILE__, __LINE__, "error \"%s\" does not end with \"%s\"", err, want_suffix);
}

/* The list as "a,b,c". */
static const char *joined(char **list, size_t n)
{
    static char text[4096];
    size_t len = 0;

    text[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", i > 0 ? "," : "", list[i]);
    return text;
}

TEST(app_default_config_when_there_is_none)
{
    app *a;

    test_write_file("my-app/schema.graphql", "type Dog @table { id: ID @primaryKey }\n");
    test_write_file("my-app/other.graphql", "type Cat @table { id: ID @primaryKey }\n");
    test_write_file("my-app/sub/nested.graphql", "");
    test_write_file("my-app/resources.js", "export class Greeting {}\n");
    test_write_file("my-app/web/index.html", "<h1>hi</h1>\n");
    a = load_ok("my-app/");
    CHECK_EQ_STR(a->name, "my-app");
    CHECK(a->config_file == NULL);
    CHECK(a->rest);
    CHECK(a->rest_web_socket);
    CHECK(!a->rest_last_modified);
    /* *.graphql stays at the top: sub/nested.graphql is not listed */
    CHECK_EQ_STR(joined(a->schema_files, a->n_schema_files), "other.graphql,schema.graphql");
    CHECK_EQ_STR(joined(a->js_files, a->n_js_files), "resources.js");
    CHECK_EQ_STR(a->js_url_path, "/");
    CHECK_EQ_INT(a->n_statics, 1);
    CHECK_EQ_STR(a->statics[0].files.patterns[0], "web/**");
    CHECK_EQ_STR(a->statics[0].files.bases[0], "web");
    CHECK_EQ_STR(a->statics[0].url_path, "/");
    CHECK(a->statics[0].index);
    CHECK(a->statics[0].fallthrough);
    CHECK_EQ_INT(a->n_errors, 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(a->config, "fastifyRoutes") != NULL);
    app_free(a);
}

TEST(app_config_file_replaces_the_default)
{
    app *a;

    test_write_file("a/config.yaml", "graphqlSchema:\n  files: 'schemas/**/*.graphql'\n"
                         "customThing:\n  anything: 1\n");
    test_write_file("a/schema.graphql", "");
    test_write_file("a/schemas/v1/dogs/dog.graphql", "");
    test_write_file("a/schemas/v1/cat.graphql", "");
    test_write_file("a/schemas/top.graphql", "");
    test_write_file("a/schemas/.hidden/x.graphql", "");
    test_write_file("a/schemas/notes.txt", "");
    test_write_file("a/web/index.html", "");
    a = load_ok("a");
    CHECK(a->config_file != NULL);
    CHECK_EQ_STR(a->config_file + strlen(a->config_file) - 11, "config.yaml");
    CHECK(!a->rest);                /* not in the file: off, no merge with the default */
    CHECK_EQ_INT(a->n_statics, 0);
    CHECK_EQ_INT(a->n_js_files, 0);
    CHECK_EQ_STR(joined(a->schema_files, a->n_schema_files),
                 "schemas/top.graphql,schemas/v1/cat.graphql,schemas/v1/dogs/dog.graphql");
    /* unknown keys are kept for others, and ignored here */
    CHECK(cJSON_GetObjectItemCaseSensitive(a->config, "customThing") != NULL);
    CHECK_EQ_INT(a->n_errors, 0);
    app_free(a);
}

TEST(app_harperdb_config_wins_over_config)
{
    app *a;

    test_write_file("b/harperdb-config.yaml", "rest:\n  lastModified: true\n  webSocket: false\n");
    test_write_file("b/config.yaml", "static:\n  files: 'web/**'\n");
    a = load_ok("b");
    CHECK_EQ_STR(a->config_file + strlen(a->config_file) - 20, "harperdb-config.yaml");
    CHECK(a->rest);
    CHECK(a->rest_last_modified);
    CHECK(!a->rest_web_socket);
    CHECK_EQ_INT(a->n_statics, 0);
    app_free(a);
}

TEST(app_falsy_plugins_are_skipped)
{
    app *a;

    test_write_file("c/config.yaml", "rest: false\nstatic: null\ngraphqlSchema: ''\njsResource: 0\n");
    test_write_file("c/resources.js", "");
    a = load_ok("c");
    CHECK(!a->rest);
    CHECK_EQ_INT(a->n_statics, 0);
    CHECK_EQ_INT(a->n_js_files, 0);
    CHECK_EQ_INT(a->n_errors, 0);
    app_free(a);

    test_write_file("empty/config.yaml", "# nothing yet\n");
    a = load_ok("empty");
    CHECK(!a->rest);
    CHECK(cJSON_IsObject(a->config));
    app_free(a);
}

TEST(app_static_options)
{
    app *a;
    const app_static *s;

    test_write_file("d/config.yaml",
        "static:\n"
        "  files: ['site/**', '!site/private/**']\n"
        "  urlPath: ./assets\n"
        "  index: false\n"
        "  extensions: [html, htm]\n"
        "  fallthrough: false\n"
        "  notFound: { file: site/index.html, statusCode: 200 }\n"
        "jsResource:\n  files: 'lib/*.js'\n  urlPath: api\n");
    test_write_file("d/lib/b.js", "");
    test_write_file("d/lib/a.js", "");
    test_write_file("d/lib/deep/c.js", "");
    a = load_ok("d");
    CHECK_EQ_INT(a->n_statics, 1);
    s = &a->statics[0];
    CHECK_EQ_INT(s->files.n_patterns, 1);
    CHECK_EQ_INT(s->files.n_ignore, 1);
    CHECK_EQ_STR(s->url_path, "/d/assets/");
    CHECK(!s->index);
    CHECK(!s->fallthrough);
    CHECK_EQ_STR(joined(s->extensions, s->n_extensions), "html,htm");
    CHECK_EQ_STR(s->not_found, "site/index.html");
    CHECK_EQ_INT(s->not_found_status, 200);
    CHECK_EQ_STR(joined(a->js_files, a->n_js_files), "lib/a.js,lib/b.js");
    CHECK_EQ_STR(a->js_url_path, "/api/");
    app_free(a);

    test_write_file("e/config.yaml", "static:\n  files: 'public/**'\n  notFound: public/404.html\n");
    a = load_ok("e");
    CHECK_EQ_STR(a->statics[0].not_found, "public/404.html");
    CHECK_EQ_INT(a->statics[0].not_found_status, 404);
    app_free(a);

    /* a bare pattern is the files option itself */
    test_write_file("f/config.yaml", "static: 'pub/*.html'\n");
    a = load_ok("f");
    CHECK_EQ_STR(a->statics[0].files.patterns[0], "pub/*.html");
    CHECK_EQ_STR(a->statics[0].files.bases[0], "pub");
    app_free(a);
}

TEST(app_url_path_forms)
{
    char err[256] = "";
    char *p = NULL;
    static const char *const cases[][2] = {
        {"", "/"},          {"/", "/"},           {"static", "/static/"},
        {"/static/", "/static/"}, {"v1/static", "/v1/static/"}, {"./static", "/app/static/"},
        {".", "/app/"},     {"./", "/app/"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_EQ_INT(app_url_path("app", cases[i][0], &p, err, sizeof err), 0);
        CHECK_EQ_STR(p, cases[i][1]);
        free(p);
    }
    CHECK_EQ_INT(app_url_path("app", NULL, &p, err, sizeof err), 0);
    CHECK_EQ_STR(p, "/");
    free(p);
    CHECK_EQ_INT(app_url_path("app", "../up", &p, err, sizeof err), -1);
    CHECK(p == NULL);
    CHECK_EQ_STR(err, "urlPath must not contain '..'. Received: '../up'");
}

TEST(app_plugin_errors_leave_the_rest_loaded)
{
    app *a;

    test_write_file("g/config.yaml",
        "rest: true\n"
        "static:\n  files: 'web/**'\n  urlPath: '../escape'\n"
        "jsResource:\n  files: '../outside/*.js'\n"
        "graphqlSchema: true\n");
    a = load_ok("g");
    CHECK(a->rest);
    CHECK_EQ_INT(a->n_statics, 0);
    CHECK_EQ_INT(a->n_errors, 3);
    CHECK_EQ_STR(a->errors[0].key, "static");
    CHECK_EQ_STR(a->errors[0].message,
                 "Could not load component 'static' for application 'g' due to: "
                 "urlPath must not contain '..'. Received: '../escape'");
    CHECK_EQ_STR(a->errors[1].message,
                 "Could not load component 'jsResource' for application 'g' due to: "
                 "Component jsResource (from g) 'files' glob pattern must not contain '..'. "
                 "Received: '../outside/*.js'");
    CHECK_EQ_STR(a->errors[2].message,
                 "Could not load component 'graphqlSchema' for application 'g' due to: "
                 "Component graphqlSchema (from g) 'files' option must be a non-empty string, "
                 "an array of non-empty strings, or an object.");
    app_free(a);
}

/* The static plugin's option errors, each alone. */
static void static_error(const char *yaml_options, const char *want)
{
    char text[512];
    char full[1024];
    app *a;

    snprintf(text, sizeof text, "static:\n  files: 'web/**'\n%s", yaml_options);
    test_write_file("h/config.yaml", text);
    a = load_ok("h");
    CHECK_EQ_INT(a->n_errors, 1);
    CHECK_EQ_INT(a->n_statics, 0);
    snprintf(full, sizeof full,
             "Could not load component 'static' for application 'h' due to: %s", want);
    CHECK_EQ_STR(a->errors[0].message, full);
    app_free(a);
}

TEST(app_static_option_errors)
{
    static_error("  fallthrough: 'no'\n", "Invalid fallthrough option: no. Must be a boolean.");
    static_error("  index: 1\n", "Invalid index option: 1. Must be a boolean.");
    static_error("  extensions: html\n",
                 "Invalid extensions option: html. Must be an array of strings.");
    static_error("  extensions: [html, 5]\n",
                 "Invalid extensions option: html,5. Must be an array of strings.");
    static_error("  notFound: 404\n", "Invalid notFound option: 404. Must be a string or an "
                                      "object with file and statusCode properties.");
    static_error("  notFound: {statusCode: 200}\n",
                 "Invalid `notFound.file` option: undefined. Must be a string.");
    static_error("  notFound: {file: x.html, statusCode: '200'}\n",
                 "Invalid `notFound.statusCode` option: 200. Must be a number.");
    static_error("  urlPath: 7\n",
                 "'urlPath' option must be a non-empty string that must not contain '..'.");

    test_write_file("h/config.yaml", "static:\n  files: '/web/**'\n");
    {
        app *a = load_ok("h");

        CHECK_EQ_INT(a->n_errors, 1);
        CHECK_EQ_STR(a->errors[0].message,
                     "Could not load component 'static' for application 'h' due to: Config "
                     "'files' option glob pattern must not contain '..' or start with '/'. "
                     "Received: '/web/**'");
        app_free(a);
    }
    test_write_file("h/config.yaml", "static:\n  files: {source: 'web/**', only: some}\n");
    {
        app *a = load_ok("h");

        CHECK_EQ_STR(a->errors[0].message,
                     "Could not load component 'static' for application 'h' due to: "
                     "'files.only' option must be one of 'all', 'files', or 'directories'.");
        app_free(a);
    }
}

TEST(app_files_object_with_ignore_and_old_style_slash)
{
    app *a;

    test_write_file("i/config.yaml",
        "graphqlSchema:\n  files:\n    source: ['/*.graphql', 'more/**/*.graphql']\n"
        "    ignore: 'more/old/**'\n");
    test_write_file("i/a.graphql", "");
    test_write_file("i/more/b.graphql", "");
    test_write_file("i/more/old/c.graphql", "");
    a = load_ok("i");
    CHECK_EQ_INT(a->n_errors, 0);
    CHECK_EQ_STR(joined(a->schema_files, a->n_schema_files), "a.graphql,more/b.graphql");
    app_free(a);
}

TEST(app_links_leaving_the_folder_are_not_listed)
{
    app *a;

    test_write_file("outside/secret.graphql", "");
    test_write_file("outside/dir/x.graphql", "");
    test_write_file("j/config.yaml", "graphqlSchema:\n  files: '**/*.graphql'\n");
    test_write_file("j/own.graphql", "");
    test_write_file("j/inner/real.graphql", "");
    CHECK(symlink(test_path("outside/secret.graphql"), test_path("j/leak.graphql")) == 0);
    CHECK(symlink(test_path("outside/dir"), test_path("j/leakdir")) == 0);
    CHECK(symlink("real.graphql", test_path("j/inner/alias.graphql")) == 0);
    a = load_ok("j");
    CHECK_EQ_STR(joined(a->schema_files, a->n_schema_files),
                 "inner/alias.graphql,inner/real.graphql,own.graphql");
    app_free(a);
}

TEST(app_malformed_config_names_the_file_and_line)
{
    test_write_file("k/config.yaml", "rest: true\nstatic:\n  files: [web\n  urlPath: x\n");
    load_fails("k", "line 4, column 10");
    {
        char err[512] = "";
        app *a = NULL;

        CHECK_EQ_INT(app_load(test_path("k"), &a, err, sizeof err), -1);
        CHECK(strstr(err, "/k/config.yaml: ") != NULL);
    }
    test_write_file("l/config.yaml", "- rest\n- static\n");
    load_fails("l", "/l/config.yaml: the configuration must be a mapping");
    test_write_file("m/harperdb-config.yaml", "a: 1\na: 2\n");
    load_fails("m", "/m/harperdb-config.yaml: duplicate key \"a\" at line 2, column 1");
    load_fails("missing", "/missing does not exist");
    test_write_file("plain-file", "x");
    load_fails("plain-file", "/plain-file is not a folder");
}

TEST(app_list_components_sorted_folders_and_links)
{
    char err[256] = "";
    char **names = NULL;
    size_t n = 0;

    test_write_file("root/components/zeta/config.yaml", "rest: true\n");
    test_write_file("root/components/alpha/resources.js", "");
    test_write_file("root/components/Beta/x", "");
    test_write_file("root/components/.hidden/x", "");
    test_write_file("root/components/node_modules/x/y", "");
    test_write_file("root/components/file.txt", "");
    test_write_file("elsewhere/app/x", "");
    CHECK(symlink(test_path("elsewhere/app"), test_path("root/components/linked")) == 0);
    CHECK(symlink(test_path("root/components/file.txt"), test_path("root/components/filelink")) == 0);
    CHECK(symlink(test_path("nowhere"), test_path("root/components/dangling")) == 0);
    CHECK_EQ_INT(app_list_components(test_path("root/components"), &names, &n, err, sizeof err), 0);
    CHECK_EQ_STR(joined(names, n), "Beta,alpha,linked,zeta");
    app_names_free(names, n);

    CHECK_EQ_INT(app_list_components(test_path("root/none"), &names, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK(names == NULL);
}
