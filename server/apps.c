/* apps.c: the applications a server runs: the folder given to `run`/`dev`, then every
 * application folder under the components root. At start each one's config is read
 * (app.c), its schema files applied (the library defines their tables) and its exports
 * registered for REST. A failure in one application is logged and leaves the others running,
 * as Harper keeps serving when one component fails to load. */
#include "apps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "rest.h"
#include "server.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (text = malloc((size_t)size + 1)) != NULL) {
        *len = fread(text, 1, (size_t)size, f);
        text[*len] = '\0';
    }
    fclose(f);
    return text;
}

/* Registers one exported table; a path taken by another table is refused (logged). */
static void add_export(struct server *srv, const char *path, const char *db, const char *table,
                       bool rest, bool last_modified)
{
    rest_export *grown;

    for (size_t i = 0; i < srv->n_exports; i++) {
        rest_export *e = &srv->exports[i];

        if (strcmp(e->path, path) != 0)
            continue;
        if (strcmp(e->db, db) != 0 || strcmp(e->table, table) != 0)
            slog_write(srv->log, SLOG_ERROR, "apps",
                       "Conflicting paths for %s: %s.%s and %s.%s; the first is kept", path,
                       e->db, e->table, db, table);
        return;
    }
    grown = realloc(srv->exports, (srv->n_exports + 1) * sizeof *grown);
    if (grown == NULL)
        return;
    srv->exports = grown;
    grown[srv->n_exports] = (rest_export){.path = strdup(path), .db = strdup(db),
                                          .table = strdup(table), .rest = rest,
                                          .last_modified = last_modified};
    if (grown[srv->n_exports].path == NULL || grown[srv->n_exports].db == NULL ||
        grown[srv->n_exports].table == NULL) {
        free(grown[srv->n_exports].path);
        free(grown[srv->n_exports].db);
        free(grown[srv->n_exports].table);
        return;
    }
    srv->n_exports++;
}

static char *dup_item(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

static void rel_free(rest_rel *r)
{
    free(r->db);
    free(r->table);
    free(r->name);
    free(r->from);
    free(r->to);
    free(r->target_db);
    free(r->target_table);
}

/* Registers the relationship fields of table db.table (a later definition replaces them). */
static void add_relationships(struct server *srv, const char *db, const char *table,
                              const cJSON *list)
{
    const cJSON *item;
    size_t kept = 0;

    for (size_t i = 0; i < srv->n_rels; i++) {
        if (strcmp(srv->rels[i].db, db) == 0 && strcmp(srv->rels[i].table, table) == 0)
            rel_free(&srv->rels[i]);
        else
            srv->rels[kept++] = srv->rels[i];
    }
    srv->n_rels = kept;
    cJSON_ArrayForEach(item, list) {
        rest_rel *grown = realloc(srv->rels, (srv->n_rels + 1) * sizeof *grown);
        rest_rel r = {strdup(db), strdup(table), dup_item(item, "name"), dup_item(item, "from"),
                      dup_item(item, "to"), dup_item(item, "database"),
                      dup_item(item, "table"),
                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "many"))};

        if (grown == NULL || r.db == NULL || r.table == NULL || r.name == NULL ||
            r.target_db == NULL || r.target_table == NULL || (r.from == NULL && r.to == NULL)) {
            rel_free(&r);
            if (grown != NULL)
                srv->rels = grown;
            continue;
        }
        srv->rels = grown;
        srv->rels[srv->n_rels++] = r;
    }
}

const rest_rel *rest_find_rel(const struct server *srv, const char *db, const char *table,
                              const char *name)
{
    for (size_t i = 0; i < srv->n_rels; i++) {
        const rest_rel *r = &srv->rels[i];

        if (strcmp(r->name, name) == 0 && strcmp(r->table, table) == 0 &&
            strcmp(r->db, db) == 0)
            return r;
    }
    return NULL;
}

