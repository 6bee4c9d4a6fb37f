/* query_eval.c: what a plan asks of one parsed record: does it match, is this index entry
 * the one that emits it, its projected row, its sort key. The matching rules are in query.h.
 * Comparisons go through keycodec encodings, so that a filter agrees byte for byte with the
 * index ranges query_plan.c scans: the same record matches whichever way it is found. */
#include <string.h>

#include "json.h"
#include "keycodec.h"
#include "query.h"

/* The tag of an object in a sort key: after every keycodec tag. */
#define SORT_TAG_OTHER 0x07

int harper__enc_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int d = memcmp(a, b, a_len < b_len ? a_len : b_len);

    if (d != 0)
        return d;
    return a_len < b_len ? -1 : a_len > b_len;
}

/* scratch := enc(v). HARPER_OK, HARPER_EINVAL (no encoding), HARPER_ENOMEM. */
static int encode_into(harper__buf *scratch, const cJSON *v)
{
    int rc;

    harper__buf_reset(scratch);
    rc = harper__key_encode(scratch, v);
    if (scratch->failed)
        return HARPER_ENOMEM;
    if (rc != HARPER_OK)
        return rc == HARPER_ENOMEM ? HARPER_ENOMEM : HARPER_EINVAL;
    return HARPER_OK;
}

/* Type-exact equality of v with the condition's value: 1, 0, HARPER_ENOMEM. */
static int equal(const harper__cond *c, const cJSON *v, harper__buf *scratch)
{
    int rc;

    if (!c->encodable)
        return cJSON_Compare(v, c->value, 1) ? 1 : 0;
    rc = encode_into(scratch, v);
    if (rc != HARPER_OK)
        return rc == HARPER_ENOMEM ? rc : 0;
    return scratch->len == c->enc.len && memcmp(scratch->data, c->enc.data, c->enc.len) == 0;
}

/* Whether v equals an element of an in: its encoding among the sorted encodings (bisection),
 * or, for a value without one, structurally as equals compares. 1, 0, HARPER_ENOMEM. */
static int in_set(const harper__cond *c, const cJSON *v, harper__buf *scratch)
{
    size_t lo = 0;
    size_t hi = c->n_in;
    const cJSON *el;
    int rc = encode_into(scratch, v);

    if (rc == HARPER_ENOMEM)
        return rc;
    if (rc == HARPER_OK) {
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            size_t start = mid > 0 ? c->in_ends[mid - 1] : 0;
            int d = harper__enc_cmp(scratch->data, scratch->len, c->enc.data + start,
                                    c->in_ends[mid] - start);

            if (d == 0)
                return 1;
            if (d < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        return 0;
    }
    /* An element with an encoding never equals a value without one. */
    if (c->encodable)
        return 0;
    cJSON_ArrayForEach(el, c->value)
        if (cJSON_Compare(v, el, 1))
            return 1;
    return 0;
}

/* One value (a record's value, or an element of its array: in_array) against a condition
 * other than not_equal: 1, 0, HARPER_ENOMEM. */
static int match_one(const harper__cond *c, const cJSON *v, bool in_array, harper__buf *scratch)
{
    const char *s;
    size_t n;
    int rc;
    int d;

    switch (c->comparator) {
    case HARPER_EQUALS:
        return equal(c, v, scratch);
    case HARPER_IN:
        return in_set(c, v, scratch);
    case HARPER_ENDS_WITH:
        if (!cJSON_IsString(v))
            return 0;
        s = v->valuestring;
        n = strlen(s);
        return n >= c->text_len && memcmp(s + n - c->text_len, c->text, c->text_len) == 0;
    case HARPER_CONTAINS:
        if (cJSON_IsString(v) && memmem(v->valuestring, strlen(v->valuestring), c->text,
                                        c->text_len) != NULL)
            return 1;
        return in_array ? equal(c, v, scratch) : 0;
    default:
        break;
    }
    /* Ranges and starts_with: only strings and numbers, compared by their encodings. */
    if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
        return 0;
    rc = encode_into(scratch, v);
    if (rc != HARPER_OK)
        return rc == HARPER_ENOMEM ? rc : 0;
    s = scratch->data;
    n = scratch->len;
    if (c->comparator == HARPER_STARTS_WITH)
        return n >= c->enc.len && memcmp(s, c->enc.data, c->enc.len) == 0;
    if (c->comparator == HARPER_BETWEEN) {
        if (s[0] != c->enc.data[0] && s[0] != c->enc_hi.data[0])
            return 0;
        return harper__enc_cmp(s, n, c->enc.data, c->enc.len) >= 0 &&
               harper__enc_cmp(s, n, c->enc_hi.data, c->enc_hi.len) <= 0;
    }
    if (s[0] != c->enc.data[0])
        return 0;   /* another type class: age > 5 never matches a string age */
    d = harper__enc_cmp(s, n, c->enc.data, c->enc.len);
    switch (c->comparator) {
    case HARPER_GREATER_THAN:
        return d > 0;
    case HARPER_GREATER_THAN_EQUAL:
        return d >= 0;
    case HARPER_LESS_THAN:
        return d < 0;
    default:
        return d <= 0;
    }
}

static int cond_match(const harper__cond *c, const cJSON *rec, harper__buf *scratch)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, c->attr->name);
    bool each = cJSON_IsArray(v) && !c->whole_value;
    const cJSON *el;
    int rc;

    if (c->comparator == HARPER_NOT_EQUAL) {
        if (v == NULL)
            return 1;
        if (!each) {
            rc = equal(c, v, scratch);
            return rc < 0 ? rc : !rc;
        }
        cJSON_ArrayForEach(el, v) {
            rc = equal(c, el, scratch);
            if (rc != 0)
                return rc < 0 ? rc : 0;
        }
        return 1;
    }
    if (v == NULL)
        return 0;
    if (!each)
        return match_one(c, v, false, scratch);
    cJSON_ArrayForEach(el, v) {
        rc = match_one(c, el, true, scratch);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* An empty group matches every record, whatever its logic: a query with no conditions is
 * "everything", also after harper_query_set_logic(q, HARPER_OR). */
static int node_match(const harper__pnode *pn, const cJSON *rec, harper__buf *scratch)
{
    int rc = 1;

    if (!pn->is_group)
        return cond_match(&pn->cond, rec, scratch);
    for (size_t i = 0; i < pn->n_kids; i++) {
        rc = node_match(&pn->kids[i], rec, scratch);
        if (rc < 0)
            return rc;
        if (pn->logic == HARPER_AND ? rc == 0 : rc == 1)
            return rc;
    }
    return rc;
}

int harper__eval_match(const harper__plan *plan, const cJSON *rec, harper__buf *scratch)
{
    return node_match(&plan->root, rec, scratch);
}

int harper__eval_first_entry(const harper__plan *plan, const cJSON *rec, const char *enc,
                             size_t len, harper__buf *scratch)
{
    const harper__cond *c = plan->driver;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, c->attr->name);
    const cJSON *el;
    int rc;
    int d;

    if (!cJSON_IsArray(v))
        return 1;
    /* The record sits in the scanned range once per matching element; only the entry of the
     * element met first in scan order emits it. No state across rows is needed. */
    cJSON_ArrayForEach(el, v) {
        rc = match_one(c, el, true, scratch);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        rc = encode_into(scratch, el);
        if (rc == HARPER_ENOMEM)
            return rc;
        if (rc != HARPER_OK)
            continue;
        d = harper__enc_cmp(scratch->data, scratch->len, enc, len);
        if (plan->reverse ? d > 0 : d < 0)
            return 0;
    }
    return 1;
}

