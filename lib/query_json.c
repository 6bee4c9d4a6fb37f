/* query_json.c: harper_query_from_json, Harper's search_by_conditions body turned into builder
 * calls. Shape errors come first, with Joi-style messages naming the offending path
 * ("'conditions[1].attribute' is required"); only a well-formed body is checked for unknown
 * attributes, as Harper validates before it looks at the table. Keys it does not know
 * (operation, database, table...) are left for the caller. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "query.h"

/* Deeper nesting than any real query; the bound keeps the recursion (and its stack) small
 * whatever a client sends. */
#define MAX_GROUP_DEPTH 32

static const struct {
    const char *name;
    int comparator;
} comparators[] = {
    {"equals", HARPER_EQUALS},
    {"not_equal", HARPER_NOT_EQUAL},
    {"greater_than", HARPER_GREATER_THAN},
    {"greater_than_equal", HARPER_GREATER_THAN_EQUAL},
    {"less_than", HARPER_LESS_THAN},
    {"less_than_equal", HARPER_LESS_THAN_EQUAL},
    {"starts_with", HARPER_STARTS_WITH},
    {"ends_with", HARPER_ENDS_WITH},
    {"contains", HARPER_CONTAINS},
    {"between", HARPER_BETWEEN},
};

int harper__query_comparator(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof comparators / sizeof comparators[0]; i++)
        if (strcmp(name, comparators[i].name) == 0)
            return comparators[i].comparator;
    return -1;
}

#define COMPARATOR_LIST                                                                     \
    "[equals, not_equal, greater_than, greater_than_equal, less_than, less_than_equal, "   \
    "starts_with, ends_with, contains, between]"

/* The canonical key if present (even as null: `"value": null` is a value), else the legacy
 * alias (may be NULL), else NULL. */
static const cJSON *get_aliased(const cJSON *obj, const char *key, const char *alias)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (v == NULL && alias != NULL)
        v = cJSON_GetObjectItemCaseSensitive(obj, alias);
    return v;
}

/* Paths name a part of the body in messages: "conditions[1].conditions[0].attribute". They
 * grow in one buffer; each level appends its part and cuts it off again on the way back. */
static const char *path_text(harper__buf *path)
{
    const char *text = harper__buf_cstr(path);

    return text != NULL ? text : "(out of memory)";
}

/* "and"/"or" in any case into *logic; a missing or null operator is "and". `path` is the
 * group's ("" for the body itself). */
static int parse_operator(const cJSON *obj, const char *path, int *logic, harper_error *err)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(obj, "operator");

    *logic = HARPER_AND;
    if (op == NULL || cJSON_IsNull(op))
        return HARPER_OK;
    if (cJSON_IsString(op) && strcasecmp(op->valuestring, "and") == 0)
        return HARPER_OK;
    if (cJSON_IsString(op) && strcasecmp(op->valuestring, "or") == 0) {
        *logic = HARPER_OR;
        return HARPER_OK;
    }
    return harper__error_set(err, HARPER_EINVAL, "'%s%soperator' must be one of [and, or]", path,
                             *path ? "." : "");
}

static int parse_conditions(harper_query *q, const cJSON *arr, harper__buf *path, int depth,
                            harper_error *err);

