/* query_plan.c: turns a built query into a plan against one table definition: names resolved
 * to attributes, condition values pre-encoded, and the choice of scan.
 *
 * Planner rules:
 * - Candidates to drive the scan are the conditions that must all hold: those of the root
 *   group and of groups nested in it that are AND groups (or hold one child), recursively.
 *   A candidate's attribute is the primary key or an indexed attribute whose index is ready.
 * - Preference: equals > in > between > the other ranges > starts_with (an in of one distinct
 *   value counts as equals); on a tie the primary key (no second read per row), then the
 *   attribute of the first sort key, then the first one written. not_equal, ends_with and
 *   contains never drive, nor do equals on an object and in holding one.
 * - A primary key condition scans a range of the records family; an index condition scans
 *   a range of that attribute's index and reads each record by its key; no candidate means a
 *   scan of the whole table in primary key order. Every other condition filters. An in scans
 *   one point range per distinct value, in the order of their encodings, so it reads what an
 *   equals per value would and the scan still follows the key order.
 * - Rows stream in scan order unless a sort asks for another: a single sort key on the
 *   primary key is the order of a records scan, and a single sort key on the driving
 *   attribute is the index order when that attribute cannot hold arrays (an array-valued
 *   record would sit in the index at one element but sort by its whole value). A descending
 *   such sort scans backwards. Anything else collects the rows and sorts them.
 * This file knows nothing of RocksDB; query_cursor.c runs the plan. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "keycodec.h"
#include "query.h"
#include "store.h"

/* Ranks of driving conditions, best first. */
enum { RANK_EQUALS = 0, RANK_IN, RANK_BETWEEN, RANK_RANGE, RANK_PREFIX, RANK_NONE };

static int no_memory(harper_error *err)
{
    return harper__error_set(err, HARPER_ENOMEM, "out of memory");
}

/* Appends the encoding of `v`: HARPER_OK, HARPER_EINVAL when `v` has none (an object, an
 * array too deep), HARPER_ENOMEM. The buffer is unchanged unless HARPER_OK. */
static int encode(harper__buf *b, const cJSON *v)
{
    size_t mark = b->len;
    int rc = harper__key_encode(b, v);

    if (b->failed)
        return HARPER_ENOMEM;
    if (rc != HARPER_OK) {
        b->len = mark;
        return rc == HARPER_ENOMEM ? HARPER_ENOMEM : HARPER_EINVAL;
    }
    return HARPER_OK;
}

/* The text a number stands for in a string comparison: as JavaScript's String(n) writes it,
 * which is also how the number appears in stored JSON. */
static int number_text(double d, harper__buf *out)
{
    harper__json_number(out, d);
    return harper__buf_cstr(out) != NULL ? HARPER_OK : HARPER_ENOMEM;
}

static bool finite_numbers(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return isfinite(v->valuedouble);
    for (const cJSON *c = cJSON_IsArray(v) || cJSON_IsObject(v) ? v->child : NULL; c != NULL;
         c = c->next)
        if (!finite_numbers(c))
            return false;
    return true;
}

/* An encoding inside one buffer, for sorting. */
typedef struct span {
    const char *at;
    size_t len;
} span;

static int span_cmp(const void *pa, const void *pb)
{
    const span *a = pa;
    const span *b = pb;

    return harper__enc_cmp(a->at, a->len, b->at, b->len);
}

/* c->enc and c->in_ends for an in: the distinct encodings, sorted, so that the scan meets the
 * values in key order and a record's value is found by bisection. An element without an
 * encoding leaves c->encodable false; it is then compared structurally, as equals does. */
