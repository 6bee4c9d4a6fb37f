/* query_url.c: the grammar of REST query strings, done as Harper 4.7's parseQuery does it, so
 * that odd input gives Harper's answer too: two regular expressions take turns reading
 * (attribute, operator) and (value, operator) pairs, grammar errors are recorded and parsing
 * goes on, decoding errors stop it. The result is first held in a model of the JavaScript
 * objects Harper builds (Query, arrays, condition objects), which query_url_tree.c turns into
 * the tree of query_url.h after the checks Harper makes when the search starts. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_url.h"
#include "query_url_js.h"

/* Harper has no limit but the JavaScript stack; this keeps ours small. */
#define MAX_DEPTH 100

enum { QUERY_RE = 0, VALUE_RE = 1 };
enum { L_DECODE, L_TYPED };                 /* the value decoder of the next condition */
enum { S_UNDEF, S_NULL, S_SET };            /* the attribute state: undefined, null, a value */

typedef struct block {
    jv *e;                  /* the Query or array being filled */
    char t;                 /* the closing character expected, 0 at the top */
    int r;                  /* which expression reads next */
    int s_state;
    jv *s;                  /* S_SET: the attribute (a string, possibly "", or a path) */
    char i[12];             /* comparator name; "" = undefined */
    int l;
    int u;                  /* operator seen last: OP_NONE, OP_AND, OP_OR */
    bool o;                 /* expecting an operator (after a group or a call) */
    bool c;                 /* the previous token was not the end of a nested group */
} block;

static const char *special_query = "?&|=<>!([{}]),";

/* QUERY_PARSER: /([^?&|=<>!([{}\]),]*)([([{}\])|,&]|[=<>!]*)/g. Always matches at lastIndex. */
static void exec_query(jparser *P, size_t *d, size_t *dn, size_t *f, size_t *fn)
{
    size_t p = P->last[QUERY_RE];

    *d = p;
    while (p < P->len && strchr(special_query, P->q[p]) == NULL)
        p++;
    *dn = p - *d;
    *f = p;
    if (p < P->len && strchr("([{}])|,&", P->q[p]) != NULL) {
        p++;
    } else {
        while (p < P->len && strchr("=<>!", P->q[p]) != NULL)
            p++;
    }
    *fn = p - *f;
    P->last[QUERY_RE] = p;
}

static bool value_char(char ch)
{
    return strchr("&|=[]{}", ch) == NULL;
}

/* VALUE_PARSER: /([^&|=[\]{}]+)([[\]{}]|[&|=]*)/g. Searches forward from lastIndex, so
 * operator characters before the next value are skipped; none left: no match, lastIndex 0. */
static bool exec_value(jparser *P, size_t *d, size_t *dn, size_t *f, size_t *fn)
{
    size_t p = P->last[VALUE_RE];

    while (p < P->len && !value_char(P->q[p]))
        p++;
    if (p >= P->len) {
        P->last[VALUE_RE] = 0;
        return false;
    }
    *d = p;
    while (p < P->len && value_char(P->q[p]))
        p++;
    *dn = p - *d;
    *f = p;
    if (p < P->len && strchr("[]{}", P->q[p]) != NULL) {
        p++;
    } else {
        while (p < P->len && strchr("&|=", P->q[p]) != NULL)
            p++;
    }
    *fn = p - *f;
    P->last[VALUE_RE] = p;
    return true;
}

static bool eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* decodeProperty: a name with dots is a path of decoded segments. */
static int decode_property(jparser *P, const char *d, size_t dn, jv **out)
{
    const char *dot = memchr(d, '.', dn);
    jv *path;

    if (dot == NULL)
        return harper__qurl_jv_decoded(P, d, dn, out);
    path = harper__qurl_jv_new(P, JV_ARR);
    if (path == NULL)
        return -1;
    for (;;) {
        size_t seg = dot != NULL ? (size_t)(dot - d) : dn;
        jv *part;

        if (harper__qurl_jv_decoded(P, d, seg, &part) != 0 ||
            harper__qurl_jv_push(P, path, part) != 0)
            return -1;
        if (dot == NULL)
            break;
        d += seg + 1;
        dn -= seg + 1;
        dot = memchr(d, '.', dn);
    }
    *out = path;
    return 0;
}

/* assignOperator: one grouping takes one operator. */
static int assign_operator(jparser *P, jv *e, int u)
{
    if (e->kind != JV_QUERY)
        return harper__qurl_throw(P, "TypeError",
                                  "Cannot read properties of undefined (reading 'length')");
    if (e->n_items > 0) {
        if (e->op != OP_NONE) {
            if (e->op != u)
                return harper__qurl_record(P, "Can not mix operators within a condition grouping");
        } else {
            e->op = u;
        }
    }
    return 0;
}