static int parse_condition(harper_query *q, const cJSON *c, harper__buf *path,
                           harper_error *err)
{
    const cJSON *attr = get_aliased(c, "attribute", "search_attribute");
    const cJSON *cmp = get_aliased(c, "comparator", "search_type");
    const cJSON *value = get_aliased(c, "value", "search_value");
    const char *at = path_text(path);
    harper__buf label = HARPER__BUF_INIT;
    int comparator = -1;
    int rc;

    if (attr == NULL)
        return harper__error_set(err, HARPER_EINVAL, "'%s.attribute' is required", at);
    if (!cJSON_IsString(attr))
        return harper__error_set(err, HARPER_EINVAL, "'%s.attribute' must be a string", at);
    if (cmp == NULL || cJSON_IsNull(cmp)) {
        comparator = HARPER_EQUALS;
    } else if (cJSON_IsString(cmp)) {
        comparator = harper__query_comparator(cmp->valuestring);
    }
    if (comparator < 0)
        return harper__error_set(err, HARPER_EINVAL, "'%s.comparator' must be one of %s", at,
                                 COMPARATOR_LIST);
    if (value == NULL)
        return harper__error_set(err, HARPER_EINVAL, "'%s.value' is required", at);
    harper__buf_printf(&label, "'%s.value'", at);
    if (harper__buf_cstr(&label) == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    else
        rc = harper__query_add_cond(q, attr->valuestring, comparator, value, label.data, err);
    harper__buf_free(&label);
    return rc;
}

/* A group {"operator", "conditions"} nested in the current group. */
static int parse_group(harper_query *q, const cJSON *g, harper__buf *path, int depth,
                       harper_error *err)
{
    size_t mark = path->len;
    int logic;
    int rc;

    if (depth >= MAX_GROUP_DEPTH)
        return harper__error_set(err, HARPER_EINVAL, "'%s' is nested too deeply",
                                 path_text(path));
    rc = parse_operator(g, path_text(path), &logic, err);
    if (rc == HARPER_OK)
        rc = harper_query_group_begin(q, logic, err);
    if (rc != HARPER_OK)
        return rc;
    harper__buf_str(path, ".conditions");
    rc = parse_conditions(q, cJSON_GetObjectItemCaseSensitive(g, "conditions"), path, depth + 1,
                          err);
    path->len = mark;
    if (rc == HARPER_OK)
        rc = harper_query_group_end(q, err);
    return rc;
}

static int parse_conditions(harper_query *q, const cJSON *arr, harper__buf *path, int depth,
                            harper_error *err)
{
    const cJSON *c;
    size_t mark = path->len;
    int i = 0;
    int rc = HARPER_OK;

    if (arr == NULL || cJSON_IsNull(arr))
        return harper__error_set(err, HARPER_EINVAL, "'%s' is required", path_text(path));
    if (!cJSON_IsArray(arr))
        return harper__error_set(err, HARPER_EINVAL, "'%s' must be an array", path_text(path));
    if (cJSON_GetArraySize(arr) < 1)
        return harper__error_set(err, HARPER_EINVAL, "'%s' must contain at least 1 item",
                                 path_text(path));
    cJSON_ArrayForEach(c, arr) {
        harper__buf_printf(path, "[%d]", i++);
        if (path->failed)
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        else if (!cJSON_IsObject(c))
            rc = harper__error_set(err, HARPER_EINVAL, "'%s' must be of type object",
                                   path_text(path));
        else if (cJSON_GetObjectItemCaseSensitive(c, "conditions") != NULL)
            rc = parse_group(q, c, path, depth, err);
        else
            rc = parse_condition(q, c, path, err);
        path->len = mark;
        if (rc != HARPER_OK)
            break;
    }
    return rc;
}

/* "sort": {"attribute", "descending", "next": {...}}, one sort key per level. */
static int parse_sort(harper_query *q, const cJSON *sort, harper__buf *path, harper_error *err)
{
    int rc = HARPER_OK;

    harper__buf_str(path, "sort");
    while (sort != NULL && !cJSON_IsNull(sort) && rc == HARPER_OK) {
        const cJSON *attr = cJSON_GetObjectItemCaseSensitive(sort, "attribute");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(sort, "descending");
        const char *at = path_text(path);

        if (!cJSON_IsObject(sort))
            return harper__error_set(err, HARPER_EINVAL, "'%s' must be of type object", at);
        if (attr == NULL)
            return harper__error_set(err, HARPER_EINVAL, "'%s.attribute' is required", at);
        if (!cJSON_IsString(attr))
            return harper__error_set(err, HARPER_EINVAL, "'%s.attribute' must be a string", at);
        if (desc != NULL && !cJSON_IsNull(desc) && !cJSON_IsBool(desc))
            return harper__error_set(err, HARPER_EINVAL, "'%s.descending' must be a boolean",
                                     at);
        rc = harper__query_add_sort(q, attr->valuestring, cJSON_IsTrue(desc), err);
        harper__buf_str(path, ".next");
        sort = cJSON_GetObjectItemCaseSensitive(sort, "next");
    }
    return rc;
}

/* An integer >= min from key `name`; absent or null leaves *out alone. */
static int parse_count(const cJSON *doc, const char *name, int64_t min, int64_t *out,
                       harper_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);
    double d;

    if (v == NULL || cJSON_IsNull(v))
        return HARPER_OK;
    if (!cJSON_IsNumber(v))
        return harper__error_set(err, HARPER_EINVAL, "'%s' must be a number", name);
    d = v->valuedouble;
    if (d != floor(d))
        return harper__error_set(err, HARPER_EINVAL, "'%s' must be an integer", name);
    if (d < (double)min)
        return harper__error_set(err, HARPER_EINVAL,
                                 "'%s' must be greater than or equal to %lld", name,
                                 (long long)min);
    /* 2^63 and above saturate: no table holds that many rows. */
    *out = d >= 9223372036854775807.0 ? INT64_MAX : (int64_t)d;
    return HARPER_OK;
}

