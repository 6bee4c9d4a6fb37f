/* query_url_js.h: the model of the JavaScript objects Harper's query parser builds, shared by
 * the query_url*.c files and no one else (see query_url.h for the public-to-lib tree).
 *   query_url_js.c    the model, Harper's error recording, the calls, the simple mode
 *   query_url_tree.c  the model turned into a harper__qurl */
#ifndef HARPER_QUERY_URL_JS_H
#define HARPER_QUERY_URL_JS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "query_url.h"

enum jv_kind {
    JV_STR,         /* a decoded string */
    JV_ARR,         /* an array: a property list, a path, call arguments */
    JV_QUERY,       /* a Query: conditions and groups */
    JV_COND         /* a condition object */
};

enum { OP_NONE, OP_AND, OP_OR };

typedef struct jv jv;

struct jv {
    int kind;
    char *s;                /* STR */
    size_t n;
    jv **items;             /* ARR: elements (NULL = undefined); QUERY: conditions */
    size_t n_items;
    size_t cap_items;
    char *name;             /* ARR, QUERY: the raw name of `name{` / `name[`, or NULL */
    size_t name_len;
    int op;                 /* QUERY: its operator; COND: the operator of its chain */
    jv **chain;             /* QUERY, COND: chainedConditions */
    size_t n_chain;
    size_t cap_chain;
    char cmp[12];           /* COND: Harper's comparator name */
    jv *attr;               /* COND: a STR or a path ARR; NULL for a chained condition */
    harper__qurl_value value;   /* COND */
    /* what the calls set on a Query (only the top one counts) */
    jv *select;
    bool select_set;
    bool select_as_array;
    jv **sort_attr;         /* sort keys: attribute (STR or ARR) */
    bool *sort_desc;
    size_t n_sort;
    bool sort_set;          /* sort() ran and gave keys */
    bool has_limit;
    bool has_offset;
    double limit;
    double offset;
    jv *next_all;           /* every jv of a parse, for freeing */
};

typedef struct jparser {
    const char *q;          /* the raw query string */
    size_t len;
    size_t pos;             /* Harper's lastIndex: the position in messages */
    size_t last[2];         /* lastIndex of the two regular expressions */
    int depth;
    jv *top;
    jv *all;
    harper__buf pem;        /* parseErrorMessage: recorded grammar errors */
    bool pem_set;
    bool thrown;            /* an exception ended the parse */
    bool oom;
    const char *cls;        /* the exception's class */
    harper__buf reason;     /* the exception's message */
    int status;             /* for exceptions raised after parsing (search-time checks) */
    bool bare;              /* the message is not wrapped in "Unable to parse query" */
    harper__qurl_error *err;
} jparser;

jv *harper__qurl_jv_new(jparser *P, int kind);
/* A new STR of decodeURIComponent(s[0..n)); a decoding error is thrown. */
int harper__qurl_jv_decoded(jparser *P, const char *s, size_t n, jv **out);
int harper__qurl_jv_push(jparser *P, jv *arr, jv *item);
int harper__qurl_jv_chain(jparser *P, jv *cond, jv *chained);
int harper__qurl_jv_name(jparser *P, jv *v, const char *name, size_t n);
/* JavaScript truthiness of an attribute: a non-empty string or any array. */
bool harper__qurl_jv_truthy(const jv *v);
void harper__qurl_jv_free_all(jparser *P);

/* recordError: appends "<message> at position <pos>" to the recorded errors; 0 or -1. */
int harper__qurl_record(jparser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An exception of class `cls`; returns -1 so callers can `return harper__qurl_throw(...)`. */
int harper__qurl_throw(jparser *P, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The exception for a value function's result (URIError, out of memory). */
int harper__qurl_fail_value(jparser *P, int rc);
/* Writes the outcome (exception or recorded errors) into P->err. */
void harper__qurl_report(jparser *P);

/* limit(), select(), sort() with their parsed arguments p on the Query or array e. */
int harper__qurl_call_limit(jparser *P, jv *e, jv *p);
void harper__qurl_call_select(jv *e, jv *p);
int harper__qurl_call_sort(jparser *P, jv *e, jv *p);

/* The form-urlencoded mode: P->q as URLSearchParams reads it. */
int harper__qurl_simple(jparser *P, harper__qurl **out);
/* The parsed top Query as a tree, after Harper's search-time checks. */
int harper__qurl_build(jparser *P, jv *top, harper__qurl **out);

#endif