/* The condition object Harper builds from the attribute state and the raw value d. */
static int make_condition(jparser *P, block *b, const char *cmp, const char *d, size_t dn,
                          jv **out)
{
    jv *h = harper__qurl_jv_new(P, JV_COND);
    int rc;

    if (h == NULL)
        return -1;
    snprintf(h->cmp, sizeof h->cmp, "%s", cmp);
    h->attr = b->s != NULL && !(b->s->kind == JV_STR && b->s->n == 0) ? b->s : NULL;
    if (b->l == L_TYPED) {
        rc = harper__qurl_typed(d, dn, &h->value);
    } else {
        memset(&h->value, 0, sizeof h->value);
        h->value.kind = HARPER__QURL_STRICT;
        rc = harper__qurl_decode(d, dn, &h->value.text, &h->value.len);
    }
    if (rc == HARPER__QURL_ETYPE) {
        const char *colon = memchr(d, ':', dn);

        return harper__qurl_throw(P, "ClientError", "Unknown type %.*s", (int)(colon - d), d);
    }
    if (rc != 0)
        return harper__qurl_fail_value(P, rc);
    /* wildcardDecoding, for `==` and `=eq=` only, on the raw text */
    if (strcmp(cmp, "eq") == 0 && memchr(d, '*', dn) != NULL) {
        if (d[dn - 1] != '*')
            return harper__qurl_throw(P, "ClientError",
                                      "wildcard can only be used at the end of a string");
        free(h->value.text);
        memset(&h->value, 0, sizeof h->value);
        h->value.kind = HARPER__QURL_TEXT;
        snprintf(h->cmp, sizeof h->cmp, "starts_with");
        rc = harper__qurl_decode(d, dn - 1, &h->value.text, &h->value.len);
        if (rc != 0)
            return harper__qurl_fail_value(P, rc);
    }
    *out = h;
    return 0;
}

/* The end of a condition: '&', '|', '&=', '|=' or the end of the string. */
static int end_condition(jparser *P, block *b, const char *d, size_t dn, const char *f,
                         size_t fn)
{
    jv *h;

    if (b->s_state != S_SET) {
        if (b->s_state == S_UNDEF) {
            if (b->t != 0 &&
                harper__qurl_record(P, "expected '%c', but encountered %s%.*s%s}", b->t,
                                    fn > 0 ? "'" : "end of string", fn > 0 ? 1 : 0, f,
                                    fn > 0 ? "'" : "") != 0)
                return -1;
            if (harper__qurl_record(P, "no comparison specified before %s%.*s%s",
                                    fn > 0 ? "'" : "end of string", (int)fn, f,
                                    fn > 0 ? "'" : "") != 0)
                return -1;
        }
    } else {
        if (b->e->kind != JV_QUERY &&
            harper__qurl_record(P, "conditions/comparisons are not allowed in a property list") !=
                0)
            return -1;
        if (make_condition(P, b, b->i, d, dn, &h) != 0)
            return -1;
        if (b->s->kind == JV_STR && b->s->n == 0) {
            jv *prev;

            /* a chained condition (`&=lt=5`) belongs to the one before it */
            if (b->e->kind != JV_QUERY)
                return harper__qurl_throw(
                    P, "TypeError", "Cannot read properties of undefined (reading 'length')");
            if (b->e->n_items == 0 || b->e->items[b->e->n_items - 1] == NULL)
                return harper__qurl_throw(
                    P, "TypeError",
                    "Cannot read properties of undefined (reading 'chainedConditions')");
            prev = b->e->items[b->e->n_items - 1];
            if (harper__qurl_jv_chain(P, prev, h) != 0)
                return -1;
            prev->op = b->u;
        } else if (assign_operator(P, b->e, b->u) != 0 ||
                   harper__qurl_jv_push(P, b->e, h) != 0) {
            return -1;
        }
    }
    if (fn == 1 && (f[0] == '&' || f[0] == '|')) {
        b->u = f[0] == '&' ? OP_AND : OP_OR;
        b->s_state = S_UNDEF;
        b->s = NULL;
    } else if (fn == 2 && f[1] == '=') {
        b->u = f[0] == '&' ? OP_AND : OP_OR;
        b->s_state = S_SET;
        if (harper__qurl_jv_decoded(P, "", 0, &b->s) != 0)
            return -1;
    }
    return 0;
}

