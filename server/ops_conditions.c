/* ops_conditions.c: search_by_conditions (spec/operations-api.md section 8.7) as Harper 4.7
 * answers it: the table is looked up before anything is validated, the conditions are
 * mapped to their canonical names before Joi sees them (so malformed ones fail with
 * JavaScript's own TypeErrors), validation problems are 400, and the rows of a lone condition
 * come in the order of its attribute's index. */
#include "ops_data.h"

#include <string.h>
#include <strings.h>

#include "json.h"
#include "query.h"

/* A condition's fields as Harper maps them: attribute ?? search_attribute (null falls back
 * too), comparator ?? search_type, and value unless absent, else search_value. */
static const cJSON *cond_field(const cJSON *c, const char *name, const char *legacy,
                               bool null_is_value)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, name);

    if (v == NULL || (!null_is_value && cJSON_IsNull(v)))
        v = cJSON_GetObjectItemCaseSensitive(c, legacy);
    return v;
}

/* Harper takes an element with a true "conditions" for a group. */
static bool is_group(const cJSON *c)
{
    return cJSON_IsObject(c) && data_truthy(cJSON_GetObjectItemCaseSensitive(c, "conditions"));
}

/* Harper maps the conditions before it validates them; this finds the JavaScript TypeError
 * that mapping throws on anything but arrays of objects, into `msg`. */
static bool map_crashes(const cJSON *conds, const char *expr, harper__buf *msg)
{
    const cJSON *c;

    if (conds == NULL || cJSON_IsNull(conds)) {
        harper__buf_printf(msg, "Cannot read properties of %s (reading 'map')",
                           conds == NULL ? "undefined" : "null");
        return true;
    }
    if (!cJSON_IsArray(conds)) {
        harper__buf_printf(msg, "%s.conditions.map is not a function", expr);
        return true;
    }
    cJSON_ArrayForEach(c, conds) {
        if (!cJSON_IsObject(c) && !cJSON_IsArray(c)) {
            harper__buf_str(msg, "Cannot use 'in' operator to search for 'conditions' in ");
            data_js_text(msg, c);
            return true;
        }
        if (is_group(c) && map_crashes(cJSON_GetObjectItemCaseSensitive(c, "conditions"), "i", msg))
            return true;
    }
    return false;
}

/* "and" / "or" in any case into *logic; absent is "and". */
static bool parse_logic(const cJSON *op, int *logic)
{
    *logic = HARPER_AND;
    if (op == NULL)
        return true;
    if (!cJSON_IsString(op))
        return false;
    if (strcasecmp(op->valuestring, "or") == 0)
        *logic = HARPER_OR;
    return *logic == HARPER_OR || strcasecmp(op->valuestring, "and") == 0;
}

/* Joi's check of the request, in the order of Harper's schema, reading offset and limit on
 * the way. Conditions pass it unless a top-level group has a bad operator: any other object
 * fits the group alternative. */
static void conditions_check_request(const cJSON *body, const cJSON *conds, int64_t *offset,
                                     int64_t *limit, harper__buf *errs)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(body, "operator");
    const cJSON *sort = cJSON_GetObjectItemCaseSensitive(body, "sort");
    const cJSON *c;
    int logic;
    bool flag;
    int i = 0;

    data_check_name(errs, cJSON_GetObjectItemCaseSensitive(body, "database"), "database", false);
    data_check_name(errs, cJSON_GetObjectItemCaseSensitive(body, "schema"), "schema", false);
    data_check_name(errs, cJSON_GetObjectItemCaseSensitive(body, "table"), "table", true);
    if (!parse_logic(op, &logic)) {
        harper__buf_join(errs, "'operator' must be one of [and, or]");
        if (!cJSON_IsString(op))
            harper__buf_join(errs, "'operator' must be a string");
    }
    data_check_count(errs, cJSON_GetObjectItemCaseSensitive(body, "offset"), "offset", 0, offset);
    data_check_count(errs, cJSON_GetObjectItemCaseSensitive(body, "limit"), "limit", 1, limit);
    data_check_get_attributes(errs, data_get_attributes(body));
    if (sort != NULL && !cJSON_IsObject(sort)) {
        harper__buf_join(errs, "'sort' must be of type object");
    } else if (sort != NULL) {
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(sort, "descending");

        data_check_attr(errs, cJSON_GetObjectItemCaseSensitive(sort, "attribute"),
                        "sort.attribute", false);
        if (desc != NULL && !data_joi_bool(desc, &flag))
            harper__buf_join(errs, "'sort.descending' must be a boolean");
    }
    if (conds->child == NULL)
        harper__buf_join(errs, "'conditions' must contain at least 1 items");
    cJSON_ArrayForEach(c, conds) {
        if (is_group(c) && !parse_logic(cJSON_GetObjectItemCaseSensitive(c, "operator"), &logic))
            harper__buf_join(errs, "'conditions[%d]' does not match any of the allowed types", i);
        i++;
    }
}

