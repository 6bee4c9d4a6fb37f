/* query_build.c: the query object and the harper_query_* calls that build it: a tree of
 * and/or groups of conditions, sort keys, a projection, offset and limit. It only records and
 * checks what the caller asks for; query_plan.c decides how to run it when a cursor opens.
 * The parts of this file that take no attribute check are shared with query_json.c. */
#include "query.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store.h"

static void node_free(harper__qnode *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->attr);
    cJSON_Delete(n->value);
    free(n);
}

/* Appends `kid` to group `g`; the group owns it from then on, also on failure (then freed). */
static int group_add_take(harper__qnode *g, harper__qnode *kid, harper_error *err)
{
    if (g->n_kids == g->cap_kids) {
        size_t cap = g->cap_kids ? g->cap_kids * 2 : 4;
        harper__qnode **kids = realloc(g->kids, cap * sizeof *kids);

        if (kids == NULL) {
            node_free(kid);
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        }
        g->kids = kids;
        g->cap_kids = cap;
    }
    kid->parent = g;
    g->kids[g->n_kids++] = kid;
    return HARPER_OK;
}

static bool is_logic(int logic)
{
    return logic == HARPER_AND || logic == HARPER_OR;
}

int harper__query_no_table(const harper__table_def *def, harper_error *err)
{
    return harper__error_set(err, HARPER_ENOTABLE, "Table '%s.%s' does not exist", def->db,
                             def->name);
}