static int parse_block(jparser *P, jv *e, char t, jv **ret);

/* After a nested group or call: a ',' is skipped, else an operator must come next. */
static void after_nested(jparser *P, block *b)
{
    if (P->pos < P->len && P->q[P->pos] == ',') {
        P->last[b->r] = ++P->pos;
    } else {
        b->o = true;
    }
}

/* `name(...)`: a group when name is empty, else a call. */
static int open_paren(jparser *P, block *b, const char *d, size_t dn)
{
    jv *p;
    jv *e = b->e;

    P->last[QUERY_RE] = P->pos;
    p = harper__qurl_jv_new(P, dn > 0 ? JV_ARR : JV_QUERY);
    if (p == NULL || parse_block(P, p, ')', &p) != 0)
        return -1;
    if (dn == 0) {
        if (assign_operator(P, e, b->u) != 0 || harper__qurl_jv_push(P, e, p) != 0)
            return -1;
    } else if (eq(d, dn, "limit")) {
        if (harper__qurl_call_limit(P, e, p) != 0)
            return -1;
    } else if (eq(d, dn, "select")) {
        harper__qurl_call_select(e, p);
    } else if (eq(d, dn, "sort") || eq(d, dn, "group-by")) {
        if (eq(d, dn, "group-by") && harper__qurl_record(P, "group by is not implemented yet") != 0)
            return -1;
        if (harper__qurl_call_sort(P, e, p) != 0)
            return -1;
    } else if (harper__qurl_record(P, "unknown query function call %.*s", (int)dn, d) != 0) {
        return -1;
    }
    after_nested(P, b);
    b->s_state = S_NULL;
    b->s = NULL;
    return 0;
}

/* `name{...}`: a property set in a select list. */
static int open_brace(jparser *P, block *b, const char *d, size_t dn)
{
    jv *m = NULL;

    if (b->e->kind == JV_QUERY &&
        harper__qurl_record(P, "property sets are not allowed in a queries") != 0)
        return -1;
    if (dn == 0 &&
        harper__qurl_record(P, "property sets must have a defined parent property name") != 0)
        return -1;
    P->last[QUERY_RE] = P->pos;
    m = harper__qurl_jv_new(P, JV_ARR);
    if (m == NULL || parse_block(P, m, '}', &m) != 0)
        return -1;
    if (m == NULL)
        return harper__qurl_throw(P, "TypeError",
                                  "Cannot set properties of undefined (setting 'name')");
    if (harper__qurl_jv_name(P, m, d, dn) != 0)
        return -1;
    if (b->e->kind == JV_QUERY)
        return harper__qurl_throw(P, "TypeError", "e.push is not a function");
    if (harper__qurl_jv_push(P, b->e, m) != 0)
        return -1;
    after_nested(P, b);
    return 0;
}

/* `[...]`: a group like (...), a list in a select, or `name[]=value`. Returns 1 when it was
 * the `[]=` form (the value comes next). */
static int open_bracket(jparser *P, block *b, const char *d, size_t dn)
{
    jv *m;
    jv *e = b->e;

    P->last[QUERY_RE] = P->pos;
    m = harper__qurl_jv_new(P, dn > 0 || e->kind == JV_QUERY ? JV_QUERY : JV_ARR);
    if (m == NULL || parse_block(P, m, ']', &m) != 0)
        return -1;
    if (dn > 0) {
        if (m == NULL)
            return harper__qurl_throw(P, "TypeError",
                                      "Cannot set properties of undefined (setting 'name')");
        if (harper__qurl_jv_name(P, m, d, dn) != 0)
            return -1;
    }
    if (e->kind == JV_QUERY) {
        if (assign_operator(P, e, b->u) != 0)
            return -1;
        if (P->pos < P->len && P->q[P->pos] == '=') {
            b->l = L_DECODE;
            snprintf(b->i, sizeof b->i, "equals");
            if (decode_property(P, d, dn, &b->s) != 0)
                return -1;
            b->s_state = S_SET;
            P->last[b->r] = ++P->pos;
            return 1;
        }
        if (harper__qurl_jv_push(P, e, m) != 0)
            return -1;
        b->s_state = S_NULL;
        b->s = NULL;
    } else if (harper__qurl_jv_push(P, e, m) != 0) {
        return -1;
    }
    after_nested(P, b);
    return 0;
}

