/* app.c: loading an application folder (see app.h): which config file, each plugin's options
 * checked with Harper's messages, and the components root listing. The `files` option and
 * the folder walk are app_files.c's, matching patterns glob.c's, serving static files
 * static_files.c's. */
#include "app.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app_internal.h"
#include "buf.h"
#include "json.h"
#include "yaml.h"

/* components/DEFAULT_CONFIG.ts, used when the folder has no config file. */
static const char DEFAULT_CONFIG[] =
    "rest: true\n"
    "graphqlSchema: { files: '*.graphql' }\n"
    "roles: { files: 'roles.yaml' }\n"
    "jsResource: { files: 'resources.js' }\n"
    "fastifyRoutes: { files: 'routes/*.js' }\n"
    "static: { files: 'web/**' }\n";

/* JavaScript's String(v), which Harper's messages interpolate: arrays joined with ',',
 * objects as [object Object]. */
static void js_text(harper__buf *out, const cJSON *v)
{
    if (v == NULL) {
        harper__buf_str(out, "undefined");
    } else if (cJSON_IsString(v)) {
        harper__buf_str(out, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        harper__json_number(out, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        harper__buf_str(out, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsArray(v)) {
        const cJSON *e;
        bool first = true;

        cJSON_ArrayForEach(e, v) {
            if (!first)
                harper__buf_byte(out, ',');
            first = false;
            if (!cJSON_IsNull(e))   /* [null].join() is "" */
                js_text(out, e);
        }
    } else if (cJSON_IsObject(v)) {
        harper__buf_str(out, "[object Object]");
    } else {
        harper__buf_str(out, "null");
    }
}

/* JavaScript truthiness, which decides whether a plugin runs at all. */
static bool truthy(const cJSON *v)
{
    if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0 && v->valuedouble == v->valuedouble;
    if (cJSON_IsString(v))
        return v->valuestring[0] != '\0';
    return true;
}

/* Records a failed plugin with Harper's wrapping of its message. 0, or -1 out of memory. */
static int add_error(app *a, const char *key, const char *msg)
{
    harper__buf text = HARPER__BUF_INIT;
    app_error *grown = realloc(a->errors, (a->n_errors + 1) * sizeof *a->errors);
    app_error e;

    if (grown == NULL)
        return -1;
    a->errors = grown;
    harper__buf_printf(&text, "Could not load component '%s' for application '%s' due to: %s",
                       key, a->name, msg);
    e.key = strdup(key);
    e.message = harper__buf_take(&text, NULL);
    if (e.key == NULL || e.message == NULL) {
        free(e.key);
        free(e.message);
        return -1;
    }
    a->errors[a->n_errors++] = e;
    return 0;
}

int app_url_path(const char *name, const char *url_path, char **out, char *err,
                 size_t err_size)
{
    harper__buf b = HARPER__BUF_INIT;
    const char *p = url_path != NULL && url_path[0] != '\0' ? url_path : "/";

    *out = NULL;
    if (strstr(p, "..") != NULL) {
        harper__format(err, err_size, "urlPath must not contain '..'. Received: '%s'", p);
        return -1;
    }
    if (strcmp(p, ".") == 0 || strncmp(p, "./", 2) == 0) {
        harper__buf_printf(&b, "/%s%s", name, p + 1);
    } else {
        if (p[0] != '/')
            harper__buf_byte(&b, '/');
        harper__buf_str(&b, p);
    }
    if (b.len == 0 || b.data[b.len - 1] != '/')
        harper__buf_byte(&b, '/');
    *out = harper__buf_take(&b, NULL);
    if (*out == NULL) {
        harper__format(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

static bool non_empty_string(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring[0] != '\0';
}

/* ---- plugins ------------------------------------------------------------------------------ */

static void rest_options(app *a, const cJSON *v)
{
    a->rest = truthy(v);
    a->rest_web_socket = true;
    if (!cJSON_IsObject(v))
        return;
    a->rest_last_modified = truthy(cJSON_GetObjectItemCaseSensitive(v, "lastModified"));
    a->rest_expensive_counts =
        truthy(cJSON_GetObjectItemCaseSensitive(v, "includeExpensiveRecordCountEstimates"));
    a->rest_web_socket = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "webSocket"));
}

/* An old-style plugin that lists files (graphqlSchema, jsResource). 0, 1 (msg) or -1. */
static int listed_files(app *a, const char *key, const cJSON *v, char ***out, size_t *n,
                        harper__buf *msg)
{
    app_files f;
    int rc;

    harper__buf_printf(msg, "Component %s (from %s) ", key, a->name);
    rc = app_files_parse(cJSON_GetObjectItemCaseSensitive(v, "files"), false, &f, msg);
    if (rc == 0) {
        msg->len = 0;
        rc = app_files_list(a->dir, a->real_dir, &f, out, n, msg);
    }
    app_files_free(&f);
    return rc;
}

static int js_resource(app *a, const cJSON *v, harper__buf *msg)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(v, "urlPath");
    int rc;

    if (url == NULL)
        url = cJSON_GetObjectItemCaseSensitive(v, "path");   /* its deprecated name */
    if (url != NULL && (!non_empty_string(url) || strstr(url->valuestring, "..") != NULL)) {
        harper__buf_printf(msg, "Component jsResource (from %s) 'urlPath' option must be a "
                           "non-empty string that must not contain '..'.", a->name);
        return 1;
    }
    rc = listed_files(a, "jsResource", v, &a->js_files, &a->n_js_files, msg);
    if (rc == 0 && app_url_path(a->name, url != NULL ? url->valuestring : NULL, &a->js_url_path,
                                NULL, 0) != 0)
        rc = -1;
    return rc;
}

static void static_free(app_static *s)
{
    app_files_free(&s->files);
    free(s->url_path);
    app_names_free(s->extensions, s->n_extensions);
    free(s->not_found);
}

/* A boolean option of `static`: absent or null gives the default. 0 or 1 (msg). */
static int static_bool(const cJSON *v, const char *name, bool def, bool *out, harper__buf *msg)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(v, name);

    *out = def;
    if (o == NULL || cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsBool(o)) {
        harper__buf_printf(msg, "Invalid %s option: ", name);
        js_text(msg, o);
        harper__buf_str(msg, ". Must be a boolean.");
        return 1;
    }
    *out = cJSON_IsTrue(o);
    return 0;
}

static int static_not_found(app_static *s, const cJSON *nf, harper__buf *msg)
{
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(nf, "file");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(nf, "statusCode");

    if (nf == NULL || cJSON_IsNull(nf))
        return 0;
    if (cJSON_IsString(nf)) {
        file = nf;
        s->not_found_status = 404;
    } else if (!cJSON_IsObject(nf)) {
        harper__buf_str(msg, "Invalid notFound option: ");
        js_text(msg, nf);
        harper__buf_str(msg, ". Must be a string or an object with file and statusCode "
                        "properties.");
        return 1;
    } else if (!cJSON_IsString(file)) {
        harper__buf_str(msg, "Invalid `notFound.file` option: ");
        js_text(msg, file);
        harper__buf_str(msg, ". Must be a string.");
        return 1;
    } else if (!cJSON_IsNumber(status) || status->valuedouble < 100 ||
               status->valuedouble > 599 || status->valuedouble != (int)status->valuedouble) {
        /* Harper takes any number and Node refuses a status outside 100..599 per request. */
        harper__buf_str(msg, "Invalid `notFound.statusCode` option: ");
        js_text(msg, status);
        harper__buf_str(msg, ". Must be a number.");
        return 1;
    } else {
        s->not_found_status = (int)status->valuedouble;
    }
    s->not_found = strdup(file->valuestring);
    return s->not_found != NULL ? 0 : -1;
}

/* The `static` plugin: its value is the files option itself when it is a string, an array
 * or an object without `files` (Harper's castConfig). */
static int static_entry(app *a, const cJSON *v, harper__buf *msg)
{
    const cJSON *files = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "files") : NULL;
    const cJSON *url = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "urlPath") : NULL;
    const cJSON *ext = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "extensions")
                                         : NULL;
    char url_err[256];
    app_static s;
    int rc;

    memset(&s, 0, sizeof s);
    rc = app_files_parse(files != NULL ? files : v, true, &s.files, msg);
    if (rc == 0 && url != NULL && !cJSON_IsString(url)) {
        harper__buf_str(msg, "'urlPath' option must be a non-empty string that must not "
                        "contain '..'.");
        rc = 1;
    }
    if (rc == 0 && app_url_path(a->name, url != NULL ? url->valuestring : NULL, &s.url_path,
                                url_err, sizeof url_err) != 0) {
        harper__buf_str(msg, url_err);
        rc = strcmp(url_err, "out of memory") == 0 ? -1 : 1;
    }
    if (rc == 0)
        rc = static_bool(v, "index", true, &s.index, msg);
    if (rc == 0)
        rc = static_bool(v, "fallthrough", true, &s.fallthrough, msg);
    if (rc == 0 && ext != NULL && !cJSON_IsNull(ext)) {
        const cJSON *e;
        bool ok = cJSON_IsArray(ext);

        cJSON_ArrayForEach(e, ext)
            ok = ok && cJSON_IsString(e);
        if (!ok) {
            harper__buf_str(msg, "Invalid extensions option: ");
            js_text(msg, ext);
            harper__buf_str(msg, ". Must be an array of strings.");
            rc = 1;
        }
        cJSON_ArrayForEach(e, ext)
            if (rc == 0 && app_strings_push(&s.extensions, &s.n_extensions, e->valuestring) != 0)
                rc = -1;
    }
    if (rc == 0 && cJSON_IsObject(v))
        rc = static_not_found(&s, cJSON_GetObjectItemCaseSensitive(v, "notFound"), msg);
    if (rc == 0) {
        app_static *grown = realloc(a->statics, (a->n_statics + 1) * sizeof *grown);

        if (grown == NULL) {
            rc = -1;
        } else {
            a->statics = grown;
            grown[a->n_statics++] = s;
            return 0;
        }
    }
    static_free(&s);
    return rc;
}