static int compile_in(harper__cond *c)
{
    harper__buf all = HARPER__BUF_INIT;
    size_t n = (size_t)cJSON_GetArraySize(c->value);
    size_t *ends = calloc(n + 1, sizeof *ends);
    span *spans = calloc(n + 1, sizeof *spans);
    size_t n_enc = 0;
    const cJSON *el;
    int rc = ends == NULL || spans == NULL ? HARPER_ENOMEM : HARPER_OK;

    c->encodable = true;
    c->in_ends = calloc(n + 1, sizeof *c->in_ends);
    if (c->in_ends == NULL)
        rc = HARPER_ENOMEM;
    cJSON_ArrayForEach(el, c->value) {
        if (rc != HARPER_OK)
            break;
        rc = encode(&all, el);
        if (rc == HARPER_EINVAL) {
            c->encodable = false;
            rc = HARPER_OK;
        } else if (rc == HARPER_OK) {
            ends[n_enc++] = all.len;
        }
    }
    /* Spans point into `all` only once it has stopped growing. */
    for (size_t i = 0; rc == HARPER_OK && i < n_enc; i++) {
        spans[i].at = all.data + (i > 0 ? ends[i - 1] : 0);
        spans[i].len = ends[i] - (i > 0 ? ends[i - 1] : 0);
    }
    if (rc == HARPER_OK && n_enc > 1)
        qsort(spans, n_enc, sizeof *spans, span_cmp);
    for (size_t i = 0; rc == HARPER_OK && i < n_enc; i++) {
        if (i > 0 && span_cmp(&spans[i - 1], &spans[i]) == 0)
            continue;
        harper__buf_append(&c->enc, spans[i].at, spans[i].len);
        c->in_ends[c->n_in++] = c->enc.len;
    }
    if (rc == HARPER_OK && c->enc.failed)
        rc = HARPER_ENOMEM;
    harper__buf_free(&all);
    free(ends);
    free(spans);
    return rc;
}

static int compile_cond(const harper__qnode *qn, const harper__table_def *def, harper__cond *c,
                        harper_error *err)
{
    harper__buf num = HARPER__BUF_INIT;
    const char *text = NULL;
    int rc = HARPER_OK;

    c->attr = harper__def_find(def, qn->attr, strlen(qn->attr));
    if (c->attr == NULL)
        return harper__error_set(err, HARPER_ENOATTR, "unknown attribute '%s'", qn->attr);
    c->comparator = qn->comparator;
    c->whole_value = c->attr->is_primary_key;
    c->value = cJSON_Duplicate(qn->value, 1);
    if (c->value == NULL)
        return no_memory(err);
    /* JSON like 1e999 parses to infinity, which has no place in the key order. */
    if (!finite_numbers(c->value))
        return harper__error_set(err, HARPER_EINVAL,
                                 "the value of '%s' is a number too large to compare", qn->attr);
    if (cJSON_IsString(c->value)) {
        text = c->value->valuestring;
    } else if (cJSON_IsNumber(c->value)) {
        if (number_text(c->value->valuedouble, &num) != HARPER_OK)
            return no_memory(err);
        text = num.data;
    }
    switch (c->comparator) {
    case HARPER_BETWEEN:
        rc = encode(&c->enc, cJSON_GetArrayItem(c->value, 0));
        if (rc == HARPER_OK)
            rc = encode(&c->enc_hi, cJSON_GetArrayItem(c->value, 1));
        break;
    case HARPER_STARTS_WITH:
        harper__key_encode_string_prefix(&c->enc, text, strlen(text));
        rc = c->enc.failed ? HARPER_ENOMEM : HARPER_OK;
        break;
    case HARPER_IN:
        rc = compile_in(c);
        break;
    default:
        rc = encode(&c->enc, c->value);
        break;
    }
    /* Only equals, not_equal and in accept values without an encoding (objects); they then
     * compare structurally, and cannot drive an index that holds no objects. */
    if (c->comparator != HARPER_IN)
        c->encodable = rc == HARPER_OK;
    if (rc != HARPER_ENOMEM && text != NULL) {
        c->text_len = strlen(text);
        c->text = malloc(c->text_len + 1);
        if (c->text != NULL)
            memcpy(c->text, text, c->text_len + 1);
        else
            rc = HARPER_ENOMEM;
    }
    harper__buf_free(&num);
    return rc == HARPER_ENOMEM ? no_memory(err) : HARPER_OK;
}

static int compile_node(const harper__qnode *qn, const harper__table_def *def, harper__pnode *pn,
                        harper_error *err)
{
    int rc = HARPER_OK;

    pn->is_group = qn->is_group;
    pn->logic = qn->logic;
    if (!qn->is_group)
        return compile_cond(qn, def, &pn->cond, err);
    if (qn->n_kids == 0)
        return HARPER_OK;
    pn->kids = calloc(qn->n_kids, sizeof *pn->kids);
    if (pn->kids == NULL)
        return no_memory(err);
    pn->n_kids = qn->n_kids;
    for (size_t i = 0; i < qn->n_kids && rc == HARPER_OK; i++)
        rc = compile_node(qn->kids[i], def, &pn->kids[i], err);
    return rc;
}