/* A closing ')' ']' or '}'. Returns 1 when it closes this block. */
static int close_block(jparser *P, block *b, const char *d, size_t dn, char f)
{
    if (b->t != f) {
        if (b->t != 0)
            return harper__qurl_record(P, "expected '%c', but encountered '%c'", b->t, f);
        return harper__qurl_record(P, "unexpected token '%c'", f);
    }
    if (b->e->kind == JV_QUERY) {
        if (b->s_state == S_SET && harper__qurl_jv_truthy(b->s)) {
            jv *h;

            if (make_condition(P, b, b->i[0] != '\0' ? b->i : "equals", d, dn, &h) != 0 ||
                assign_operator(P, b->e, b->u) != 0 || harper__qurl_jv_push(P, b->e, h) != 0)
                return -1;
        } else if (dn > 0 && harper__qurl_record(P, "no attribute or comparison specified") != 0) {
            return -1;
        }
    } else if (dn > 0 || (b->e->n_items > 0 && b->c)) {
        jv *item;

        if (decode_property(P, d, dn, &item) != 0 || harper__qurl_jv_push(P, b->e, item) != 0)
            return -1;
    }
    return 1;
}

static bool is_symbol(const char *f, size_t fn)
{
    static const char *const symbols[] = {"==", "!=", "<", "<=", ">", ">=", "===", "!=="};

    for (size_t k = 0; k < sizeof symbols / sizeof symbols[0]; k++)
        if (eq(f, fn, symbols[k]))
            return true;
    return false;
}

/* The comparator a symbol stands for, and whether its value is typed. */
static const char *symbol_comparator(const char *f, size_t fn, bool *typed)
{
    static const struct {
        const char *sym;
        const char *name;
    } map[] = {{"<", "lt"}, {"<=", "le"}, {">", "gt"}, {">=", "ge"}, {"!=", "ne"},
               {"==", "eq"}, {"===", "equals"}, {"!==", "not_equal"}};

    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        if (eq(f, fn, map[k].sym)) {
            *typed = fn < 3;
            return map[k].name;
        }
    }
    *typed = false;
    return "";
}

/* One (d, f) pair. Returns 1 when the block is complete, 0 to go on, -1 on a throw. */
static int step(jparser *P, block *b, const char *d, size_t dn, const char *f, size_t fn)
{
    int rc;

    if (b->o) {
        if (dn > 0 &&
            harper__qurl_record(P, "expected operator, but encountered '%.*s'", (int)dn, d) != 0)
            return -1;
        b->o = false;
        b->c = false;
    } else {
        b->c = true;
    }
    if (eq(f, fn, "=")) {
        if (b->s_state == S_SET) {
            if (dn <= 2)
                snprintf(b->i, sizeof b->i, "%.*s", (int)dn, d);
            else if (harper__qurl_record(P, "invalid FIQL operator %.*s", (int)dn, d) != 0)
                return -1;
            b->l = L_TYPED;
        } else {
            b->l = L_DECODE;
            snprintf(b->i, sizeof b->i, "equals");
            if (dn == 0 &&
                harper__qurl_record(P, "attribute must be specified before equality comparator") !=
                    0)
                return -1;
            if (decode_property(P, d, dn, &b->s) != 0)
                return -1;
            b->s_state = S_SET;
        }
    } else if (is_symbol(f, fn)) {
        bool typed;

        snprintf(b->i, sizeof b->i, "%s", symbol_comparator(f, fn, &typed));
        b->l = typed ? L_TYPED : L_DECODE;
        if (dn == 0 && harper__qurl_record(P, "attribute must be specified before comparator %.*s",
                                           (int)fn, f) != 0)
            return -1;
        if (decode_property(P, d, dn, &b->s) != 0)
            return -1;
        b->s_state = S_SET;
    } else if (fn == 0 || eq(f, fn, "&") || eq(f, fn, "|") || eq(f, fn, "&=") ||
               eq(f, fn, "|=")) {
        if (end_condition(P, b, d, dn, f, fn) != 0)
            return -1;
    } else if (eq(f, fn, ",")) {
        jv *item;

        if (b->e->kind == JV_QUERY) {
            if (harper__qurl_record(P, "conditions/comparisons are not allowed in a property list") !=
                0)
                return -1;
        } else if (decode_property(P, d, dn, &item) != 0 ||
                   harper__qurl_jv_push(P, b->e, item) != 0) {
            return -1;
        }
        b->s_state = S_UNDEF;
        b->s = NULL;
    } else if (eq(f, fn, "(")) {
        if (open_paren(P, b, d, dn) != 0)
            return -1;
    } else if (eq(f, fn, "{")) {
        if (open_brace(P, b, d, dn) != 0)
            return -1;
    } else if (eq(f, fn, "[")) {
        rc = open_bracket(P, b, d, dn);
        if (rc < 0)
            return -1;
        if (rc == 1)
            goto next;
    } else if (fn == 1 && (f[0] == ')' || f[0] == ']' || f[0] == '}')) {
        rc = close_block(P, b, d, dn, f[0]);
        if (rc != 0)
            return rc;
        /* not this block's end: Harper goes on to its catch-all message too */
        if (harper__qurl_record(P, "unexpected operator '%.*s'", (int)fn, f) != 0)
            return -1;
    } else if (harper__qurl_record(P, "unexpected operator '%.*s'", (int)fn, f) != 0) {
        return -1;
    }
next:
    /* Inside parentheses the query expression keeps reading, values too. */
    if (b->t != ')') {
        b->r = b->s_state == S_SET && harper__qurl_jv_truthy(b->s) ? VALUE_RE : QUERY_RE;
        P->last[b->r] = P->pos;
    }
    return P->pos == P->len ? 2 : 0;
}

