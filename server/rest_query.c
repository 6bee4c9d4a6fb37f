/* rest_query.c: from URL text to library values and queries. A record URL's id and a query's
 * values are typed by the attribute's declared type (spec rest.md 2.1 and 5.4); the query
 * tree comes from the library's parser (lib/query_url.c) and becomes a harper_query here.
 * A path through a relationship (`brand.name=x`) is a join: the related records matching the
 * rest of the path are found first (with their own indexes), and their keys become one
 * HARPER_IN condition, answered by key and index lookups. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_url.h"
#include "rest.h"
#include "rest_join.h"
#include "server.h"
#include "validate.h"


const char *rest_attr_type(const rest_table *rt, const char *name, bool *known)
{
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(rt->desc, "attributes");
    const cJSON *a;

    *known = false;
    cJSON_ArrayForEach(a, attrs) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "attribute");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(a, "type");

        if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0)
            continue;
        *known = true;
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "Any") == 0)
            return NULL;
        return type->valuestring;
    }
    return NULL;
}

static bool is_integer_text(const char *s, size_t len)
{
    size_t i = len > 0 && s[0] == '-' ? 1 : 0;

    if (i == len)
        return false;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static cJSON *invalid(const char *attr, const char *type, const char *text, size_t len,
                      char *err, size_t err_size)
{
    snprintf(err, err_size, "Invalid value for attribute %s: \"%.*s\", expecting %s", attr,
             (int)(len > 200 ? 200 : len), text, type);
    return NULL;
}

cJSON *rest_value_typed(const char *attr, const char *type, const char *text, size_t len,
                        char *err, size_t err_size)
{
    char *copy;
    cJSON *v = NULL;
    double ms;

    if (type == NULL) {
        bool is_date = false;

        v = harper__qurl_autocast(text, len, &is_date);
        /* Dates are stored as ISO text, so an untyped ISO value stays the text it is. */
        if (v != NULL && is_date) {
            cJSON_Delete(v);
            copy = strndup(text, len);
            v = copy != NULL ? cJSON_CreateString(copy) : NULL;
            free(copy);
        }
        return v;
    }
    if (strcmp(type, "ID") == 0 || strcmp(type, "String") == 0 || strcmp(type, "Bytes") == 0) {
        copy = strndup(text, len);
        v = copy != NULL ? cJSON_CreateString(copy) : NULL;
        free(copy);
        return v;
    }
    if (len == 4 && memcmp(text, "null", 4) == 0)
        return cJSON_CreateNull();
    if (strcmp(type, "Int") == 0 || strcmp(type, "Long") == 0 || strcmp(type, "BigInt") == 0) {
        if (!is_integer_text(text, len) || len > 300)
            return invalid(attr, type, text, len, err, err_size);
        return cJSON_CreateNumber(harper__qurl_js_number(text, len));
    }
    if (strcmp(type, "Float") == 0) {
        double d = harper__qurl_js_number(text, len);

        if (isnan(d))
            return invalid(attr, type, text, len, err, err_size);
        return cJSON_CreateNumber(d);
    }
    if (strcmp(type, "Boolean") == 0) {
        if (len == 4 && memcmp(text, "true", 4) == 0)
            return cJSON_CreateTrue();
        if (len == 5 && memcmp(text, "false", 5) == 0)
            return cJSON_CreateFalse();
        return invalid(attr, type, text, len, err, err_size);
    }
    if (strcmp(type, "Date") == 0) {
        char iso[40];

        copy = strndup(text, len);
        if (copy == NULL)
            return NULL;
        if (is_integer_text(text, len))
            ms = harper__qurl_js_number(text, len);
        else if (harper__ms_from_iso(copy, &ms) != 0)
            ms = NAN;
        free(copy);
        if (isnan(ms))
            return invalid(attr, type, text, len, err, err_size);
        harper__iso_from_ms(ms, iso, sizeof iso);
        return cJSON_CreateString(iso);
    }
    /* Arrays and nested types: the text as it is. */
    copy = strndup(text, len);
    v = copy != NULL ? cJSON_CreateString(copy) : NULL;
    free(copy);
    return v;
}

/* ---- the query ---- */

struct build {
    const rest_table *rt;
    harper_query *q;
    char *err;
    size_t err_size;
    int status;
};

static int fail(struct build *b, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct build *b, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b->err, b->err_size, fmt, ap);
    va_end(ap);
    b->status = status;
    return -1;
}

