/* rest_join.c: select() through relationships (`select(name,brand{name})`) and as arrays
 * (`select([name,age])`), spec rest.md 5.6. Each row of the query is read whole, then written as the selected properties, the
 * relationship ones looked up by key: a many-to-one (`from:`) reads the related record by
 * its primary key, a one-to-many (`to:`) queries the related table's index on the attribute
 * that points back. Related tables are opened once per response. A relationship whose key
 * is missing or null is left out (a left join). Properties absent from a record are left
 * out, as Harper leaves them out of JSON. */
#include "rest_join.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "server.h"


#define MAX_TABLES 16

struct rest_join {
    const struct server *srv;
    char *db;
    char *table;
    char *pk;
    harper__qurl *u;
    struct {
        const rest_rel *rel;
        rest_table t;
    } tables[MAX_TABLES];
    size_t n_tables;
};

static const rest_rel *find_rel(const struct rest_join *j, const char *db, const char *table,
                                const char *name)
{
    return name != NULL ? rest_find_rel(j->srv, db, table, name) : NULL;
}

bool rest_join_needed(const struct server *srv, const char *db, const char *table,
                      const harper__qurl_sel *sel)
{
    if (sel == NULL)
        return false;
    if (!sel->is_list)
        return rest_find_rel(srv, db, table, sel->name) != NULL;
    for (size_t i = 0; i < sel->n_items; i++)
        if (sel->items[i].is_list ||
            (sel->items[i].name != NULL && rest_find_rel(srv, db, table, sel->items[i].name)))
            return true;
    return false;
}

rest_join *rest_join_new(const struct server *srv, const char *db, const char *table,
                         const char *pk, harper__qurl *u)
{
    rest_join *j = calloc(1, sizeof *j);

    if (j == NULL || (j->db = strdup(db)) == NULL || (j->table = strdup(table)) == NULL ||
        (j->pk = strdup(pk)) == NULL) {
        rest_join_free(j);
        harper__qurl_free(u);
        return NULL;
    }
    j->srv = srv;
    j->u = u;
    return j;
}

void rest_join_free(void *ctx)
{
    rest_join *j = ctx;

    if (j == NULL)
        return;
    for (size_t i = 0; i < j->n_tables; i++)
        rest_table_close(&j->tables[i].t);
    harper__qurl_free(j->u);
    free(j->db);
    free(j->table);
    free(j->pk);
    free(j);
}

/* The related table of `rel`, opened on first use. */
static rest_table *related(rest_join *j, const rest_rel *rel)
{
    for (size_t i = 0; i < j->n_tables; i++)
        if (j->tables[i].rel == rel)
            return &j->tables[i].t;
    if (j->n_tables == MAX_TABLES ||
        rest_table_open(j->srv, rel->target_db, rel->target_table, &j->tables[j->n_tables].t) != 0)
        return NULL;
    j->tables[j->n_tables].rel = rel;
    return &j->tables[j->n_tables++].t;
}

static cJSON *project(rest_join *j, const char *db, const char *table, const char *pk,
                      cJSON *rec, const harper__qurl_sel *items, int depth);

