/* app.h: an application is a folder (spec components.md sections 1 to 3). app_load reads its
 * config.yaml the way Harper's component loader does and gives what the server needs to
 * mount it: whether REST is on, the schema files to load, the JavaScript resource files, and
 * the static-file entries (served by static_files.c). Loading schemas, running JavaScript
 * and the other plugins (roles, loadEnv, dataLoader, packages) are left to their own modules,
 * which find their options in app.config.
 *
 * Errors come at two levels, as in Harper. A config file that cannot be read or parsed fails
 * the whole load. A plugin whose options are wrong (a `urlPath` with `..`, a `files` pattern
 * of the wrong type) fails alone: its message goes into app.errors, in Harper's words
 * ("Could not load component 'static' for application 'my-app' due to: ..."), and the rest of
 * the application loads. The caller logs each and answers requests on that plugin's URL
 * path with the error. */
#ifndef HARPER_SERVER_APP_H
#define HARPER_SERVER_APP_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "glob.h"

/* Most files app_load lists for one plugin, and deepest folder it walks: a runaway
 * pattern (`**` over a huge node_modules) stops there. */
#define APP_MAX_FILES 10000
#define APP_MAX_DEPTH 32

/* A `files` option: a string, an array of strings or {source, only, ignore}. */
typedef enum app_only { APP_ONLY_ALL, APP_ONLY_FILES, APP_ONLY_DIRECTORIES } app_only;

typedef struct app_files {
    char **patterns;        /* the sources, relative to the app folder, `..`-free */
    size_t n_patterns;
    glob **globs;           /* patterns[i] compiled */
    char **bases;           /* glob_base of patterns[i]: the folder URL paths count from */
    glob **ignore;          /* `ignore` patterns compiled (a source starting '!' lands here) */
    size_t n_ignore;
    app_only only;
} app_files;

/* One `static` entry (spec section 9). */
typedef struct app_static {
    app_files files;
    char *url_path;         /* Harper's resolved base URL path: starts and ends with '/' */
    bool index;             /* `/dir/` serves dir/index.html; default true (Harper's source) */
    char **extensions;      /* tried in order after a miss: `/about` -> `/about.html` */
    size_t n_extensions;
    bool fallthrough;       /* a miss goes to the next handler; default true */
    char *not_found;        /* with fallthrough off: the file served on a miss, relative to the
                             * app folder, or NULL for a plain 404 "File not found" */
    int not_found_status;   /* 404 for `notFound: path`; statusCode of the object form */
} app_static;

/* A plugin that failed to load. */
typedef struct app_error {
    char *key;              /* the config key: "static", "jsResource" */
    char *message;          /* Harper's text, ready for the log and the error response */
} app_error;

typedef struct app {
    char *name;             /* the folder's name */
    char *dir;              /* the folder as given to app_load */
    char *real_dir;         /* its real path: files served must stay under it */
    char *config_file;      /* the config file read, or NULL for Harper's default config */
    cJSON *config;          /* the whole config, unknown keys kept, in file order */

    bool rest;              /* `rest` is on */
    bool rest_last_modified;        /* rest.lastModified, default false */
    bool rest_web_socket;           /* rest.webSocket, default true */
    bool rest_expensive_counts;     /* rest.includeExpensiveRecordCountEstimates */

    char **schema_files;    /* files graphqlSchema matches, relative to dir, sorted */
    size_t n_schema_files;
    char **js_files;        /* files jsResource matches, relative to dir, sorted */
    size_t n_js_files;
    char *js_url_path;      /* jsResource's base URL path ("/" by default) */

    app_static *statics;    /* the static entry, if `static` is on */
    size_t n_statics;

    app_error *errors;      /* plugins that failed, in config order */
    size_t n_errors;
} app;

/* Loads the application in folder `dir`: its `harperdb-config.yaml`, else `config.yaml`, else
 * Harper's default config (rest, graphqlSchema *.graphql, roles, jsResource resources.js,
 * fastifyRoutes, static web/ and below). A file given replaces the default entirely. 0 and a
 * new app in *out (app_free), or -1 with *out NULL and a message in err: "The folder X does
 * not exist", "The path X is not a folder", "X/config.yaml: did not find expected key at
 * line 3, column 2", "X/config.yaml: the configuration must be a mapping". Reads the file
 * system; changes nothing. Thread-safety: safe. */
int app_load(const char *dir, app **out, char *err, size_t err_size);
void app_free(app *a);

/* The applications in the components root `dir` (componentsRoot): the names of its
 * sub-folders and of its links to folders, sorted bytewise, without names starting with '.'
 * and without node_modules (as get_components lists them). A missing folder has none. 0 and
 * a new array of *n new strings in *names (app_names_free), or -1 with a message in err.
 * Thread-safety: safe. */
int app_list_components(const char *dir, char ***names, size_t *n, char *err, size_t err_size);
void app_names_free(char **names, size_t n);

/* Whether the real path `path` is the folder `dir` (a real path) or lies inside it.
 * Thread-safety: safe. */
bool app_path_within(const char *dir, const char *path);

/* Harper's base URL path for a `urlPath` option of the application `name`: NULL or "" -> "/",
 * "static" -> "/static/", "./static" -> "/<name>/static/", "." -> "/<name>/". A new string in
 * *out, or -1 with "urlPath must not contain '..'. Received: '<v>'" in err.
 * Thread-safety: safe. */
int app_url_path(const char *name, const char *url_path, char **out, char *err,
                 size_t err_size);

#endif