int harper_query_new(harper_table *t, harper_query **out, harper_error *err)
{
    harper_query *q = NULL;
    harper__table_def *def = NULL;
    int rc = HARPER_OK;

    if (out == NULL || t == NULL)
        return harper__error_set(err, HARPER_EINVAL, "table and query are required");
    *out = NULL;
    def = harper__table_def_get(t);
    if (def == NULL)
        return harper__error_set(err, HARPER_ENOTABLE, "table does not exist");
    if (atomic_load(&t->dropped))
        rc = harper__query_no_table(def, err);
    if (rc == HARPER_OK) {
        q = calloc(1, sizeof *q);
        if (q != NULL)
            q->root = calloc(1, sizeof *q->root);
        if (q == NULL || q->root == NULL)
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    if (rc != HARPER_OK) {
        if (q != NULL)
            free(q->root);
        free(q);
        harper__table_def_put(def);
        return rc;
    }
    q->root->is_group = true;
    q->root->logic = HARPER_AND;
    q->current = q->root;
    q->limit = -1;
    q->def = def;
    q->table = t;
    harper__table_ref(t);
    /* A query is a handle too: harper_close must not free the table under it. */
    atomic_fetch_add(&t->db->root->open_handles, 1);
    *out = q;
    return HARPER_OK;
}

void harper_query_free(harper_query *q)
{
    if (q == NULL)
        return;
    node_free(q->root);
    for (size_t i = 0; i < q->n_sort; i++)
        free(q->sort[i].attr);
    free(q->sort);
    for (size_t i = 0; i < q->n_select; i++)
        free(q->select[i]);
    free(q->select);
    harper__table_def_put(q->def);
    atomic_fetch_sub(&q->table->db->root->open_handles, 1);
    harper__table_unref(q->table);
    free(q);
}

int harper_query_set_logic(harper_query *q, int logic, harper_error *err)
{
    if (q == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query is required");
    if (!is_logic(logic))
        return harper__error_set(err, HARPER_EINVAL, "'operator' must be one of [and, or]");
    q->current->logic = logic;
    return HARPER_OK;
}

static bool is_string_or_number(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsNumber(v);
}

int harper__query_check_value(int comparator, const cJSON *value, const char *label,
                              harper_error *err)
{
    switch (comparator) {
    case HARPER_EQUALS:
    case HARPER_NOT_EQUAL:
        return HARPER_OK;
    case HARPER_GREATER_THAN:
    case HARPER_GREATER_THAN_EQUAL:
    case HARPER_LESS_THAN:
    case HARPER_LESS_THAN_EQUAL:
    case HARPER_STARTS_WITH:
    case HARPER_ENDS_WITH:
    case HARPER_CONTAINS:
        if (!is_string_or_number(value))
            return harper__error_set(err, HARPER_EINVAL, "%s must be a string or a number",
                                     label);
        return HARPER_OK;
    case HARPER_BETWEEN:
        if (!cJSON_IsArray(value) || cJSON_GetArraySize(value) != 2 ||
            !is_string_or_number(cJSON_GetArrayItem(value, 0)) ||
            !is_string_or_number(cJSON_GetArrayItem(value, 1)))
            return harper__error_set(err, HARPER_EINVAL,
                                     "%s must be an array of 2 strings or numbers", label);
        return HARPER_OK;
    case HARPER_IN:
        /* Elements are whatever equals takes; duplicates are harmless. */
        if (!cJSON_IsArray(value))
            return harper__error_set(err, HARPER_EINVAL, "%s must be an array of the values to "
                                     "match", label);
        return HARPER_OK;
    default:
        return harper__error_set(err, HARPER_EINVAL, "unknown comparator %d", comparator);
    }
}

int harper__query_add_cond(harper_query *q, const char *attr, int comparator, const cJSON *value,
                           const char *label, harper_error *err)
{
    harper__qnode *n;
    int rc;

    rc = harper__query_check_value(comparator, value, label, err);
    if (rc != HARPER_OK)
        return rc;
    n = calloc(1, sizeof *n);
    if (n == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    n->comparator = comparator;
    n->attr = strdup(attr);
    n->value = cJSON_Duplicate(value, 1);
    if (n->attr == NULL || n->value == NULL) {
        node_free(n);
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    return group_add_take(q->current, n, err);
}

/* The one check of an attribute name, for conditions, sort keys and the select list. */
static int check_attr(const harper__table_def *def, const char *name, harper_error *err)
{
    if (harper__def_find(def, name, strlen(name)) == NULL)
        return harper__error_set(err, HARPER_ENOATTR, "unknown attribute '%s'", name);
    return HARPER_OK;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

cJSON *harper__query_parse_json(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(text, len, &end, 0);

    if (v == NULL)
        return NULL;
    /* cJSON stops after the first value; anything but blanks after it is an error. */
    while (end < text + len && is_blank(*end))
        end++;
    if (end != text + len) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}

int harper_query_where(harper_query *q, const char *attribute, int comparator, const char *value,
                       size_t value_len, harper_error *err)
{
    cJSON *v = NULL;
    int rc;

    if (q == NULL || attribute == NULL || value == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query, attribute and value are required");
    rc = check_attr(q->def, attribute, err);
    if (rc != HARPER_OK)
        return rc;
    v = harper__query_parse_json(value, value_len);
    if (v == NULL)
        rc = harper__error_set(err, HARPER_EINVAL, "'value' is not valid JSON");
    else
        rc = harper__query_add_cond(q, attribute, comparator, v, "'value'", err);
    cJSON_Delete(v);
    return rc;
}

int harper_query_group_begin(harper_query *q, int logic, harper_error *err)
{
    harper__qnode *g;
    int rc;

    if (q == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query is required");
    if (!is_logic(logic))
        return harper__error_set(err, HARPER_EINVAL, "'operator' must be one of [and, or]");
    g = calloc(1, sizeof *g);
    if (g == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    g->is_group = true;
    g->logic = logic;
    rc = group_add_take(q->current, g, err);
    if (rc == HARPER_OK)
        q->current = g;
    return rc;
}

int harper_query_group_end(harper_query *q, harper_error *err)
{
    if (q == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query is required");
    if (q->current->parent == NULL)
        return harper__error_set(err, HARPER_EMISUSE, "no group is open");
    q->current = q->current->parent;
    return HARPER_OK;
}

/* Appends a copy of `s` to a growing array of strings (*n entries). */
static int push_str(char ***arr, size_t *n, const char *s, harper_error *err)
{
    char **grown = realloc(*arr, (*n + 1) * sizeof *grown);
    char *copy;

    if (grown == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    *arr = grown;
    copy = strdup(s);
    if (copy == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    grown[(*n)++] = copy;
    return HARPER_OK;
}

int harper__query_add_sort(harper_query *q, const char *attr, int descending, harper_error *err)
{
    harper__sort_key *grown = realloc(q->sort, (q->n_sort + 1) * sizeof *grown);
    char *copy;

    if (grown == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    q->sort = grown;
    copy = strdup(attr);
    if (copy == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    grown[q->n_sort].attr = copy;
    grown[q->n_sort].descending = descending != 0;
    q->n_sort++;
    return HARPER_OK;
}

int harper_query_sort(harper_query *q, const char *attribute, int descending, harper_error *err)
{
    int rc;

    if (q == NULL || attribute == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query and attribute are required");
    rc = check_attr(q->def, attribute, err);
    if (rc == HARPER_OK)
        rc = harper__query_add_sort(q, attribute, descending, err);
    return rc;
}

int harper__query_add_select(harper_query *q, const char *attr, harper_error *err)
{
    if (strcmp(attr, "*") == 0) {
        q->select_all = true;
        return HARPER_OK;
    }
    return push_str(&q->select, &q->n_select, attr, err);
}

int harper_query_select(harper_query *q, const char *attribute, harper_error *err)
{
    int rc = HARPER_OK;

    if (q == NULL || attribute == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query and attribute are required");
    if (strcmp(attribute, "*") != 0)
        rc = check_attr(q->def, attribute, err);
    if (rc == HARPER_OK)
        rc = harper__query_add_select(q, attribute, err);
    return rc;
}

int harper_query_limit(harper_query *q, int64_t offset, int64_t limit, harper_error *err)
{
    if (q == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query is required");
    if (offset < 0)
        return harper__error_set(err, HARPER_EINVAL,
                                 "'offset' must be greater than or equal to 0");
    if (limit < 1 && limit != -1)
        return harper__error_set(err, HARPER_EINVAL,
                                 "'limit' must be greater than or equal to 1");
    q->offset = offset;
    q->limit = limit;
    return HARPER_OK;
}

static int check_node_attrs(const harper__qnode *n, const harper__table_def *def,
                            harper_error *err)
{
    int rc = HARPER_OK;

    if (!n->is_group)
        return check_attr(def, n->attr, err);
    for (size_t i = 0; i < n->n_kids && rc == HARPER_OK; i++)
        rc = check_node_attrs(n->kids[i], def, err);
    return rc;
}

int harper__query_check_attrs(const harper_query *q, const harper__table_def *def,
                              harper_error *err)
{
    int rc = check_node_attrs(q->root, def, err);

    for (size_t i = 0; i < q->n_sort && rc == HARPER_OK; i++)
        rc = check_attr(def, q->sort[i].attr, err);
    for (size_t i = 0; i < q->n_select && rc == HARPER_OK; i++)
        rc = check_attr(def, q->select[i], err);
    return rc;
}
