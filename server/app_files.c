/* app_files.c: the `files` option of an application's plugins (a pattern, a list of them or
 * {source, only, ignore}), checked with Harper's messages, and the folder walk that lists the
 * files it matches. Pattern syntax and matching are glob.c's; what each plugin does with its
 * files is app.c's and static_files.c's. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "app_internal.h"

void app_names_free(char **names, size_t n)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Appends a copy of s to *list of *n. 0, or -1 out of memory. */
int app_strings_push(char ***list, size_t *n, const char *s)
{
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    char *copy;

    if (grown == NULL)
        return -1;
    *list = grown;
    copy = strdup(s);
    if (copy == NULL)
        return -1;
    grown[(*n)++] = copy;
    return 0;
}

int app_strings_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the `files` option ------------------------------------------------------------------- */

void app_files_free(app_files *f)
{
    for (size_t i = 0; i < f->n_patterns; i++)
        if (f->globs != NULL)
            glob_free(f->globs[i]);
    for (size_t i = 0; i < f->n_ignore; i++)
        glob_free(f->ignore[i]);
    free(f->globs);
    free(f->ignore);
    app_names_free(f->patterns, f->n_patterns);
    app_names_free(f->bases, f->n_patterns);
    memset(f, 0, sizeof *f);
}

static bool non_empty_string(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring[0] != '\0';
}

static bool non_empty_strings(const cJSON *v)
{
    const cJSON *e;

    if (!cJSON_IsArray(v))
        return false;
    cJSON_ArrayForEach(e, v)
        if (!non_empty_string(e))
            return false;
    return true;
}

/* Compiles p onto (*list)[*n]. 0; 1 with a message in msg; -1 out of memory. */
static int push_glob(glob ***list, size_t *n, const char *p, harper__buf *msg)
{
    char err[128];
    glob *g = NULL;
    glob **grown;

    if (glob_compile(p, 0, &g, err, sizeof err) != 0) {
        harper__buf_printf(msg, "%s: '%s'", err, p);
        return 1;
    }
    grown = realloc(*list, (*n + 1) * sizeof **list);
    if (grown == NULL) {
        glob_free(g);
        return -1;
    }
    *list = grown;
    grown[(*n)++] = g;
    return 0;
}

/* Adds one source pattern, checked as the plugin's loader checks it: `..` is refused
 * everywhere; a leading '/' is dropped by the old-style loader (graphqlSchema, jsResource)
 * and refused by the new one (static), which also reads `.` as everything. A source starting
 * with '!' is an ignore pattern, as fast-glob takes it. 0, 1 (msg) or -1. */
static int add_pattern(app_files *f, const char *p, bool new_style, harper__buf *msg)
{
    size_t n_globs = f->n_patterns;
    size_t n_bases = f->n_patterns;
    size_t base_len;
    const char *base;
    int rc;

    if (p[0] == '!' && p[1] != '\0')
        return push_glob(&f->ignore, &f->n_ignore, p + 1, msg);
    if (new_style && (strstr(p, "..") != NULL || p[0] == '/')) {
        harper__buf_printf(msg, "Config 'files' option glob pattern must not contain '..' or "
                           "start with '/'. Received: '%s'", p);
        return 1;
    }
    if (!new_style && strstr(p, "..") != NULL) {
        harper__buf_printf(msg, "'files' glob pattern must not contain '..'. Received: '%s'", p);
        return 1;
    }
    if (!new_style && p[0] == '/')
        p = p[1] != '\0' ? p + 1 : ".";
    if (new_style && (strcmp(p, ".") == 0 || strcmp(p, "./") == 0))
        p = "**/*";
    rc = push_glob(&f->globs, &n_globs, p, msg);
    if (rc != 0)
        return rc;
    base = glob_base(p, &base_len);
    char *base_copy = strndup(base, base_len);
    if (base_copy == NULL || app_strings_push(&f->bases, &n_bases, base_copy) != 0 ||
        app_strings_push(&f->patterns, &f->n_patterns, p) != 0) {
        free(base_copy);
        /* The arrays stay consistent up to n_patterns; free the extra glob and base. */
        glob_free(f->globs[n_globs - 1]);
        if (n_bases > f->n_patterns)
            free(f->bases[n_bases - 1]);
        return -1;
    }
    free(base_copy);
    return 0;
}

/* A string or an array of strings, each through add(). */
static int each_string(const cJSON *v, int (*add)(app_files *, const char *, bool, harper__buf *),
                       app_files *f, bool new_style, harper__buf *msg)
{
    const cJSON *e;
    int rc = 0;

    if (cJSON_IsString(v))
        return add(f, v->valuestring, new_style, msg);
    cJSON_ArrayForEach(e, v)
        if (rc == 0)
            rc = add(f, e->valuestring, new_style, msg);
    return rc;
}

static int add_ignore(app_files *f, const char *p, bool new_style, harper__buf *msg)
{
    (void)new_style;
    return push_glob(&f->ignore, &f->n_ignore, p, msg);
}

/* Reads a `files` option into f (files_free it whatever the result). 0; 1 with Harper's
 * message in msg when the option is wrong; -1 out of memory. */