/* Applies one schema file of application `a`. */
static void apply_schema(struct server *srv, const app *a, const char *file)
{
    char path[4096];
    char *text;
    char *tables = NULL;
    size_t len = 0;
    harper_error err;
    cJSON *list;
    const cJSON *t;

    snprintf(path, sizeof path, "%s/%s", a->dir, file);
    text = read_file(path, &len);
    if (text == NULL) {
        slog_write(srv->log, SLOG_ERROR, "apps", "%s: cannot read %s: %s", a->name, path,
                   strerror(errno));
        return;
    }
    if (harper_schema_apply(srv->h, text, len, file,
                            config_bool(srv->config, "logging.auditLog", true), &tables, NULL,
                            &err) != HARPER_OK) {
        slog_write(srv->log, SLOG_ERROR, "apps", "%s: %s", a->name, err.message);
        free(text);
        return;
    }
    free(text);
    list = cJSON_Parse(tables);
    harper_free(tables);
    cJSON_ArrayForEach(t, list) {
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(t, "export");
        const char *db = cJSON_GetObjectItemCaseSensitive(t, "database")->valuestring;
        const char *table = cJSON_GetObjectItemCaseSensitive(t, "table")->valuestring;

        slog_write(srv->log, SLOG_INFO, "apps", "%s: table %s.%s %s", a->name, db, table,
                   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "created")) ? "created"
                                                                                 : "ready");
        add_relationships(srv, db, table, cJSON_GetObjectItemCaseSensitive(t, "relationships"));
        if (a->rest && cJSON_IsObject(exp))
            add_export(srv, cJSON_GetObjectItemCaseSensitive(exp, "name")->valuestring, db,
                       table, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(exp, "rest")),
                       a->rest_last_modified);
    }
    cJSON_Delete(list);
}

static void load_one(struct server *srv, const char *dir)
{
    app *a = NULL;
    app **grown;
    char err[512];

    if (app_load(dir, &a, err, sizeof err) != 0) {
        slog_write(srv->log, SLOG_ERROR, "apps", "%s", err);
        return;
    }
    for (size_t i = 0; i < a->n_errors; i++)
        slog_write(srv->log, SLOG_ERROR, "apps", "%s: %s: %s", a->name, a->errors[i].key,
                   a->errors[i].message);
    for (size_t i = 0; i < a->n_schema_files; i++)
        apply_schema(srv, a, a->schema_files[i]);
    grown = realloc(srv->apps, (srv->n_apps + 1) * sizeof *grown);
    if (grown == NULL) {
        app_free(a);
        return;
    }
    srv->apps = grown;
    srv->apps[srv->n_apps++] = a;
    slog_write(srv->log, SLOG_NOTIFY, "apps", "loaded application %s from %s", a->name, dir);
}

void apps_load(struct server *srv, const char *app_dir)
{
    const char *components = config_string(srv->config, "componentsRoot", NULL);
    char **names = NULL;
    size_t n = 0;
    char err[512];

    if (app_dir != NULL)
        load_one(srv, app_dir);
    if (components != NULL && app_list_components(components, &names, &n, err, sizeof err) == 0) {
        for (size_t i = 0; i < n; i++) {
            char dir[4096];

            snprintf(dir, sizeof dir, "%s/%s", components, names[i]);
            load_one(srv, dir);
        }
        app_names_free(names, n);
    }
}

void apps_free(struct server *srv)
{
    for (size_t i = 0; i < srv->n_apps; i++)
        app_free(srv->apps[i]);
    free(srv->apps);
    for (size_t i = 0; i < srv->n_exports; i++) {
        free(srv->exports[i].path);
        free(srv->exports[i].db);
        free(srv->exports[i].table);
    }
    free(srv->exports);
    for (size_t i = 0; i < srv->n_rels; i++)
        rel_free(&srv->rels[i]);
    free(srv->rels);
    srv->rels = NULL;
    srv->n_rels = 0;
    srv->apps = NULL;
    srv->exports = NULL;
    srv->n_apps = srv->n_exports = 0;
}