/* The related records of `rec` through `rel`, projected with `items` (NULL: whole). */
static cJSON *resolve(rest_join *j, const rest_rel *rel, const char *pk, const cJSON *rec,
                      const harper__qurl_sel *items, int depth)
{
    rest_table *t = related(j, rel);
    cJSON *out = rel->many ? cJSON_CreateArray() : NULL;
    const cJSON *keys;
    harper_error err;

    if (t == NULL)
        return NULL;
    if (rel->to == NULL) {
        /* many-to-one (or many-to-many through an array of keys): read by primary key */
        const cJSON *k;

        keys = cJSON_GetObjectItemCaseSensitive(rec, rel->from);
        if (keys == NULL || cJSON_IsNull(keys))
            return out;
        for (k = cJSON_IsArray(keys) ? keys->child : keys; k != NULL;
             k = cJSON_IsArray(keys) ? k->next : NULL) {
            char *key = cJSON_PrintUnformatted(k);
            char *json = NULL;
            size_t len;
            cJSON *got = NULL;

            if (key != NULL &&
                harper_table_get(t->t, key, strlen(key), &json, &len, &err) == HARPER_OK)
                got = project(j, rel->target_db, rel->target_table, t->pk,
                              cJSON_ParseWithLength(json, len), items, depth + 1);
            harper_free(json);
            free(key);
            if (got == NULL)
                continue;
            if (!rel->many) {
                cJSON_Delete(out);
                return got;
            }
            cJSON_AddItemToArray(out, got);
        }
        return out;
    }
    /* one-to-many: the related records whose `to` holds our key (or our `from` keys) */
    {
        const cJSON *mine = cJSON_GetObjectItemCaseSensitive(rec, rel->from != NULL ? rel->from
                                                                                    : pk);
        harper_query *q = NULL;
        harper_cursor *c = NULL;
        const char *row;
        size_t len;
        char *value;
        int rc;

        if (mine == NULL || cJSON_IsNull(mine))
            return out;
        value = cJSON_PrintUnformatted(mine);
        rc = value != NULL ? harper_query_new(t->t, &q, &err) : HARPER_ENOMEM;
        if (rc == HARPER_OK)
            rc = harper_query_where(q, rel->to, cJSON_IsArray(mine) ? HARPER_IN : HARPER_EQUALS,
                                    value, strlen(value), &err);
        if (rc == HARPER_OK)
            rc = harper_cursor_open(q, &c, &err);
        while (rc == HARPER_OK && (rc = harper_cursor_next(c, &row, &len, &err)) == 1) {
            cJSON *got = project(j, rel->target_db, rel->target_table, t->pk,
                                 cJSON_ParseWithLength(row, len), items, depth + 1);

            rc = HARPER_OK;
            if (got == NULL)
                continue;
            if (out == NULL) {
                out = got;      /* a to-one through `to:` takes the first */
                break;
            }
            cJSON_AddItemToArray(out, got);
        }
        harper_cursor_close(c);
        harper_query_free(q);
        free(value);
        return out;
    }
}

/* `rec` (taken) as the selection `items` of it; NULL items: rec itself. */
static cJSON *project(rest_join *j, const char *db, const char *table, const char *pk,
                      cJSON *rec, const harper__qurl_sel *items, int depth)
{
    cJSON *out;

    if (rec == NULL || items == NULL || depth > 8)
        return rec;
    out = cJSON_CreateObject();
    for (size_t i = 0; out != NULL && i < items->n_items; i++) {
        const harper__qurl_sel *it = &items->items[i];
        const rest_rel *rel = find_rel(j, db, table, it->name);
        cJSON *v = NULL;

        if (it->name == NULL)
            continue;
        if (rel != NULL)
            v = resolve(j, rel, pk, rec, it->is_list ? it : NULL, depth);
        else if (cJSON_GetObjectItemCaseSensitive(rec, it->name) != NULL)
            v = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, it->name), 1);
        if (v != NULL)
            cJSON_AddItemToObject(out, it->name, v);
    }
    cJSON_Delete(rec);
    return out;
}

int rest_join_row(void *ctx, const char *json, size_t len, harper__buf *out)
{
    rest_join *j = ctx;
    const harper__qurl_sel *sel = j->u->select;
    cJSON *rec = cJSON_ParseWithLength(json, len);
    cJSON *v;
    int rc;

    if (rec == NULL)
        return -1;
    if (j->u->select_as_array) {
        /* select([a,b]): each row is the array of those values (null when absent) */
        cJSON *obj = project(j, j->db, j->table, j->pk, rec, sel->is_list ? sel : NULL, 0);
        cJSON *item;

        v = cJSON_CreateArray();
        for (size_t i = 0; v != NULL && i < (sel->is_list ? sel->n_items : 1); i++) {
            const char *name = sel->is_list ? sel->items[i].name : sel->name;

            item = name != NULL ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
            cJSON_AddItemToArray(v, item != NULL ? cJSON_Duplicate(item, 1) : cJSON_CreateNull());
        }
        cJSON_Delete(obj);
    } else if (!sel->is_list) {
        /* select(brand): each row is that value */
        const rest_rel *rel = find_rel(j, j->db, j->table, sel->name);

        v = rel != NULL ? resolve(j, rel, j->pk, rec, NULL, 0)
                        : cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, sel->name), 1);
        cJSON_Delete(rec);
        if (v == NULL)
            v = cJSON_CreateNull();
    } else {
        v = project(j, j->db, j->table, j->pk, rec, sel, 0);
    }
    rc = v != NULL && harper__json_value(out, v) == HARPER_OK && !out->failed ? 0 : -1;
    cJSON_Delete(v);
    return rc;
}