static int parse_select(harper_query *q, const cJSON *doc, harper_error *err)
{
    const char *name = "select";
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(doc, name);
    const cJSON *a;
    int i = 0;
    int rc = HARPER_OK;

    if (sel == NULL) {
        name = "get_attributes";
        sel = cJSON_GetObjectItemCaseSensitive(doc, name);
    }
    if (sel == NULL || cJSON_IsNull(sel))
        return HARPER_OK;
    if (!cJSON_IsArray(sel))
        return harper__error_set(err, HARPER_EINVAL, "'%s' must be an array", name);
    if (cJSON_GetArraySize(sel) < 1)
        return harper__error_set(err, HARPER_EINVAL, "'%s' must contain at least 1 item", name);
    cJSON_ArrayForEach(a, sel) {
        if (!cJSON_IsString(a))
            return harper__error_set(err, HARPER_EINVAL, "'%s[%d]' must be a string", name, i);
        rc = harper__query_add_select(q, a->valuestring, err);
        if (rc != HARPER_OK)
            break;
        i++;
    }
    return rc;
}

static int parse_body(harper_query *q, const cJSON *doc, harper_error *err)
{
    harper__buf path = HARPER__BUF_INIT;
    int logic;
    int64_t limit = -1;
    int64_t offset = 0;
    int rc;

    if (!cJSON_IsObject(doc))
        return harper__error_set(err, HARPER_EINVAL, "the query must be a JSON object");
    rc = parse_operator(doc, "", &logic, err);
    if (rc == HARPER_OK)
        rc = harper_query_set_logic(q, logic, err);
    if (rc == HARPER_OK) {
        harper__buf_str(&path, "conditions");
        rc = parse_conditions(q, cJSON_GetObjectItemCaseSensitive(doc, "conditions"), &path, 0,
                              err);
    }
    if (rc == HARPER_OK) {
        harper__buf_reset(&path);
        rc = parse_sort(q, cJSON_GetObjectItemCaseSensitive(doc, "sort"), &path, err);
    }
    if (rc == HARPER_OK)
        rc = parse_count(doc, "limit", 1, &limit, err);
    if (rc == HARPER_OK)
        rc = parse_count(doc, "offset", 0, &offset, err);
    if (rc == HARPER_OK)
        rc = harper_query_limit(q, offset, limit, err);
    if (rc == HARPER_OK)
        rc = parse_select(q, doc, err);
    harper__buf_free(&path);
    return rc;
}

int harper_query_from_json(harper_table *t, const char *json, size_t len, harper_query **out,
                           harper_error *err)
{
    harper_query *q = NULL;
    cJSON *doc = NULL;
    int rc;

    if (out == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query JSON and output are required");
    *out = NULL;
    rc = harper_query_new(t, &q, err);
    if (rc == HARPER_OK) {
        doc = harper__query_parse_json(json, len);
        if (doc == NULL)
            rc = harper__error_set(err, HARPER_EINVAL, "the query is not valid JSON");
    }
    if (rc == HARPER_OK)
        rc = parse_body(q, doc, err);
    if (rc == HARPER_OK)
        rc = harper__query_check_attrs(q, q->def, err);
    if (rc == HARPER_OK) {
        *out = q;
        q = NULL;
    }
    cJSON_Delete(doc);
    harper_query_free(q);
    return rc;
}