/* Harper's unknown-attribute check over the condition tree, depth first. */
static const char *conditions_known(const data_table *dt, const cJSON *conds, harper__buf *names,
                                    size_t *count)
{
    const cJSON *c;
    const char *crash = NULL;

    cJSON_ArrayForEach(c, conds) {
        if (is_group(c))
            crash = conditions_known(dt, cJSON_GetObjectItemCaseSensitive(c, "conditions"), names,
                                     count);
        else
            crash = data_check_known(dt, cond_field(c, "attribute", "search_attribute", false),
                                     names, count);
        if (crash != NULL)
            break;
    }
    return crash;
}

/* Adds one condition to q; replies with Harper's message and returns false when it cannot. */
static bool add_condition(harper_query *q, const cJSON *c, ops_reply *reply)
{
    const cJSON *attr = cond_field(c, "attribute", "search_attribute", false);
    const cJSON *cmp = cond_field(c, "comparator", "search_type", false);
    const cJSON *value = cond_field(c, "value", "search_value", true);
    harper__buf text = HARPER__BUF_INIT;
    harper_error err = {0};
    const char *name = data_attr_name(attr);
    int comparator = cJSON_IsNull(cmp) || cmp == NULL ? HARPER_EQUALS : -1;

    if (cJSON_IsString(cmp))
        comparator = harper__query_comparator(cmp->valuestring);
    if (value == NULL) {
        harper__buf_str(&text, "Search condition for ");
        data_js_text(&text, attr);
        harper__buf_str(&text, " must have a value");
    } else if (comparator < 0) {
        harper__buf_str(&text, "Unknown query comparator \"");
        data_js_text(&text, cmp);
        harper__buf_byte(&text, '"');
    } else if (name == NULL) {
        harper__buf_str(&text, "nested attribute paths are not supported");
    } else {
        harper__json_value(&text, value);
        if (text.failed)
            data_oom(&err);
        else if (harper_query_where(q, name, comparator, text.data, text.len, &err) == HARPER_OK)
            err.code = HARPER_OK;
        else if (err.code == 0)
            err.code = HARPER_EINVAL;
        harper__buf_free(&text);
        if (err.code != HARPER_OK)
            ops_reply_harper_error(reply, &err, 400);
        return err.code == HARPER_OK;
    }
    data_reply_errors(reply, 400, &text);
    return false;
}

/* Adds the conditions `conds`, combined with `logic`, to the current group of q. */
static bool add_conditions(harper_query *q, const cJSON *conds, int logic, ops_reply *reply)
{
    int n = cJSON_GetArraySize(conds);
    harper_error err = {0};
    const cJSON *c;

    if (logic == HARPER_OR && n < 2) {
        ops_reply_error(reply, 500, "An \"or\" operator requires at least two conditions");
        return false;
    }
    if (logic == HARPER_AND && n == 0) {
        ops_reply_error(reply, 500, "An \"and\" operator requires at least one condition");
        return false;
    }
    cJSON_ArrayForEach(c, conds) {
        if (is_group(c)) {
            int inner;

            (void)parse_logic(cJSON_GetObjectItemCaseSensitive(c, "operator"), &inner);
            if (harper_query_group_begin(q, inner, &err) != HARPER_OK) {
                ops_reply_harper_error(reply, &err, 400);
                return false;
            }
            if (!add_conditions(q, cJSON_GetObjectItemCaseSensitive(c, "conditions"), inner,
                                reply))
                return false;
            if (harper_query_group_end(q, &err) != HARPER_OK) {
                ops_reply_harper_error(reply, &err, 500);
                return false;
            }
        } else if (!add_condition(q, c, reply)) {
            return false;
        }
    }
    return true;
}