/* Runs through the config's keys in order, as Harper loads plugins. -1 out of memory. */
static int load_plugins(app *a)
{
    const cJSON *v;

    cJSON_ArrayForEach(v, a->config) {
        harper__buf msg = HARPER__BUF_INIT;
        int rc = 0;

        if (strcmp(v->string, "rest") == 0) {
            rest_options(a, v);
            continue;
        }
        if (!truthy(v))
            continue;
        if (strcmp(v->string, "graphqlSchema") == 0)
            rc = listed_files(a, "graphqlSchema", v, &a->schema_files, &a->n_schema_files, &msg);
        else if (strcmp(v->string, "jsResource") == 0)
            rc = js_resource(a, v, &msg);
        else if (strcmp(v->string, "static") == 0)
            rc = static_entry(a, v, &msg);
        if (rc == 1 && (msg.failed || harper__buf_cstr(&msg) == NULL ||
                        add_error(a, v->string, msg.data) != 0))
            rc = -1;
        harper__buf_free(&msg);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* Reads the whole file into a new NUL-terminated string (free). 0, or -1 with errno set
 * (EFBIG when it is larger than the YAML reader takes). */
static int read_text(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    harper__buf b = HARPER__BUF_INIT;
    char chunk[8192];
    size_t got;

    if (f == NULL)
        return -1;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= YAML_MAX_SIZE)
        harper__buf_append(&b, chunk, got);
    if (ferror(f) || b.len > YAML_MAX_SIZE || harper__buf_cstr(&b) == NULL) {
        errno = ferror(f) ? EIO : b.len > YAML_MAX_SIZE ? EFBIG : ENOMEM;
        fclose(f);
        harper__buf_free(&b);
        return -1;
    }
    fclose(f);
    *text = harper__buf_take(&b, len);
    return 0;
}

/* Finds and parses the config: harperdb-config.yaml, config.yaml or the default. */
static int read_config(app *a, char *err, size_t err_size)
{
    static const char *const names[] = {"harperdb-config.yaml", "config.yaml"};
    char yaml_err[256];
    char *text = NULL;
    size_t len = 0;

    for (size_t i = 0; i < sizeof names / sizeof *names && a->config_file == NULL; i++) {
        harper__buf path = HARPER__BUF_INIT;
        struct stat st;

        harper__buf_printf(&path, "%s/%s", a->dir, names[i]);
        if (harper__buf_cstr(&path) == NULL) {
            harper__format(err, err_size, "out of memory");
            return -1;
        }
        if (stat(path.data, &st) == 0)
            a->config_file = harper__buf_take(&path, NULL);
        harper__buf_free(&path);
    }
    if (a->config_file == NULL) {
        if (yaml_to_json(DEFAULT_CONFIG, strlen(DEFAULT_CONFIG), &a->config, err, err_size) != 0)
            return -1;
        return 0;
    }
    if (read_text(a->config_file, &text, &len) != 0) {
        harper__format(err, err_size, "%s: %s", a->config_file,
                errno == EFBIG ? "larger than 8 MiB" : strerror(errno));
        return -1;
    }
    if (yaml_to_json(text, len, &a->config, yaml_err, sizeof yaml_err) != 0) {
        harper__format(err, err_size, "%s: %s", a->config_file, yaml_err);
        free(text);
        return -1;
    }
    free(text);
    if (cJSON_IsNull(a->config)) {
        /* An empty file: no plugin runs, as in Harper (which then warns that nothing
         * loaded). */
        cJSON_Delete(a->config);
        a->config = cJSON_CreateObject();
        if (a->config == NULL) {
            harper__format(err, err_size, "out of memory");
            return -1;
        }
    }
    if (!cJSON_IsObject(a->config)) {
        harper__format(err, err_size, "%s: the configuration must be a mapping", a->config_file);
        return -1;
    }
    return 0;
}

void app_free(app *a)
{
    if (a == NULL)
        return;
    free(a->name);
    free(a->dir);
    free(a->real_dir);
    free(a->config_file);
    cJSON_Delete(a->config);
    app_names_free(a->schema_files, a->n_schema_files);
    app_names_free(a->js_files, a->n_js_files);
    free(a->js_url_path);
    for (size_t i = 0; i < a->n_statics; i++)
        static_free(&a->statics[i]);
    free(a->statics);
    for (size_t i = 0; i < a->n_errors; i++) {
        free(a->errors[i].key);
        free(a->errors[i].message);
    }
    free(a->errors);
    free(a);
}

int app_load(const char *dir, app **out, char *err, size_t err_size)
{
    struct stat st;
    app *a = NULL;
    size_t len;
    const char *name;

    *out = NULL;
    if (dir == NULL || dir[0] == '\0') {
        harper__format(err, err_size, "The folder is missing");
        return -1;
    }
    if (stat(dir, &st) != 0) {
        harper__format(err, err_size, "The folder %s does not exist", dir);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        harper__format(err, err_size, "The path %s is not a folder", dir);
        return -1;
    }
    a = calloc(1, sizeof *a);
    if (a == NULL)
        goto oom;
    a->dir = strdup(dir);
    a->real_dir = realpath(dir, NULL);
    if (a->dir == NULL || a->real_dir == NULL)
        goto oom;
    len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    name = dir + len;
    while (name > dir && name[-1] != '/')
        name--;
    a->name = strndup(name, (size_t)(dir + len - name));
    if (a->name == NULL)
        goto oom;
    if (read_config(a, err, err_size) != 0) {
        app_free(a);
        return -1;
    }
    if (load_plugins(a) != 0)
        goto oom;
    *out = a;
    return 0;
oom:
    app_free(a);
    harper__format(err, err_size, "out of memory");
    return -1;
}

int app_list_components(const char *dir, char ***names, size_t *n, char *err, size_t err_size)
{
    DIR *d;
    struct dirent *e;
    char **list = NULL;
    size_t count = 0;

    *names = NULL;
    *n = 0;
    d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        harper__format(err, err_size, "%s: %s", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        harper__buf path = HARPER__BUF_INIT;
        struct stat st;
        bool is_dir;

        if (e->d_name[0] == '.' || strcmp(e->d_name, "node_modules") == 0)
            continue;
        harper__buf_printf(&path, "%s/%s", dir, e->d_name);
        is_dir = harper__buf_cstr(&path) != NULL && stat(path.data, &st) == 0 &&
                 S_ISDIR(st.st_mode);
        if (path.failed || (is_dir && app_strings_push(&list, &count, e->d_name) != 0)) {
            harper__buf_free(&path);
            closedir(d);
            app_names_free(list, count);
            harper__format(err, err_size, "out of memory");
            return -1;
        }
        harper__buf_free(&path);
    }
    closedir(d);
    if (count > 1)
        qsort(list, count, sizeof *list, app_strings_compare);
    *names = list;
    *n = count;
    return 0;
}