int harper__eval_project(const harper__plan *plan, const cJSON *rec, harper__buf *out)
{
    for (size_t i = 0; i < plan->n_select; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, plan->select[i].name);

        harper__buf_append(out, plan->select[i].prefix.data, plan->select[i].prefix.len);
        /* Written as the record was stored, so a value reads the same either way. */
        if (v == NULL)
            harper__buf_str(out, "null");
        else if (harper__json_value(out, v) != HARPER_OK && !out->failed)
            return HARPER_ECORRUPT;
    }
    harper__buf_byte(out, '}');
    return out->failed ? HARPER_ENOMEM : HARPER_OK;
}

/* Appends one sort value: its encoding when it has one. An array holding an object is
 * written as the keycodec writes arrays, element by element, so it still sorts among arrays;
 * an object (or an array too deep to encode) as SORT_TAG_OTHER, its JSON text and a 0 byte,
 * after every array. */
static int sort_value(harper__buf *out, const cJSON *v, int depth)
{
    const cJSON *el;
    int rc = harper__key_encode(out, v);

    if (out->failed)
        return HARPER_ENOMEM;
    if (rc == HARPER_OK)
        return HARPER_OK;
    if (cJSON_IsArray(v) && depth < HARPER__KEY_MAX_DEPTH) {
        harper__buf_byte(out, HARPER__KEY_ARRAY);
        cJSON_ArrayForEach(el, v) {
            rc = sort_value(out, el, depth + 1);
            if (rc != HARPER_OK)
                return rc;
        }
    } else {
        harper__buf_byte(out, SORT_TAG_OTHER);
        harper__json_value(out, v);
    }
    harper__buf_byte(out, 0);
    return out->failed ? HARPER_ENOMEM : HARPER_OK;
}

int harper__eval_sort_key(const harper__plan *plan, const cJSON *rec, const char *pk,
                          size_t pk_len, harper__buf *out)
{
    cJSON null_value = {.type = cJSON_NULL};
    int rc = HARPER_OK;

    for (size_t i = 0; i < plan->n_sort && rc == HARPER_OK; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, plan->sort[i].name);
        size_t at = out->len;

        harper__buf_u32be(out, 0);
        rc = sort_value(out, v != NULL ? v : &null_value, 0);
        if (rc == HARPER_OK)
            harper__put_u32be(out->data + at, (uint32_t)(out->len - at - 4));
    }
    harper__buf_append(out, pk, pk_len);
    return rc == HARPER_OK && out->failed ? HARPER_ENOMEM : rc;
}

int harper__eval_sort_cmp(const harper__plan *plan, const char *a, size_t a_len, const char *b,
                          size_t b_len)
{
    bool descending = false;
    int d;

    for (size_t i = 0; i < plan->n_sort; i++) {
        size_t la = harper__get_u32be(a);
        size_t lb = harper__get_u32be(b);

        descending = plan->sort[i].descending;
        d = harper__enc_cmp(a + 4, la, b + 4, lb);
        if (d != 0)
            return descending ? -d : d;
        a += 4 + la;
        a_len -= 4 + la;
        b += 4 + lb;
        b_len -= 4 + lb;
    }
    /* Ties go to the primary key, in the direction of the last sort key: for one key that is
     * the order a backwards index scan gives, so collecting and streaming agree. */
    d = harper__enc_cmp(a, a_len, b, b_len);
    return descending ? -d : d;
}