int app_files_parse(const cJSON *files, bool new_style, app_files *f, harper__buf *msg)
{
    const cJSON *source = files;
    const cJSON *ignore = NULL;
    int rc;

    memset(f, 0, sizeof *f);
    if (!non_empty_string(files) && !non_empty_strings(files) && !cJSON_IsObject(files)) {
        harper__buf_str(msg, "'files' option must be a non-empty string, an array of non-empty "
                        "strings, or an object.");
        return 1;
    }
    if (cJSON_IsObject(files)) {
        const cJSON *only = cJSON_GetObjectItemCaseSensitive(files, "only");
        const char *o = cJSON_IsString(only) ? only->valuestring : "";

        source = cJSON_GetObjectItemCaseSensitive(files, "source");
        ignore = cJSON_GetObjectItemCaseSensitive(files, "ignore");
        if (!non_empty_string(source) && !non_empty_strings(source)) {
            harper__buf_str(msg, "'files' object must have a non-empty 'source' property.");
            return 1;
        }
        if (only != NULL && strcmp(o, "all") != 0 && strcmp(o, "files") != 0 &&
            strcmp(o, "directories") != 0) {
            harper__buf_str(msg, "'files.only' option must be one of 'all', 'files', or "
                            "'directories'.");
            return 1;
        }
        f->only = strcmp(o, "files") == 0         ? APP_ONLY_FILES
                  : strcmp(o, "directories") == 0 ? APP_ONLY_DIRECTORIES
                                                  : APP_ONLY_ALL;
        if (ignore != NULL && !non_empty_string(ignore) && !non_empty_strings(ignore)) {
            harper__buf_str(msg, "'files.ignore' option must be a non-empty string or an array "
                            "of non-empty strings.");
            return 1;
        }
    }
    rc = each_string(source, add_pattern, f, new_style, msg);
    if (rc == 0 && ignore != NULL)
        rc = each_string(ignore, add_ignore, f, new_style, msg);
    return rc;
}

/* ---- listing the files a pattern matches -------------------------------------------------- */

struct walk {
    const app_files *files;
    const char *real_dir;   /* the app folder's real path: links must not leave it */
    harper__buf path;       /* the app folder, then '/' and the current relative path */
    size_t rel_start;       /* where the relative path starts in `path` */
    char **found;
    size_t n_found;
    int status;             /* 0, 1 too many files, -1 out of memory */
};

static bool any_match(glob *const *globs, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++)
        if (glob_match(globs[i], rel))
            return true;
    return false;
}

/* Whether a folder rel may hold a match: it leads to a pattern's base folder or lies under
 * one. A pattern with no base folder may match anywhere that is not hidden. */
static bool may_hold(const app_files *f, const char *rel, bool hidden)
{
    size_t n = strlen(rel);

    for (size_t i = 0; i < f->n_patterns; i++) {
        const char *b = f->bases[i];
        size_t bn = strlen(b);

        if (bn == 0 ? !hidden
                    : (bn >= n && strncmp(b, rel, n) == 0 && (b[n] == '/' || b[n] == '\0')) ||
                          (n > bn && strncmp(rel, b, bn) == 0 && rel[bn] == '/'))
            return true;
    }
    return false;
}

/* Whether `path` lies within the folder `dir` (both real paths). */
bool app_path_within(const char *dir, const char *path)
{
    size_t n = strlen(dir);

    if (strcmp(dir, "/") == 0)
        return path[0] == '/';
    return strncmp(dir, path, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void walk_dir(struct walk *w, int depth)
{
    size_t mark = w->path.len;
    DIR *d;
    struct dirent *e;

    if (depth > APP_MAX_DEPTH || harper__buf_cstr(&w->path) == NULL)
        return;
    d = opendir(w->path.data);
    if (d == NULL)
        return;
    while (w->status == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        struct stat lst;
        const char *rel;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        w->path.len = mark;
        if (mark > w->rel_start)
            harper__buf_byte(&w->path, '/');
        harper__buf_str(&w->path, e->d_name);
        if (harper__buf_cstr(&w->path) == NULL) {
            w->status = -1;
            break;
        }
        rel = w->path.data + w->rel_start;
        if (lstat(w->path.data, &lst) != 0 || stat(w->path.data, &st) != 0)
            continue;
        if (S_ISLNK(lst.st_mode)) {
            char *real = realpath(w->path.data, NULL);
            bool inside = real != NULL && app_path_within(w->real_dir, real);

            free(real);
            if (!inside)
                continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (may_hold(w->files, rel, e->d_name[0] == '.'))
                walk_dir(w, depth + 1);
        } else if (S_ISREG(st.st_mode) && w->files->only != APP_ONLY_DIRECTORIES &&
                   any_match(w->files->globs, w->files->n_patterns, rel) &&
                   !any_match(w->files->ignore, w->files->n_ignore, rel)) {
            if (w->n_found >= APP_MAX_FILES)
                w->status = 1;
            else if (app_strings_push(&w->found, &w->n_found, rel) != 0)
                w->status = -1;
        }
    }
    closedir(d);
    w->path.len = mark;
}

/* The files under the app folder that f matches, relative and sorted, into *out / *n. 0; 1
 * with a message in msg; -1 out of memory. */
int app_files_list(const char *dir, const char *real_dir, const app_files *f, char ***out,
                   size_t *n, harper__buf *msg)
{
    struct walk w = {f, real_dir, HARPER__BUF_INIT, 0, NULL, 0, 0};

    harper__buf_str(&w.path, dir);
    while (w.path.len > 1 && w.path.data[w.path.len - 1] == '/')
        w.path.len--;
    harper__buf_byte(&w.path, '/');
    w.rel_start = w.path.len;
    walk_dir(&w, 0);
    harper__buf_free(&w.path);
    if (w.status != 0) {
        app_names_free(w.found, w.n_found);
        if (w.status == 1)
            harper__buf_printf(msg, "more than %d files match 'files'", APP_MAX_FILES);
        return w.status;
    }
    if (w.n_found > 1)
        qsort(w.found, w.n_found, sizeof *w.found, app_strings_compare);
    *out = w.found;
    *n = w.n_found;
    return 0;
}