/* Harper returns the rows of a lone condition in the order of its attribute's index. The
 * library scans an index in that order for the comparators that can drive a scan; for the
 * others (contains, ends_with, not_equal) the order is asked for. */
static bool index_order(const data_table *dt, harper_query *q, const cJSON *conds,
                        const cJSON *sort, ops_reply *reply)
{
    const cJSON *c = conds->child;
    const cJSON *cmp;
    const char *name;
    harper_error err = {0};

    if (sort != NULL || c == NULL || c->next != NULL || is_group(c))
        return true;
    cmp = cond_field(c, "comparator", "search_type", false);
    name = data_attr_name(cond_field(c, "attribute", "search_attribute", false));
    if (!cJSON_IsString(cmp) || name == NULL || strcmp(name, dt->pk) == 0 ||
        (strcmp(cmp->valuestring, "contains") != 0 && strcmp(cmp->valuestring, "ends_with") != 0 &&
         strcmp(cmp->valuestring, "not_equal") != 0))
        return true;
    if (harper_query_sort(q, name, 0, &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 400);
        return false;
    }
    return true;
}

/* Opens the table the way Harper's search_by_conditions does, before any validation: a
 * missing database is 404, a missing table "Table <name> not found" with 400. */
static bool conditions_table(const ops_request *req, ops_reply *reply, data_table *dt)
{
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(req->body, "table");
    harper__buf db = HARPER__BUF_INIT;
    harper__buf text = HARPER__BUF_INIT;
    harper_error err = {0};
    int rc;

    data_database_name(req, &db);
    if (harper__buf_cstr(&db) == NULL) {
        ops_reply_error(reply, 500, "out of memory");
        return false;
    }
    rc = data_table_open(req->h, db.data, table, dt, &err);
    harper__buf_free(&db);
    if (rc == HARPER_ENOTABLE) {
        harper__buf_str(&text, "Table ");
        data_js_text(&text, table);
        harper__buf_str(&text, " not found");
        data_reply_errors(reply, 400, &text);
    } else if (rc != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
    }
    return rc == HARPER_OK;
}

void ops_search_by_conditions(const ops_request *req, ops_reply *reply)
{
    const cJSON *body = req->body;
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(body, "conditions");
    const cJSON *sel = data_get_attributes(body);
    const cJSON *sort = cJSON_GetObjectItemCaseSensitive(body, "sort");
    harper__buf errs = HARPER__BUF_INIT;
    harper_error err = {0};
    data_table dt = {0};
    harper_query *q = NULL;
    const char *crash = NULL;
    int64_t limit = -1;
    int64_t offset = 0;
    size_t n_unknown = 0;
    int logic;

    if (!conditions_table(req, reply, &dt))
        goto done;
    if (map_crashes(conds, "t", &errs)) {
        data_reply_errors(reply, 500, &errs);
        goto done;
    }
    conditions_check_request(body, conds, &offset, &limit, &errs);
    if (errs.len > 0) {
        data_reply_errors(reply, 400, &errs);
        goto done;
    }
    for (const cJSON *item = cJSON_IsArray(sel) ? sel->child : NULL; item; item = item->next)
        (void)data_check_known(&dt, item, &errs, &n_unknown);
    crash = conditions_known(&dt, conds, &errs, &n_unknown);
    if (crash != NULL) {
        ops_reply_error(reply, 500, "%s", crash);
        goto done;
    }
    if (n_unknown > 0) {
        data_reply_unknown(reply, 400, &errs);
        goto done;
    }
    (void)parse_logic(cJSON_GetObjectItemCaseSensitive(body, "operator"), &logic);
    if (harper_query_new(dt.t, &q, &err) != HARPER_OK ||
        harper_query_set_logic(q, logic, &err) != HARPER_OK ||
        harper_query_limit(q, offset, limit, &err) != HARPER_OK ||
        data_add_select(&dt, q, sel, &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        goto done;
    }
    if (add_conditions(q, conds, logic, reply) && data_add_sort(&dt, q, sort, reply) &&
        index_order(&dt, q, conds, sort, reply))
        data_reply_rows(reply, q);
done:
    harper_query_free(q);
    data_table_close(&dt);
    harper__buf_free(&errs);
}
