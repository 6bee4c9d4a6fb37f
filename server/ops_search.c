/* ops_search.c: search_by_id and search_by_value (spec/operations-api.md sections 8.5-8.6),
 * answering as Harper 4.7 does, checks, statuses and quirks included, and the helpers they
 * share with ops_conditions.c (search_by_conditions).
 *
 * Each search validates the request its own way, as Harper does: search_by_id and
 * search_by_value report validation problems as 500, search_by_conditions as 400. Rows go
 * into the reply as the cursor hands them out (stored records are JSON already), never
 * through a parse; only search_by_id, which reads by key, projects records itself. */
#include "ops_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"

/* ---- checks shared by the searches ---- */

/* Joi's number(): numbers, and strings that read as one (Joi converts them); *d gets it. */
static bool joi_number(const cJSON *v, double *d)
{
    char *end;

    if (cJSON_IsNumber(v)) {
        *d = v->valuedouble;
        return true;
    }
    /* Decimal text only: strtod would also take "inf", "nan" and hexadecimal. */
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
        v->valuestring[strspn(v->valuestring, " +-.0123456789eE")] != '\0')
        return false;
    *d = strtod(v->valuestring, &end);
    while (*end == ' ')
        end++;
    return *end == '\0';
}

void data_check_count(harper__buf *errs, const cJSON *v, const char *label, int64_t min,
                      int64_t *out)
{
    double d;

    if (v == NULL)
        return;
    if (!joi_number(v, &d)) {
        harper__buf_join(errs, "'%s' must be a number", label);
    } else if (isinf(d)) {
        harper__buf_join(errs, "'%s' cannot be infinity", label);
    } else if (fabs(d) > 9007199254740991.0) {
        harper__buf_join(errs, "'%s' must be a safe number", label);
    } else {
        if (d != floor(d))
            harper__buf_join(errs, "'%s' must be an integer", label);
        if (d < (double)min)
            harper__buf_join(errs, "'%s' must be greater than or equal to %lld", label,
                           (long long)min);
        *out = (int64_t)d;
    }
}

bool data_joi_bool(const cJSON *v, bool *out)
{
    if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v);
        return true;
    }
    if (cJSON_IsString(v) && (strcasecmp(v->valuestring, "true") == 0 ||
                              strcasecmp(v->valuestring, "false") == 0)) {
        *out = strcasecmp(v->valuestring, "true") == 0;
        return true;
    }
    return false;
}

void data_check_get_attributes(harper__buf *errs, const cJSON *sel)
{
    const cJSON *item;
    char label[48];
    int i = 0;

    if (sel == NULL)
        return;
    if (!cJSON_IsArray(sel)) {
        harper__buf_join(errs, "'get_attributes' must be an array");
        return;
    }
    if (sel->child == NULL)
        harper__buf_join(errs, "'get_attributes' must contain at least 1 items");
    cJSON_ArrayForEach(item, sel) {
        snprintf(label, sizeof label, "get_attributes[%d]", i++);
        if (!cJSON_IsObject(item))
            data_check_attr(errs, item, label, true);
    }
}

const cJSON *data_get_attributes(const cJSON *body)
{
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(body, "select");

    return sel != NULL ? sel : cJSON_GetObjectItemCaseSensitive(body, "get_attributes");
}

const char *data_check_known(const data_table *dt, const cJSON *d, harper__buf *names,
                             size_t *count)
{
    const cJSON *a;

    if (d == NULL)
        return "Cannot read properties of undefined (reading 'startsWith')";
    if (cJSON_IsNull(d))
        return "Cannot read properties of null (reading 'startsWith')";
    if (cJSON_IsArray(d))
        return NULL;    /* a nested path: not checked */
    if (cJSON_IsString(d) &&
        (strcmp(d->valuestring, "*") == 0 || d->valuestring[0] == '$' ||
         data_table_attr(dt, d->valuestring) != NULL))
        return NULL;
    if (cJSON_IsObject(d)) {
        a = cJSON_GetObjectItemCaseSensitive(d, "attribute");
        if (data_truthy(cJSON_GetObjectItemCaseSensitive(d, "name")) ||
            (cJSON_IsString(a) && (strcmp(a->valuestring, "*") == 0 ||
                                   data_table_attr(dt, a->valuestring) != NULL)))
            return NULL;
    }
    if ((*count)++ > 0)
        harper__buf_str(names, ", ");
    data_js_text(names, d);
    return NULL;
}