/* The value of one end of a condition, as a new cJSON. */
static cJSON *condition_value(struct build *b, const harper__qurl_node *n,
                              const harper__qurl_value *v, const char *type)
{
    char msg[400];
    cJSON *out;

    switch (v->kind) {
    case HARPER__QURL_NULL: return cJSON_CreateNull();
    case HARPER__QURL_NUMBER: return cJSON_CreateNumber(v->num);
    case HARPER__QURL_BOOLEAN: return v->boolean ? cJSON_CreateTrue() : cJSON_CreateFalse();
    case HARPER__QURL_DATE:
        if (isnan(v->num)) {
            fail(b, 400, "SyntaxError: Invalid date %s", v->text);
            return NULL;
        }
        {
            char iso[40];

            harper__iso_from_ms(v->num, iso, sizeof iso);
            return cJSON_CreateString(iso);
        }
    default: break;
    }
    /* Strict values and typed text: a declared type converts them; on an untyped attribute
     * only coercing comparators auto-cast, and strict ones stay strings. */
    if (type == NULL && (v->kind == HARPER__QURL_STRICT || !n->autocast))
        return cJSON_CreateString(v->text);
    msg[0] = '\0';
    out = rest_value_typed(n->path[0], type, v->text, v->len, msg, sizeof msg);
    if (out == NULL)
        fail(b, msg[0] ? 400 : 500, "%s%s", msg[0] ? "SyntaxError: " : "Error: ",
             msg[0] ? msg : "out of memory");
    return out;
}

static int add_where(struct build *b, const char *attr, int comparator, cJSON *value)
{
    char *text = cJSON_PrintUnformatted(value);
    harper_error herr;
    int rc;

    if (text == NULL)
        return fail(b, 500, "Error: out of memory");
    rc = harper_query_where(b->q, attr, comparator, text, strlen(text), &herr);
    free(text);
    if (rc == HARPER_ENOATTR)
        return fail(b, 404, "HdbError: %s is not a defined attribute", attr);
    if (rc != HARPER_OK)
        return fail(b, 400, "ClientError: %s", herr.message);
    return 0;
}

static int add_condition(struct build *b, const harper__qurl_node *n);

int rest_table_open(const struct server *srv, const char *db, const char *table, rest_table *rt)
{
    harper_error err;
    char *json;
    size_t len;
    bool known;
    const cJSON *pk;

    memset(rt, 0, sizeof *rt);
    rt->h = srv->h;
    rt->srv = srv;
    if (harper_table_open(srv->h, db, table, &rt->t, &err) != HARPER_OK)
        return -1;
    if (harper_table_describe(rt->t, HARPER_DESCRIBE_DEFINITION, &json, &len, &err) !=
        HARPER_OK) {
        harper_table_close(rt->t);
        return -1;
    }
    rt->owned_desc = cJSON_ParseWithLength(json, len);
    harper_free(json);
    rt->desc = rt->owned_desc;
    pk = cJSON_GetObjectItemCaseSensitive(rt->desc, "hash_attribute");
    rt->pk = cJSON_IsString(pk) ? pk->valuestring : "id";
    rt->pk_type = rest_attr_type(rt, rt->pk, &known);
    return rt->desc != NULL ? 0 : -1;
}

void rest_table_close(rest_table *rt)
{
    harper_table_close(rt->t);
    cJSON_Delete(rt->owned_desc);
    memset(rt, 0, sizeof *rt);
}

/* Appends the value (or, for an array, its elements) to `keys`. */
static int add_keys(cJSON *keys, const cJSON *v)
{
    const cJSON *el;

    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsArray(v))
        return cJSON_AddItemToArray(keys, cJSON_Duplicate(v, 1)) ? 0 : -1;
    cJSON_ArrayForEach(el, v)
        if (!cJSON_IsNull(el) && !cJSON_AddItemToArray(keys, cJSON_Duplicate(el, 1)))
            return -1;
    return 0;
}

/* The values of attribute `pick` in the records of `q` (consumed). */
static cJSON *collect_values(struct build *b, harper_query *q, const char *pick)
{
    cJSON *keys = cJSON_CreateArray();
    harper_cursor *c = NULL;
    harper_error herr;
    const char *row;
    size_t len;
    int rc = harper_query_select(q, pick, &herr);

    if (rc == HARPER_OK)
        rc = harper_cursor_open(q, &c, &herr);
    while (rc == HARPER_OK && keys != NULL && (rc = harper_cursor_next(c, &row, &len, &herr)) == 1) {
        cJSON *rec = cJSON_ParseWithLength(row, len);

        rc = rec != NULL && add_keys(keys, cJSON_GetObjectItemCaseSensitive(rec, pick)) == 0
                 ? HARPER_OK
                 : HARPER_ENOMEM;
        cJSON_Delete(rec);
    }
    harper_cursor_close(c);
    harper_query_free(q);
    if (rc != 0 || keys == NULL) {
        cJSON_Delete(keys);
        fail(b, 500, "Error: %s", rc == HARPER_ENOMEM ? "out of memory" : herr.message);
        return NULL;
    }
    return keys;
}