static void node_free(harper__pnode *pn)
{
    for (size_t i = 0; i < pn->n_kids; i++)
        node_free(&pn->kids[i]);
    free(pn->kids);
    cJSON_Delete(pn->cond.value);
    harper__buf_free(&pn->cond.enc);
    harper__buf_free(&pn->cond.enc_hi);
    free(pn->cond.in_ends);
    free(pn->cond.text);
}

static size_t count_conds(const harper__pnode *pn)
{
    size_t n = 0;

    if (!pn->is_group)
        return 1;
    for (size_t i = 0; i < pn->n_kids; i++)
        n += count_conds(&pn->kids[i]);
    return n;
}

static int drive_rank(const harper__cond *c)
{
    const harper__attr *a = c->attr;

    if (!a->is_primary_key && !(a->indexed && a->index_ready))
        return RANK_NONE;
    switch (c->comparator) {
    case HARPER_EQUALS:
        return c->encodable ? RANK_EQUALS : RANK_NONE;
    case HARPER_IN:
        if (!c->encodable)
            return RANK_NONE;
        return c->n_in <= 1 ? RANK_EQUALS : RANK_IN;
    case HARPER_BETWEEN:
        return RANK_BETWEEN;
    case HARPER_GREATER_THAN:
    case HARPER_GREATER_THAN_EQUAL:
    case HARPER_LESS_THAN:
    case HARPER_LESS_THAN_EQUAL:
        return RANK_RANGE;
    case HARPER_STARTS_WITH:
        return RANK_PREFIX;
    default:
        return RANK_NONE;
    }
}

/* Lower is better; see the rules at the top. */
static int drive_score(const harper__cond *c, const harper__plan *plan)
{
    int score = drive_rank(c) * 4;

    if (!c->attr->is_primary_key)
        score += 2;
    if (plan->n_sort == 0 || strcmp(plan->sort[0].name, c->attr->name) != 0)
        score += 1;
    return score;
}

static void pick_driver(const harper__pnode *pn, harper__plan *plan, int *best)
{
    if (!pn->is_group) {
        if (drive_rank(&pn->cond) != RANK_NONE && drive_score(&pn->cond, plan) < *best) {
            *best = drive_score(&pn->cond, plan);
            plan->driver = &pn->cond;
        }
        return;
    }
    if (pn->logic != HARPER_AND && pn->n_kids != 1)
        return;
    for (size_t i = 0; i < pn->n_kids; i++)
        pick_driver(&pn->kids[i], plan, best);
}

/* Turns b into the smallest key greater than every key that starts with b. false when there
 * is none (b all 0xFF). */
static bool key_successor(harper__buf *b)
{
    while (b->len > 0 && (uint8_t)b->data[b->len - 1] == 0xFF)
        b->len--;
    if (b->len == 0)
        return false;
    b->data[b->len - 1] = (char)((uint8_t)b->data[b->len - 1] + 1);
    return true;
}

/* prefix ++ bytes into out. */
static void set_key(harper__buf *out, const harper__buf *prefix, const void *p, size_t n)
{
    harper__buf_reset(out);
    harper__buf_append(out, prefix->data, prefix->len);
    harper__buf_append(out, p, n);
}

/* The keys of the driving condition's values: every value v with lower <= P ++ enc(v) < upper
 * satisfies it, and only those (range comparators stay within the value's type class, whose
 * encodings share the first byte). */