void data_reply_unknown(ops_reply *reply, int status, harper__buf *names)
{
    harper__buf text = HARPER__BUF_INIT;
    size_t last = names->len;

    for (size_t i = 0; i < names->len; i++)
        if (names->data[i] == ',')
            last = i;
    harper__buf_str(&text, "unknown attribute '");
    if (last < names->len) {
        harper__buf_append(&text, names->data, last);
        harper__buf_str(&text, " and");
        harper__buf_append(&text, names->data + last + 1, names->len - last - 1);
    } else {
        harper__buf_append(&text, names->data, names->len);
    }
    harper__buf_byte(&text, '\'');
    data_reply_errors(reply, status, &text);
}

const char *data_attr_name(const cJSON *v)
{
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 1)
        v = v->child;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int data_add_select(const data_table *dt, harper_query *q, const cJSON *sel, harper_error *err)
{
    const cJSON *item;
    const cJSON *seen;
    int rc = HARPER_OK;

    if (!cJSON_IsArray(sel) || sel->child == NULL)
        return HARPER_OK;
    if (cJSON_IsString(sel->child) && strcmp(sel->child->valuestring, "*") == 0) {
        if (dt->schema_defined)
            return HARPER_OK;
        cJSON_ArrayForEach(item, dt->attrs) {
            rc = harper_query_select(
                q, cJSON_GetObjectItemCaseSensitive(item, "attribute")->valuestring, err);
            if (rc != HARPER_OK)
                break;
        }
        return rc;
    }
    cJSON_ArrayForEach(item, sel) {
        const char *name = data_attr_name(item);
        bool dup = false;

        for (seen = sel->child; name != NULL && seen != item && !dup; seen = seen->next)
            dup = data_attr_name(seen) != NULL && strcmp(data_attr_name(seen), name) == 0;
        if (name != NULL && !dup && (rc = harper_query_select(q, name, err)) != HARPER_OK)
            break;
    }
    return rc;
}

void data_reply_rows(ops_reply *reply, const harper_query *q)
{
    harper__buf out = HARPER__BUF_INIT;
    harper_error err = {0};
    harper_cursor *c = NULL;
    const char *row;
    size_t len;
    int rc;

    rc = harper_cursor_open(q, &c, &err);
    harper__buf_byte(&out, '[');
    while (rc == HARPER_OK && (rc = harper_cursor_next(c, &row, &len, &err)) == 1) {
        if (out.len > 1)
            harper__buf_byte(&out, ',');
        harper__buf_append(&out, row, len);
        rc = out.failed ? data_oom(&err) : HARPER_OK;
    }
    harper_cursor_close(c);
    harper__buf_byte(&out, ']');
    if (rc != HARPER_OK) {
        harper__buf_free(&out);
        ops_reply_harper_error(reply, &err, 404);
        return;
    }
    data_reply_buf(reply, 200, &out);
}

bool data_add_sort(const data_table *dt, harper_query *q, const cJSON *sort, ops_reply *reply)
{
    harper__buf text = HARPER__BUF_INIT;
    harper_error err = {0};

    for (bool first = true; cJSON_IsObject(sort);
         sort = cJSON_GetObjectItemCaseSensitive(sort, "next"), first = false) {
        const cJSON *attr = cJSON_GetObjectItemCaseSensitive(sort, "attribute");
        const char *name = data_attr_name(attr);

        if (!first && (name == NULL || data_table_attr(dt, name) == NULL))
            break;
        if (!data_truthy(attr)) {
            ops_reply_error(reply, 400, "Sort requires an attribute");
            return false;
        }
        if (name == NULL || data_table_attr(dt, name) == NULL) {
            data_js_text(&text, attr);
            harper__buf_str(&text, " is not a defined attribute");
            data_reply_errors(reply, 404, &text);
            return false;
        }
        if (harper_query_sort(q, name,
                              data_truthy(cJSON_GetObjectItemCaseSensitive(sort, "descending")),
                              &err) != HARPER_OK) {
            ops_reply_harper_error(reply, &err, 400);
            return false;
        }
    }
    return true;
}

/* ---- search_by_id ---- */