/* `rel.rest.of.path <op> value`: the related records that match give the keys. */
static int add_join(struct build *b, const harper__qurl_node *n, const rest_rel *rel)
{
    harper__qurl_node sub = *n;
    rest_table target;
    struct build tb;
    harper_error herr;
    cJSON *keys = NULL;
    int rc;

    if (n->n_path == 1)
        return fail(b, 400, "ClientError: Can not directly query a relational attribute, must "
                            "query an attribute within the target table");
    if (rest_table_open(b->rt->srv, rel->target_db, rel->target_table, &target) != 0)
        return fail(b, 500, "Error: the table %s.%s of relationship %s cannot be opened",
                    rel->target_db, rel->target_table, rel->name);
    sub.path = n->path + 1;
    sub.path_len = n->path_len + 1;
    sub.n_path = n->n_path - 1;
    tb = (struct build){&target, NULL, b->err, b->err_size, 0};
    rc = harper_query_new(target.t, &tb.q, &herr) == HARPER_OK ? add_condition(&tb, &sub)
                                                               : fail(&tb, 500, "Error: %s",
                                                                      herr.message);
    if (rc == 0)
        keys = collect_values(&tb, tb.q, rel->to != NULL ? rel->to : target.pk);
    else
        harper_query_free(tb.q);
    rest_table_close(&target);
    if (keys == NULL) {
        b->status = tb.status;
        return -1;
    }
    rc = add_where(b, rel->from != NULL ? rel->from : b->rt->pk, HARPER_IN, keys);
    cJSON_Delete(keys);
    return rc;
}

static int add_condition(struct build *b, const harper__qurl_node *n)
{
    const char *attr;
    const char *type;
    bool known;
    cJSON *low = NULL;
    cJSON *high = NULL;
    int rc = -1;

    const rest_rel *rel = b->rt->srv != NULL
                              ? rest_find_rel(b->rt->srv, cJSON_GetObjectItemCaseSensitive(
                                                              b->rt->desc, "schema")->valuestring,
                                              cJSON_GetObjectItemCaseSensitive(b->rt->desc, "name")
                                                  ->valuestring,
                                              n->path[0])
                              : NULL;

    if (rel != NULL)
        return add_join(b, n, rel);
    if (n->n_path != 1)
        return fail(b, 400, "ClientError: Unable to query by attribute [\"%s\",\"%s\"]",
                    n->path[0], n->path[1]);
    attr = n->path[0];
    type = rest_attr_type(b->rt, attr, &known);
    if (!known)
        return fail(b, 404, "HdbError: %s is not a defined attribute", attr);
    low = condition_value(b, n, &n->value, type);
    if (low == NULL)
        return b->status != 0 ? -1 : fail(b, 500, "Error: out of memory");
    if (n->comparator != HARPER_BETWEEN) {
        rc = add_where(b, attr, n->comparator, low);
        cJSON_Delete(low);
        return rc;
    }
    high = condition_value(b, n, &n->high, type);
    if (high == NULL) {
        cJSON_Delete(low);
        return b->status != 0 ? -1 : fail(b, 500, "Error: out of memory");
    }
    if (n->low_inclusive && n->high_inclusive) {
        cJSON *pair = cJSON_CreateArray();

        if (pair != NULL && cJSON_AddItemToArray(pair, low))
            low = NULL;
        if (pair != NULL && low == NULL && cJSON_AddItemToArray(pair, high))
            high = NULL;
        if (low == NULL && high == NULL) {
            rc = add_where(b, attr, HARPER_BETWEEN, pair);
        } else {
            rc = fail(b, 500, "Error: out of memory");
        }
        cJSON_Delete(pair);
    } else {
        /* An open end: two conditions in a group of their own. */
        harper_error herr;

        if (harper_query_group_begin(b->q, HARPER_AND, &herr) != HARPER_OK)
            rc = fail(b, 500, "Error: %s", herr.message);
        else if (add_where(b, attr, n->low_inclusive ? HARPER_GREATER_THAN_EQUAL
                                                     : HARPER_GREATER_THAN, low) == 0 &&
                 add_where(b, attr, n->high_inclusive ? HARPER_LESS_THAN_EQUAL
                                                      : HARPER_LESS_THAN, high) == 0)
            rc = harper_query_group_end(b->q, &herr) == HARPER_OK ? 0
                                                                   : fail(b, 500, "Error: %s",
                                                                          herr.message);
    }
    cJSON_Delete(low);
    cJSON_Delete(high);
    return rc;
}