static void set_bounds(harper__plan *plan, harper__range *r)
{
    const harper__cond *c = plan->driver;
    const harper__buf *pre = &plan->prefix;
    uint8_t tag;
    uint8_t next_tag;
    bool has_upper = true;

    if (c == NULL) {
        set_key(&r->lower, pre, NULL, 0);
        set_key(&r->upper, pre, NULL, 0);
        has_upper = key_successor(&r->upper);
    } else {
        tag = (uint8_t)c->enc.data[0];
        next_tag = (uint8_t)(tag + 1);
        switch (c->comparator) {
        case HARPER_EQUALS:
        case HARPER_STARTS_WITH:
            set_key(&r->lower, pre, c->enc.data, c->enc.len);
            set_key(&r->upper, pre, c->enc.data, c->enc.len);
            has_upper = key_successor(&r->upper);
            break;
        case HARPER_GREATER_THAN:
        case HARPER_GREATER_THAN_EQUAL:
            set_key(&r->lower, pre, c->enc.data, c->enc.len);
            if (c->comparator == HARPER_GREATER_THAN)
                key_successor(&r->lower);
            set_key(&r->upper, pre, &next_tag, 1);
            break;
        case HARPER_LESS_THAN:
        case HARPER_LESS_THAN_EQUAL:
            set_key(&r->lower, pre, &tag, 1);
            set_key(&r->upper, pre, c->enc.data, c->enc.len);
            if (c->comparator == HARPER_LESS_THAN_EQUAL)
                has_upper = key_successor(&r->upper);
            break;
        default: /* HARPER_BETWEEN */
            set_key(&r->lower, pre, c->enc.data, c->enc.len);
            set_key(&r->upper, pre, c->enc_hi.data, c->enc_hi.len);
            has_upper = key_successor(&r->upper);
            break;
        }
    }
    if (!has_upper)
        harper__buf_reset(&r->upper);
    /* An empty range (between [9, 1], less_than the smallest number...) scans nothing. */
    if (r->upper.len > 0 &&
        harper__enc_cmp(r->lower.data, r->lower.len, r->upper.data, r->upper.len) >= 0)
        plan->drive = HARPER__DRIVE_NONE;
}

/* The plan's ranges: one from set_bounds, or for an in one per distinct value, the keys that
 * start with P ++ enc(value). Encodings are self-delimiting, so no two of these overlap, and
 * sorted encodings make them ascending. */