/* Harper's hand-written check for search_by_id adds messages so: a check that passes adds ""
 * which, after an earlier message, still appends the ". " separator; the whole is trimmed.
 * harper__buf_join(errs, "%s", "") does just that. */
/* checkValidTable(label, v): "" when v is a good name. */
static void id_check_name(harper__buf *errs, const char *label, const cJSON *v)
{
    char text[80];
    const char *problem;

    if (!data_truthy(v)) {
        snprintf(text, sizeof text, "'%s' is required", label);
    } else if (!cJSON_IsString(v)) {
        snprintf(text, sizeof text, "'%s' must be a string", label);
    } else if ((problem = data_name_problem(v->valuestring)) != NULL) {
        snprintf(text, sizeof text, "'%s' %s", label, problem);
    } else {
        text[0] = '\0';
    }
    harper__buf_join(errs, "%s", text);
}

/* An array every element of which is a string or a number. */
static bool strings_or_numbers(const cJSON *arr)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, arr) {
        if (!cJSON_IsString(item) && !cJSON_IsNumber(item))
            return false;
    }
    return true;
}

static void id_check_request(const ops_request *req, const cJSON *ids, const cJSON *sel,
                             harper__buf *errs)
{
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(req->body, "database");

    if (!data_truthy(db))
        db = cJSON_GetObjectItemCaseSensitive(req->body, "schema");
    /* No database at all is "data", a good name. */
    if (data_truthy(db))
        id_check_name(errs, "database", db);
    id_check_name(errs, "table", cJSON_GetObjectItemCaseSensitive(req->body, "table"));
    if (!data_truthy(ids))
        harper__buf_join(errs, "%s", "'hash_values' is required");
    else if (!cJSON_IsArray(ids))
        harper__buf_join(errs, "%s", "'hash_values' must be an array");
    else if (!strings_or_numbers(ids))
        harper__buf_join(errs, "%s", "'hash_values' must be strings or numbers");
    if (!data_truthy(sel))
        harper__buf_join(errs, "%s", "'get_attributes' is required");
    else if (!cJSON_IsArray(sel))
        harper__buf_join(errs, "%s", "'get_attributes' must be an array");
    else if (sel->child == NULL)
        harper__buf_join(errs, "%s", "'get_attributes' must contain at least 1 item");
    else if (!strings_or_numbers(sel))
        harper__buf_join(errs, "%s", "'get_attributes' must be strings or numbers");
    while (errs->len > 0 && errs->data[errs->len - 1] == ' ')
        errs->len--;
}

/* Appends record `json` projected on `sel`: exactly those names in that order, missing ones
 * null, each name once; ["*", ...] is every attribute of a dynamic table. A "*" later in the
 * list is just a name here (Harper's get treats it so). */
static int project(const data_table *dt, const char *json, size_t len, const cJSON *sel,
                   harper__buf *out)
{
    bool all = cJSON_IsString(sel->child) && strcmp(sel->child->valuestring, "*") == 0;
    cJSON *rec;
    const cJSON *names = all ? dt->attrs : sel;
    const cJSON *item;
    size_t start = out->len;

    if (all && dt->schema_defined) {
        harper__buf_append(out, json, len);
        return HARPER_OK;
    }
    rec = cJSON_ParseWithLength(json, len);
    if (rec == NULL)
        return HARPER_ENOMEM;
    harper__buf_byte(out, '{');
    cJSON_ArrayForEach(item, names) {
        const char *name = all ? cJSON_GetObjectItemCaseSensitive(item, "attribute")->valuestring
                               : item->valuestring;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, name);
        bool dup = false;

        for (const cJSON *seen = names->child; !all && seen != item && !dup; seen = seen->next)
            dup = strcmp(seen->valuestring, name) == 0;
        if (dup)
            continue;
        if (out->len > start + 1)
            harper__buf_byte(out, ',');
        harper__json_string(out, name, strlen(name));
        harper__buf_byte(out, ':');
        if (v == NULL)
            harper__buf_str(out, "null");
        else
            harper__json_value(out, v);
    }
    harper__buf_byte(out, '}');
    cJSON_Delete(rec);
    return out->failed ? HARPER_ENOMEM : HARPER_OK;
}