/* parseBlock: fills e until its closing character t (0: the end of the string). *ret is e,
 * or NULL where Harper returns undefined (the string ran out inside a block). */
static int parse_block(jparser *P, jv *e, char t, jv **ret)
{
    block b;

    memset(&b, 0, sizeof b);
    b.e = e;
    b.t = t;
    b.r = QUERY_RE;
    b.l = L_DECODE;
    *ret = NULL;
    if (++P->depth > MAX_DEPTH)
        return harper__qurl_throw(P, "RangeError", "Maximum call stack size exceeded");
    for (;;) {
        size_t d, dn, f, fn;
        int rc;

        if (b.r == QUERY_RE) {
            exec_query(P, &d, &dn, &f, &fn);
            if (dn == 0 && fn == 0 && f < P->len) {
                /* Harper matches the empty string here for ever; we stop. */
                P->pos = f;
                return harper__qurl_throw(P, "ClientError", "unexpected character '%c'",
                                          P->q[f]);
            }
        } else if (!exec_value(P, &d, &dn, &f, &fn)) {
            break;
        }
        P->pos = P->last[b.r];
        rc = step(P, &b, P->q + d, dn, P->q + f, fn);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            P->depth--;
            *ret = e;
            return 0;
        }
    }
    P->depth--;
    if (t != 0)
        return harper__qurl_record(P, "expected '%c', but encountered end of string", t);
    return 0;
}

/* Harper's test for the full grammar: /[()[\]|!<>.]|(=\w*=)/ on the raw string. */
static bool needs_parser(const char *q, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        if (strchr("()[]|!<>.", q[k]) != NULL && q[k] != '\0')
            return true;
        if (q[k] == '=') {
            size_t m = k + 1;

            while (m < len && (q[m] == '_' || (q[m] >= '0' && q[m] <= '9') ||
                               ((q[m] | 0x20) >= 'a' && (q[m] | 0x20) <= 'z')))
                m++;
            if (m < len && q[m] == '=')
                return true;
        }
    }
    return false;
}

int harper__qurl_parse(const char *qs, size_t len, harper__qurl **out, harper__qurl_error *err)
{
    jparser P;
    jv *top;
    jv *ret;
    size_t bad;
    int rc = -1;

    if (out == NULL)
        return -1;
    *out = NULL;
    if (qs == NULL)
        len = 0;
    memset(&P, 0, sizeof P);
    P.q = qs;
    P.len = len;
    P.err = err;
    bad = harper__qurl_bad_byte(qs, len);
    if (bad < len) {
        /* Quoting the query stops before the bad byte: the message stays valid UTF-8. */
        P.pos = bad;
        P.len = bad;
        harper__qurl_throw(&P, "URIError", "URI malformed");
        harper__qurl_report(&P);
        harper__qurl_jv_free_all(&P);
        return -1;
    }
    if (len == 0 || !needs_parser(qs, len)) {
        rc = harper__qurl_simple(&P, out);
        if (rc != 0)
            harper__qurl_report(&P);
        harper__qurl_jv_free_all(&P);
        return rc;
    }
    top = harper__qurl_jv_new(&P, JV_QUERY);
    P.top = top;
    if (top != NULL && parse_block(&P, top, 0, &ret) == 0) {
        if (P.pos != P.len)
            harper__qurl_record(&P, "Unable to parse query, unexpected end of query");
        if (!P.thrown && !P.pem_set)
            rc = harper__qurl_build(&P, top, out);
    }
    if (rc != 0)
        harper__qurl_report(&P);
    harper__qurl_jv_free_all(&P);
    return rc;
}
