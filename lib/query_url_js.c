/* query_url_js.c: the JavaScript objects Harper's query parser builds (strings, arrays, Query
 * objects, conditions) as query_url.c fills them, Harper's two ways of failing (recorded
 * grammar errors, thrown exceptions) with their message texts, what the calls limit(),
 * select() and sort() do with their arguments, and the form-urlencoded simple mode. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_url_js.h"

/* Recorded errors past this size change nothing in the (already cut) message. */
#define MAX_PEM 8192

jv *harper__qurl_jv_new(jparser *P, int kind)
{
    jv *v = calloc(1, sizeof *v);

    if (v == NULL) {
        harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        return NULL;
    }
    v->kind = kind;
    v->next_all = P->all;
    P->all = v;
    return v;
}

int harper__qurl_jv_decoded(jparser *P, const char *s, size_t n, jv **out)
{
    jv *v = harper__qurl_jv_new(P, JV_STR);
    int rc;

    if (v == NULL)
        return -1;
    rc = harper__qurl_decode(s, n, &v->s, &v->n);
    if (rc != 0)
        return harper__qurl_fail_value(P, rc);
    *out = v;
    return 0;
}

static int grow(jparser *P, jv ***arr, size_t *n, size_t *cap, jv *item)
{
    if (*n == *cap) {
        size_t cap2 = *cap ? *cap * 2 : 4;
        jv **a = realloc(*arr, cap2 * sizeof *a);

        if (a == NULL)
            return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        *arr = a;
        *cap = cap2;
    }
    (*arr)[(*n)++] = item;
    return 0;
}

int harper__qurl_jv_push(jparser *P, jv *arr, jv *item)
{
    return grow(P, &arr->items, &arr->n_items, &arr->cap_items, item);
}

int harper__qurl_jv_chain(jparser *P, jv *cond, jv *chained)
{
    return grow(P, &cond->chain, &cond->n_chain, &cond->cap_chain, chained);
}

int harper__qurl_jv_name(jparser *P, jv *v, const char *name, size_t n)
{
    free(v->name);
    v->name = malloc(n + 1);
    if (v->name == NULL)
        return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
    memcpy(v->name, name, n);
    v->name[n] = '\0';
    v->name_len = n;
    return 0;
}

bool harper__qurl_jv_truthy(const jv *v)
{
    return v != NULL && (v->kind != JV_STR || v->n > 0);
}

void harper__qurl_jv_free_all(jparser *P)
{
    jv *v = P->all;

    while (v != NULL) {
        jv *next = v->next_all;

        free(v->s);
        free(v->items);
        free(v->name);
        free(v->chain);
        free(v->value.text);
        free(v->sort_attr);
        free(v->sort_desc);
        free(v);
        v = next;
    }
    P->all = NULL;
    harper__buf_free(&P->pem);
    harper__buf_free(&P->reason);
}

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

int harper__qurl_record(jparser *P, const char *fmt, ...)
{
    va_list ap;

    P->pem_set = true;
    if (P->pem.len > MAX_PEM)
        return 0;
    if (P->pem.len > 0)
        harper__buf_str(&P->pem, ", ");
    va_start(ap, fmt);
    harper__buf_vprintf(&P->pem, fmt, ap);
    va_end(ap);
    harper__buf_printf(&P->pem, " at position %zu", P->pos);
    if (P->pem.failed)
        return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
    return 0;
}

int harper__qurl_throw(jparser *P, const char *cls, const char *fmt, ...)
{
    va_list ap;

    if (P->thrown)
        return -1;
    P->thrown = true;
    P->cls = cls;
    P->status = 400;
    va_start(ap, fmt);
    harper__buf_vprintf(&P->reason, fmt, ap);
    va_end(ap);
    if (P->reason.failed)
        P->oom = true;
    return -1;
}

int harper__qurl_fail_value(jparser *P, int rc)
{
    if (rc == HARPER__QURL_ENOMEM) {
        P->oom = true;
        P->thrown = true;
        return -1;
    }
    return harper__qurl_throw(P, "URIError", "URI malformed");
}