static int add_group(struct build *b, const harper__qurl_node *g, bool is_root)
{
    harper_error herr;

    if (is_root) {
        if (harper_query_set_logic(b->q, g->logic, &herr) != HARPER_OK)
            return fail(b, 500, "Error: %s", herr.message);
    } else if (harper_query_group_begin(b->q, g->logic, &herr) != HARPER_OK) {
        return fail(b, 500, "Error: %s", herr.message);
    }
    for (size_t i = 0; i < g->n_kids; i++) {
        const harper__qurl_node *k = &g->kids[i];
        int rc = k->is_group ? add_group(b, k, false) : add_condition(b, k);

        if (rc != 0)
            return rc;
    }
    if (!is_root && harper_query_group_end(b->q, &herr) != HARPER_OK)
        return fail(b, 500, "Error: %s", herr.message);
    return 0;
}

static int add_select(struct build *b, const harper__qurl *u, bool *select_one)
{
    const harper__qurl_sel *s = u->select;
    harper_error herr;

    *select_one = false;
    if (s == NULL)
        return 0;
    if (!s->is_list) {
        *select_one = true;
        s = u->select;
        if (harper_query_select(b->q, s->name, &herr) != HARPER_OK)
            return fail(b, 404, "HdbError: %s is not a defined attribute", s->name);
        return 0;
    }
    for (size_t i = 0; i < s->n_items; i++) {
        const harper__qurl_sel *item = &s->items[i];

        if (item->is_list)
            return fail(b, 400, "ClientError: nested select of %s is not supported yet",
                        item->name != NULL ? item->name : "a list");
        if (harper_query_select(b->q, item->name, &herr) != HARPER_OK)
            return fail(b, 404, "HdbError: %s is not a defined attribute", item->name);
    }
    return 0;
}

int rest_query_build(const rest_table *rt, const char *qs, size_t len, harper_query **out,
                     bool *select_one, harper__qurl **joined, char *err, size_t err_size)
{
    struct build b = {rt, NULL, err, err_size, 0};
    harper__qurl_error qerr;
    harper__qurl *u = NULL;
    harper_error herr;
    bool hand_over = false;
    const char *db_name = cJSON_GetObjectItemCaseSensitive(rt->desc, "schema")->valuestring;
    const char *table_name = cJSON_GetObjectItemCaseSensitive(rt->desc, "name")->valuestring;
    int rc = 0;

    *out = NULL;
    *select_one = false;
    if (joined != NULL)
        *joined = NULL;
    if (harper__qurl_parse(qs, len, &u, &qerr) != 0) {
        snprintf(err, err_size, "%s: %s", qerr.cls, qerr.message);
        return qerr.status;
    }
    if (harper_query_new(rt->t, &b.q, &herr) != HARPER_OK) {
        harper__qurl_free(u);
        snprintf(err, err_size, "Error: %s", herr.message);
        return 500;
    }
    rc = add_group(&b, &u->root, true);
    for (size_t i = 0; rc == 0 && i < u->n_sort; i++) {
        const harper__qurl_sort *s = &u->sort[i];
        bool known;

        if (s->n_path != 1)
            rc = fail(&b, 400, "ClientError: sorting by a relationship is not supported yet");
        else if ((rest_attr_type(rt, s->path[0], &known), !known) ||
                 harper_query_sort(b.q, s->path[0], s->descending, &herr) != HARPER_OK)
            rc = fail(&b, 404, "HdbError: %s is not a defined attribute", s->path[0]);
    }
    if (rc == 0 && joined != NULL && rt->srv != NULL && u->select != NULL &&
        (u->select_as_array || rest_join_needed(rt->srv, db_name, table_name, u->select))) {
        *select_one = !u->select->is_list;
        hand_over = true;
    } else if (rc == 0) {
        rc = add_select(&b, u, select_one);
    }
    if (rc == 0 && (u->has_limit || u->has_offset)) {
        double offset = u->has_offset && isfinite(u->offset) && u->offset > 0 ? u->offset : 0;
        double limit = u->has_limit && isfinite(u->limit) && u->limit >= 0 ? u->limit : -1;

        if (harper_query_limit(b.q, (int64_t)offset, limit < 0 ? -1 : (int64_t)limit, &herr) !=
            HARPER_OK)
            rc = fail(&b, 400, "ClientError: %s", herr.message);
    }
    if (rc == 0 && hand_over) {
        *joined = u;
        u = NULL;
    }
    harper__qurl_free(u);
    if (rc != 0) {
        harper_query_free(b.q);
        return b.status;
    }
    *out = b.q;
    return 0;
}