void ops_search_by_id(const ops_request *req, ops_reply *reply)
{
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(req->body, "ids");
    const cJSON *sel = data_get_attributes(req->body);
    const cJSON *id;
    harper__buf errs = HARPER__BUF_INIT;
    harper__buf db = HARPER__BUF_INIT;
    harper__buf key = HARPER__BUF_INIT;
    harper__buf out = HARPER__BUF_INIT;
    harper_error err = {0};
    data_table dt = {0};
    size_t n_unknown = 0;
    char *json;
    size_t len;
    int rc = HARPER_OK;

    if (!data_truthy(ids))
        ids = cJSON_GetObjectItemCaseSensitive(req->body, "hash_values");
    id_check_request(req, ids, sel, &errs);
    if (errs.len > 0) {
        data_reply_errors(reply, 500, &errs);
        return;
    }
    data_database_name(req, &db);
    if (harper__buf_cstr(&db) == NULL ||
        data_table_open(req->h, db.data, cJSON_GetObjectItemCaseSensitive(req->body, "table"), &dt,
                        &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        goto done;
    }
    /* Validated: strings and numbers only, none of which trips Harper's check. */
    for (const cJSON *item = sel->child; item != NULL; item = item->next)
        (void)data_check_known(&dt, item, &errs, &n_unknown);
    if (n_unknown > 0) {
        data_reply_unknown(reply, 500, &errs);
        goto done;
    }
    harper__buf_byte(&out, '[');
    cJSON_ArrayForEach(id, ids) {
        harper__buf_reset(&key);
        if (harper__json_value(&key, id) != HARPER_OK || key.failed) {
            rc = data_oom(&err);
            break;
        }
        rc = harper_table_get(dt.t, key.data, key.len, &json, &len, &err);
        if (rc == HARPER_ENOTFOUND) {
            rc = HARPER_OK;     /* ids without a record are left out */
            continue;
        }
        if (rc != HARPER_OK)
            break;
        if (out.len > 1)
            harper__buf_byte(&out, ',');
        rc = project(&dt, json, len, sel, &out);
        harper_free(json);
        if (rc != HARPER_OK) {
            data_oom(&err);
            break;
        }
    }
    harper__buf_byte(&out, ']');
    if (rc != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    else
        data_reply_buf(reply, 200, &out);
done:
    data_table_close(&dt);
    harper__buf_free(&errs);
    harper__buf_free(&db);
    harper__buf_free(&key);
    harper__buf_free(&out);
}

/* ---- search_by_value ---- */

/* Harper's wildcards: "x*" starts_with, "*x" ends_with, "*x*" contains, "*" alone everything
 * (*cmp = -1: no condition); a '*' elsewhere is a plain character. *text and *text_len are
 * the value without its stars. */
static void wildcard(const char *s, int *cmp, const char **text, size_t *text_len)
{
    size_t n = strlen(s);

    *cmp = HARPER_EQUALS;
    *text = s;
    *text_len = n;
    if (n == 0 || strchr(s, '*') == NULL)
        return;
    if (s[0] == '*' && s[n - 1] == '*') {
        if (n == 1) {
            *cmp = -1;
        } else {
            *cmp = HARPER_CONTAINS;
            *text = s + 1;
            *text_len = n - 2;
        }
    } else if (s[0] == '*') {
        *cmp = HARPER_ENDS_WITH;
        *text = s + 1;
        *text_len = n - 1;
    } else if (s[n - 1] == '*') {
        *cmp = HARPER_STARTS_WITH;
        *text_len = n - 1;
    }
}

/* The condition and order of a search_by_value. Harper returns the rows of a value condition
 * in the order of the attribute's index and those of "*" in primary key order, `desc` (or
 * `reverse`) reversing either; a `sort` replaces that order. */
static bool value_query(const data_table *dt, const ops_request *req, const char *attr,
                        const cJSON *value, bool reverse, harper_query *q, ops_reply *reply)
{
    const cJSON *sort = cJSON_GetObjectItemCaseSensitive(req->body, "sort");
    harper__buf json = HARPER__BUF_INIT;
    harper_error err = {0};
    int cmp = HARPER_EQUALS;
    int rc = HARPER_OK;

    if (cJSON_IsString(value)) {
        const char *text;
        size_t len;

        wildcard(value->valuestring, &cmp, &text, &len);
        harper__json_string(&json, text, len);
    } else {
        harper__json_value(&json, value);
    }
    if (json.failed)
        rc = data_oom(&err);
    if (rc == HARPER_OK && cmp >= 0)
        rc = harper_query_where(q, attr, cmp, json.data, json.len, &err);
    /* An index scan gives index order by itself; contains and ends_with cannot drive one. */
    if (rc == HARPER_OK && sort == NULL &&
        (reverse || cmp == HARPER_CONTAINS || cmp == HARPER_ENDS_WITH))
        rc = harper_query_sort(q, cmp >= 0 ? attr : dt->pk, reverse, &err);
    harper__buf_free(&json);
    if (rc != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        return false;
    }
    return sort == NULL || data_add_sort(dt, q, sort, reply);
}

void ops_search_by_value(const ops_request *req, ops_reply *reply)
{
    const cJSON *body = req->body;
    const cJSON *attr = cJSON_GetObjectItemCaseSensitive(body, "search_attribute");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, "search_value");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(body, "desc");
    const cJSON *sel = data_get_attributes(req->body);
    harper__buf errs = HARPER__BUF_INIT;
    harper__buf db = HARPER__BUF_INIT;
    harper_error err = {0};
    data_table dt = {0};
    harper_query *q = NULL;
    int64_t limit = -1;
    int64_t offset = 0;
    size_t n_unknown = 0;
    bool reverse = false;
    const char *name;

    if (attr == NULL)
        attr = cJSON_GetObjectItemCaseSensitive(body, "attribute");
    if (value == NULL)
        value = cJSON_GetObjectItemCaseSensitive(body, "value");
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(body, "database"), "database", false);
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(body, "schema"), "schema", false);
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(body, "table"), "table", true);
    data_check_attr(&errs, attr, "attribute", true);
    if (value == NULL)
        harper__buf_join(&errs, "'value' is required");
    data_check_get_attributes(&errs, sel);
    if (desc != NULL && !data_joi_bool(desc, &reverse))
        harper__buf_join(&errs, "'desc' must be a boolean");
    data_check_count(&errs, cJSON_GetObjectItemCaseSensitive(body, "limit"), "limit", 1, &limit);
    data_check_count(&errs, cJSON_GetObjectItemCaseSensitive(body, "offset"), "offset", 0, &offset);
    if (errs.len > 0) {
        data_reply_errors(reply, 500, &errs);
        return;
    }
    /* Harper uses the raw `desc` (or, without one, `reverse`) as JavaScript sees it. */
    reverse = data_truthy(desc != NULL ? desc : cJSON_GetObjectItemCaseSensitive(body, "reverse"));
    data_database_name(req, &db);
    if (harper__buf_cstr(&db) == NULL ||
        data_table_open(req->h, db.data, cJSON_GetObjectItemCaseSensitive(body, "table"), &dt,
                        &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        goto done;
    }
    for (const cJSON *item = cJSON_IsArray(sel) ? sel->child : NULL; item; item = item->next)
        (void)data_check_known(&dt, item, &errs, &n_unknown);
    (void)data_check_known(&dt, attr, &errs, &n_unknown);
    if (n_unknown > 0) {
        data_reply_unknown(reply, 500, &errs);
        goto done;
    }
    /* What Harper's code does with these values: a TypeError, a store that cannot make a key
     * of an object. */
    if (cJSON_IsNull(value)) {
        ops_reply_error(reply, 500, "Cannot read properties of null (reading 'includes')");
        goto done;
    }
    if (cJSON_IsObject(value)) {
        harper__buf_str(&errs, "Unable to serialize object as a key: ");
        harper__json_value(&errs, value);
        data_reply_errors(reply, 500, &errs);
        goto done;
    }
    if ((name = data_attr_name(attr)) == NULL) {
        ops_reply_error(reply, 400, "nested attribute paths are not supported");
        goto done;
    }
    if (harper_query_new(dt.t, &q, &err) != HARPER_OK ||
        harper_query_limit(q, offset, limit, &err) != HARPER_OK ||
        data_add_select(&dt, q, sel, &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        goto done;
    }
    if (value_query(&dt, req, name, value, reverse, q, reply))
        data_reply_rows(reply, q);
done:
    harper_query_free(q);
    data_table_close(&dt);
    harper__buf_free(&errs);
    harper__buf_free(&db);
}