static int set_ranges(harper__plan *plan)
{
    const harper__cond *c = plan->driver;
    size_t n = c != NULL && c->comparator == HARPER_IN ? c->n_in : 1;

    if (n == 0) {
        plan->drive = HARPER__DRIVE_NONE;   /* in []: nothing can match */
        return HARPER_OK;
    }
    plan->ranges = calloc(n, sizeof *plan->ranges);
    if (plan->ranges == NULL)
        return HARPER_ENOMEM;
    plan->n_ranges = n;
    if (c == NULL || c->comparator != HARPER_IN) {
        set_bounds(plan, &plan->ranges[0]);
    } else {
        for (size_t i = 0, start = 0; i < n; start = c->in_ends[i++]) {
            harper__range *r = &plan->ranges[i];

            set_key(&r->lower, &plan->prefix, c->enc.data + start, c->in_ends[i] - start);
            set_key(&r->upper, &plan->prefix, c->enc.data + start, c->in_ends[i] - start);
            if (!key_successor(&r->upper))
                harper__buf_reset(&r->upper);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (plan->ranges[i].lower.failed || plan->ranges[i].upper.failed)
            return HARPER_ENOMEM;
    return HARPER_OK;
}

/* One value has one entry per record, however often the record's array holds it: only a
 * range, or several values, can meet a record twice. */
static bool single_value(const harper__cond *c)
{
    if (c->comparator == HARPER_IN)
        return c->n_in == 1 && (uint8_t)c->enc.data[0] != HARPER__KEY_ARRAY;
    return c->comparator == HARPER_EQUALS && !cJSON_IsArray(c->value) &&
           !cJSON_IsObject(c->value);
}

static bool may_hold_array(const harper__attr *a)
{
    return a->type == HARPER__T_NONE || a->type == HARPER__T_ANY || a->type == HARPER__T_ARRAY;
}

/* How rows leave the scan: streamed (possibly backwards) or collected for sorting. */
static void choose_order(harper__plan *plan)
{
    const harper__attr *key;

    plan->stream = plan->n_sort == 0;
    if (plan->n_sort != 1)
        return;
    key = harper__def_find(plan->def, plan->sort[0].name, strlen(plan->sort[0].name));
    if (plan->drive == HARPER__DRIVE_RECORDS && key->is_primary_key)
        plan->stream = true;
    if (plan->drive == HARPER__DRIVE_INDEX && key == plan->driver->attr && !may_hold_array(key))
        plan->stream = true;
    plan->reverse = plan->stream && plan->sort[0].descending;
}

/* The JSON text `"name":` of each selected attribute, behind '{' or ','. */
static int compile_select(const harper_query *q, harper__plan *plan, harper_error *err)
{
    if (q->select_all || q->n_select == 0)
        return HARPER_OK;
    plan->select = calloc(q->n_select, sizeof *plan->select);
    if (plan->select == NULL)
        return no_memory(err);
    plan->n_select = q->n_select;
    for (size_t i = 0; i < q->n_select; i++) {
        harper__psel *s = &plan->select[i];
        s->name = harper__def_find(plan->def, q->select[i], strlen(q->select[i]))->name;
        harper__buf_byte(&s->prefix, i == 0 ? '{' : ',');
        harper__json_string(&s->prefix, s->name, strlen(s->name));
        harper__buf_byte(&s->prefix, ':');
        if (s->prefix.failed)
            return no_memory(err);
    }
    return HARPER_OK;
}

int harper__plan_build(const harper_query *q, harper__table_def *def, harper__plan *plan,
                       harper_error *err)
{
    const harper__attr *drive_attr;
    int best = RANK_NONE * 4;
    int rc;

    memset(plan, 0, sizeof *plan);
    plan->def = def;
    plan->table_id = def->id;
    plan->offset = q->offset;
    plan->limit = q->limit;
    rc = harper__query_check_attrs(q, def, err);
    if (rc == HARPER_OK)
        rc = compile_node(q->root, def, &plan->root, err);
    if (rc == HARPER_OK && q->n_sort > 0) {
        plan->sort = calloc(q->n_sort, sizeof *plan->sort);
        if (plan->sort == NULL)
            rc = no_memory(err);
    }
    for (size_t i = 0; rc == HARPER_OK && i < q->n_sort; i++) {
        plan->sort[i].name = harper__def_find(def, q->sort[i].attr, strlen(q->sort[i].attr))->name;
        plan->sort[i].descending = q->sort[i].descending;
        plan->n_sort++;
    }
    if (rc == HARPER_OK)
        rc = compile_select(q, plan, err);
    if (rc != HARPER_OK)
        return rc;

    pick_driver(&plan->root, plan, &best);
    drive_attr = plan->driver ? plan->driver->attr : NULL;
    if (drive_attr == NULL || drive_attr->is_primary_key) {
        plan->drive = HARPER__DRIVE_RECORDS;
        harper__key_table_prefix(&plan->prefix, plan->table_id);
    } else {
        plan->drive = HARPER__DRIVE_INDEX;
        plan->index_attr_id = drive_attr->id;
        harper__key_index_prefix(&plan->prefix, plan->table_id, drive_attr->id);
        plan->dedupe = may_hold_array(drive_attr) && !single_value(plan->driver);
    }
    if (plan->prefix.failed || set_ranges(plan) != HARPER_OK)
        return no_memory(err);
    choose_order(plan);
    plan->project_text = plan->stream && !plan->dedupe &&
                         count_conds(&plan->root) <= (plan->driver ? 1u : 0u);
    plan->need_parse = !plan->project_text || plan->n_select > 0;
    return HARPER_OK;
}

void harper__plan_free(harper__plan *plan)
{
    node_free(&plan->root);
    free(plan->sort);
    for (size_t i = 0; i < plan->n_select; i++)
        harper__buf_free(&plan->select[i].prefix);
    free(plan->select);
    harper__buf_free(&plan->prefix);
    for (size_t i = 0; i < plan->n_ranges; i++) {
        harper__buf_free(&plan->ranges[i].lower);
        harper__buf_free(&plan->ranges[i].upper);
    }
    free(plan->ranges);
    if (plan->def != NULL)
        harper__table_def_put(plan->def);
    memset(plan, 0, sizeof *plan);
}

int harper__query_explain(const harper_query *q, harper__explain *out, harper_error *err)
{
    harper__plan plan;
    harper__table_def *def;
    int rc;

    if (q == NULL || out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query and out are required");
    memset(out, 0, sizeof *out);
    def = harper__table_def_get(q->table);
    if (def == NULL)
        return harper__query_no_table(q->def, err);
    rc = harper__plan_build(q, def, &plan, err);
    if (rc == HARPER_OK) {
        out->drive = plan.drive;
        out->comparator = plan.driver != NULL ? plan.driver->comparator : -1;
        if (plan.driver != NULL)
            snprintf(out->driver, sizeof out->driver, "%s", plan.driver->attr->name);
        out->n_ranges = plan.drive == HARPER__DRIVE_NONE ? 0 : plan.n_ranges;
        out->stream = plan.stream;
        out->reverse = plan.reverse;
        out->dedupe = plan.dedupe;
        out->project_text = plan.project_text;
    }
    harper__plan_free(&plan);
    return rc;
}