/* Copies `src` into the fixed message, cut at a UTF-8 character boundary. */
static void set_message(harper__qurl_error *e, const char *src, size_t n)
{
    if (n >= sizeof e->message) {
        n = sizeof e->message - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(e->message, src, n);
    e->message[n] = '\0';
}

void harper__qurl_report(jparser *P)
{
    harper__qurl_error *e = P->err;
    harper__buf text = HARPER__BUF_INIT;

    if (e == NULL)
        return;
    if (P->oom) {
        e->status = 500;
        snprintf(e->cls, sizeof e->cls, "Error");
        snprintf(e->message, sizeof e->message, "out of memory");
        return;
    }
    if (P->thrown && P->bare) {
        e->status = P->status;
        snprintf(e->cls, sizeof e->cls, "%s", P->cls);
        set_message(e, P->reason.data != NULL ? P->reason.data : "", P->reason.len);
        return;
    }
    if (P->thrown) {
        e->status = 400;
        snprintf(e->cls, sizeof e->cls, "%s", P->cls);
        harper__buf_str(&text, "Unable to parse query, ");
        harper__buf_append(&text, P->reason.data, P->reason.len);
        harper__buf_printf(&text, " at position %zu in '", P->pos);
        harper__buf_append(&text, P->q, P->len);
        harper__buf_str(&text, "'");
        if (P->pem_set) {
            harper__buf_str(&text, ", ");
            harper__buf_append(&text, P->pem.data, P->pem.len);
        }
    } else {
        e->status = 500;
        snprintf(e->cls, sizeof e->cls, "SyntaxViolation");
        harper__buf_append(&text, P->pem.data, P->pem.len);
    }
    if (text.failed) {
        e->status = 500;
        snprintf(e->cls, sizeof e->cls, "Error");
        snprintf(e->message, sizeof e->message, "out of memory");
    } else {
        set_message(e, text.data != NULL ? text.data : "", text.len);
    }
    harper__buf_free(&text);
}

/* ---------------------------------------------------------------------------------------------
 * Calls
 */

/* String(v) as JavaScript writes it (arrays joined with ","). */
static void js_string(harper__buf *b, const jv *v)
{
    if (v == NULL)
        return;
    if (v->kind == JV_STR) {
        harper__buf_append(b, v->s, v->n);
    } else if (v->kind == JV_ARR) {
        for (size_t k = 0; k < v->n_items; k++) {
            if (k > 0)
                harper__buf_byte(b, ',');
            js_string(b, v->items[k]);
        }
    } else {
        harper__buf_str(b, "[object Object]");
    }
}

/* +v */
static double js_to_number(jparser *P, const jv *v)
{
    harper__buf b = HARPER__BUF_INIT;
    double d;

    if (v == NULL || v->kind == JV_QUERY)
        return NAN;
    if (v->kind == JV_STR)
        return harper__qurl_js_number(v->s, v->n);
    js_string(&b, v);
    if (b.failed)
        P->oom = true;
    d = harper__qurl_js_number(b.data != NULL ? b.data : "", b.len);
    harper__buf_free(&b);
    return d;
}

int harper__qurl_call_limit(jparser *P, jv *e, jv *p)
{
    switch (p->n_items) {
    case 1:
        e->limit = js_to_number(P, p->items[0]);
        e->has_limit = true;
        break;
    case 2:
        e->offset = js_to_number(P, p->items[0]);
        e->has_offset = true;
        e->limit = js_to_number(P, p->items[1]) - e->offset;
        e->has_limit = true;
        break;
    default:
        return harper__qurl_record(P, "limit must have 1 or 2 arguments");
    }
    if (P->oom)
        return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
    return 0;
}

void harper__qurl_call_select(jv *e, jv *p)
{
    jv *first = p->n_items > 0 ? p->items[0] : NULL;

    e->select_as_array = false;
    if (p->n_items == 1 && first != NULL && first->kind == JV_ARR && first->name_len == 0) {
        e->select = first;
        e->select_as_array = true;
    } else if (p->n_items == 1) {
        e->select = first;
    } else if (p->n_items == 2 && p->items[1] != NULL && p->items[1]->kind == JV_STR &&
               p->items[1]->n == 0) {
        /* select(name,): an object of one key; p is Harper's fresh array, so cut it there */
        p->n_items = 1;
        e->select = p;
    } else {
        e->select = p;
    }
    e->select_set = e->select != NULL;
}

/* toSortEntry: 1 with a key, 0 for undefined (an error was recorded), -1 on a throw. */
static int sort_entry(jparser *P, jv *x, jv **attr, bool *desc)
{
    if (x == NULL || x->kind == JV_QUERY) {
        if (harper__qurl_record(P, "Unknown sort type %s",
                                x == NULL ? "undefined" : "[object Object]") != 0)
            return -1;
        return 0;
    }
    if (x->kind == JV_ARR) {
        jv *copy;
        int rc = sort_entry(P, x->n_items > 0 ? x->items[0] : NULL, attr, desc);

        if (rc <= 0)
            return rc < 0 ? -1
                          : harper__qurl_throw(P, "TypeError", "Cannot read properties of "
                                                               "undefined (reading 'attribute')");
        copy = harper__qurl_jv_new(P, JV_ARR);
        if (copy == NULL)
            return -1;
        for (size_t k = 0; k < x->n_items; k++)
            if (harper__qurl_jv_push(P, copy, k == 0 ? *attr : x->items[k]) != 0)
                return -1;
        *attr = copy;
        return 1;
    }
    *desc = x->n > 0 && x->s[0] == '-';
    if (x->n > 0 && (x->s[0] == '-' || x->s[0] == '+')) {
        jv *rest = harper__qurl_jv_new(P, JV_STR);

        if (rest == NULL || (rest->s = malloc(x->n)) == NULL)
            return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        memcpy(rest->s, x->s + 1, x->n - 1);
        rest->s[x->n - 1] = '\0';
        rest->n = x->n - 1;
        *attr = rest;
    } else {
        *attr = x;
    }
    return 1;
}

int harper__qurl_call_sort(jparser *P, jv *e, jv *p)
{
    size_t n = p->n_items > 0 ? p->n_items : 1;
    jv **attrs = calloc(n, sizeof *attrs);
    bool *desc = calloc(n, sizeof *desc);
    size_t k;
    int rc = -1;

    if (attrs == NULL || desc == NULL) {
        harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        goto done;
    }
    /* toSortObject evaluates every entry before linking them, from the last link back. */
    for (k = 0; k < n; k++) {
        int got = sort_entry(P, p->n_items > 0 ? p->items[k] : NULL, &attrs[k], &desc[k]);

        if (got < 0)
            goto done;
        if (got == 0)
            attrs[k] = NULL;
    }
    for (k = n - 1; k-- > 0;) {
        if (attrs[k] == NULL) {
            harper__qurl_throw(P, "TypeError",
                               "Cannot set properties of undefined (setting 'next')");
            goto done;
        }
    }
    for (k = 0; k < n && attrs[k] != NULL; k++)
        ;
    free(e->sort_attr);
    free(e->sort_desc);
    e->sort_attr = attrs;
    e->sort_desc = desc;
    e->n_sort = k;
    e->sort_set = k > 0;
    attrs = NULL;
    desc = NULL;
    rc = 0;
done:
    free(attrs);
    free(desc);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Simple mode: URLSearchParams
 */

int harper__qurl_simple(jparser *P, harper__qurl **out)
{
    jv *top = harper__qurl_jv_new(P, JV_QUERY);
    size_t start = 0;

    if (top == NULL)
        return -1;
    while (start < P->len) {
        const char *piece = P->q + start;
        const char *amp = memchr(piece, '&', P->len - start);
        size_t n = amp != NULL ? (size_t)(amp - piece) : P->len - start;
        const char *eqs = memchr(piece, '=', n);
        size_t name_len = eqs != NULL ? (size_t)(eqs - piece) : n;
        jv *cond;
        jv *name;
        int rc;

        P->pos = start;
        start += n + 1;
        if (n == 0)
            continue;
        cond = harper__qurl_jv_new(P, JV_COND);
        name = harper__qurl_jv_new(P, JV_STR);
        if (cond == NULL || name == NULL)
            return -1;
        snprintf(cond->cmp, sizeof cond->cmp, "equals");
        cond->attr = name;
        cond->value.kind = HARPER__QURL_STRICT;
        rc = harper__qurl_form_decode(piece, name_len, &name->s, &name->n);
        if (rc == 0)
            rc = eqs != NULL ? harper__qurl_form_decode(eqs + 1, n - name_len - 1,
                                                        &cond->value.text, &cond->value.len)
                             : harper__qurl_form_decode("", 0, &cond->value.text,
                                                        &cond->value.len);
        if (rc != 0)
            return harper__qurl_fail_value(P, rc);
        if (harper__qurl_jv_push(P, top, cond) != 0)
            return -1;
    }
    if (harper__qurl_build(P, top, out) != 0)
        return -1;
    (*out)->simple = true;
    return 0;
}
