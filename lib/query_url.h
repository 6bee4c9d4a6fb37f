/* query_url.h: the query string of a REST collection URL (the part after '?', still
 * percent-encoded) as a syntax tree: conditions in AND/OR groups, select(), sort(), limit().
 * Pure: no table, no schema. What depends on an attribute's declared type (converting a
 * value to Int, Date...) is left to the caller, so each value keeps its decoded text and how
 * Harper decoded it. Files:
 *   query_url.c        the grammar: Harper 4.7's parseQuery, step for step
 *   query_url_js.c     the JavaScript objects it builds, its errors, the calls, the simple
 *                      mode (query_url_js.h)
 *   query_url_tree.c   turning the parsed query into the tree below, the checks Harper makes
 *                      when the search starts (groups, chained ranges, comparators), the
 *                      JSON printer
 *   query_url_value.c  percent-decoding, typed values (`null`, `type:value`), JavaScript's
 *                      string-to-number, the auto-cast of untyped attributes */
#ifndef HARPER_QUERY_URL_H
#define HARPER_QUERY_URL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "harper.h"

/* How a condition value was decoded. */
enum harper__qurl_kind {
    HARPER__QURL_STRICT = 0,    /* `=`, `===`, `!==`, `[]=`: the decoded text. Converted later
                                   only when the attribute declares a type (spec rest.md 2.1);
                                   on an untyped attribute it stays a string. */
    HARPER__QURL_NULL,          /* typed value `null` */
    HARPER__QURL_NUMBER,        /* `number:5`, `number:$zz` (base 36): num (may be NaN) */
    HARPER__QURL_BOOLEAN,       /* `boolean:x`: boolean (true only for exactly "true") */
    HARPER__QURL_DATE,          /* `date:<epoch ms or date text>`: num = epoch ms, NaN when the
                                   text is no ISO-8601 date we read; text = the date text */
    HARPER__QURL_STRING,        /* `string:abc`: the decoded text after the prefix */
    HARPER__QURL_TEXT           /* typed operator, no prefix: the decoded text */
};
/* Harper 4.7 treats STRING and TEXT alike: both are converted by a declared type, and both are
 * auto-cast on an untyped attribute when the node's `autocast` is set. */

typedef struct harper__qurl_value {
    int kind;                   /* enum harper__qurl_kind */
    char *text;                 /* decoded UTF-8, NUL-terminated ("" for NULL, NUMBER and
                                   BOOLEAN: the text is what followed the prefix, raw) */
    size_t len;
    double num;                 /* NUMBER, DATE */
    bool boolean;               /* BOOLEAN */
} harper__qurl_value;

typedef struct harper__qurl_node harper__qurl_node;

struct harper__qurl_node {
    bool is_group;
    /* group */
    int logic;                  /* HARPER_AND / HARPER_OR */
    harper__qurl_node *kids;    /* array of n_kids */
    size_t n_kids;
    /* condition */
    char **path;                /* attribute path, decoded segments (one for a plain name,
                                   more for `brand.name`); each NUL-terminated */
    size_t *path_len;
    size_t n_path;
    int comparator;             /* enum harper_comparator */
    const char *op;             /* Harper's name of it: "equals", "eq", "ne", "not_equal",
                                   "gt", ..., "sw", "starts_with" (from `==v*`), "gtlt",
                                   "gtle", "gelt", "gele" (folded ranges); static */
    bool autocast;              /* the comparator coerces (== != < <= > >= and =eq= =ne=
                                   =lt= =le= =gt= =ge=): on an attribute with no declared type
                                   (or Any) the value is auto-cast (harper__qurl_autocast);
                                   otherwise only a declared type converts it */
    bool low_inclusive;         /* BETWEEN: >= rather than > */
    bool high_inclusive;        /* BETWEEN: <= rather than < */
    harper__qurl_value value;   /* BETWEEN: the low end */
    harper__qurl_value high;    /* BETWEEN: the high end */
};

/* A select() item: a property name, or a list of items. */
typedef struct harper__qurl_sel harper__qurl_sel;

struct harper__qurl_sel {
    bool is_list;
    char *name;                 /* name: decoded; list: the parent property of `rel{a,b}`
                                   (raw, as Harper keeps it) or NULL */
    size_t name_len;
    harper__qurl_sel *items;    /* list: array of n_items */
    size_t n_items;
};

typedef struct harper__qurl_sort {
    char **path;                /* decoded segments, as in a condition */
    size_t *path_len;
    size_t n_path;
    bool descending;
} harper__qurl_sort;

typedef struct harper__qurl {
    harper__qurl_node root;     /* always a group; no condition: an AND group of none */
    harper__qurl_sel *select;   /* NULL: no select(). A name: each result is that value; a
                                   list: objects of those keys */
    bool select_as_array;       /* select([a,b]) (or a dotted name): arrays of values */
    harper__qurl_sort *sort;    /* first key first */
    size_t n_sort;
    bool has_limit;
    bool has_offset;
    double limit;               /* as Harper computes it: limit(n) = n; limit(a,b) = b - a.
                                   NaN when not numeric; not rounded */
    double offset;              /* limit(a,b): a */
    bool simple;                /* parsed in the form-urlencoded mode of spec rest.md 5.1 */
} harper__qurl;

/* Why a query string was rejected, as Harper answers: the body is "<cls>: <message>". */
typedef struct harper__qurl_error {
    int status;                 /* 400 or 500 */
    char cls[24];               /* "SyntaxViolation", "ClientError", "URIError", "TypeError",
                                   "RangeError", "Error" */
    char message[2048];         /* NUL-terminated UTF-8, cut at a character boundary */
} harper__qurl_error;

/* Parses qs[0..len) (no NUL needed; NULL with len 0 is the empty query). On success *out is a
 * new tree for harper__qurl_free and 0 is returned. On failure -1, *out is NULL and `err`
 * (may be NULL) says why:
 * - 400 "Unable to parse query, <reason> at position <n> in '<query>'" for decoding problems
 *   (bad '%' escape: URIError "URI malformed"; `type:` prefix: ClientError "Unknown type x";
 *   misplaced '*': "wildcard can only be used at the end of a string"), followed by
 *   ", <grammar errors>" when some came before; n is the byte offset Harper had reached;
 * - 500 SyntaxViolation "<message> at position <n>", several joined with ", ", for grammar
 *   errors (Harper records them and goes on);
 * - 500 Error for what Harper rejects when the search starts: chained ranges other than one
 *   gt/ge with one lt/le, an empty group;
 * - 400 ClientError `Unknown query comparator "xx"`;
 * - 500 Error "out of memory".
 * Thread-safety: safe. */
int harper__qurl_parse(const char *qs, size_t len, harper__qurl **out, harper__qurl_error *err);

/* NULL does nothing. */
void harper__qurl_free(harper__qurl *q);

/* The tree as compact JSON text appended to `out` (for tests and logs). 0, or -1 when memory
 * runs out. */
int harper__qurl_to_json(const harper__qurl *q, harper__buf *out);

/* Harper's auto-cast of a query value for an attribute with no declared type (or Any):
 * "true"/"TRUE"/"false"/"FALSE" -> boolean; "null"/"NULL"/"undefined" -> null; "NaN" -> NaN;
 * numeric text (JavaScript's Number(), but no leading zero except "0" and "0.x", no exponent)
 * -> number; an ISO date-time (YYYY-MM-DDTHH:MM[:SS[.f]] with Z or +-HH:MM) -> its epoch ms as
 * a number, with *is_date set (NaN when it is no valid date, as new Date() gives); anything
 * else -> the string. A new cJSON for cJSON_Delete, NULL when memory runs out. is_date may be
 * NULL. Thread-safety: safe. */
cJSON *harper__qurl_autocast(const char *text, size_t len, bool *is_date);

/* ---- shared by the query_url*.c files ---- */

/* What the value functions report besides 0. */
enum {
    HARPER__QURL_EURI = -1,     /* URIError "URI malformed" */
    HARPER__QURL_ENOMEM = -2,
    HARPER__QURL_ETYPE = -3     /* `x:...` with an unknown type x */
};

/* Offset of the first byte of s[0..n) that is not part of valid UTF-8 or is NUL; n if none. */
size_t harper__qurl_bad_byte(const char *s, size_t n);

/* decodeURIComponent on s[0..n) into a new NUL-terminated string (*out, free()). A bad
 * escape, an escaped sequence that is not UTF-8, or an escaped NUL: HARPER__QURL_EURI. */
int harper__qurl_decode(const char *s, size_t n, char **out, size_t *out_len);

/* The form-urlencoded decoding of URLSearchParams: '+' is a space, a bad escape stays as it
 * is, bytes that are not UTF-8 become U+FFFD. An escaped NUL: HARPER__QURL_EURI. */
int harper__qurl_form_decode(const char *s, size_t n, char **out, size_t *out_len);

/* Harper's typed decoding of the raw value s[0..n) into *v (zeroed first; v->text is set on
 * success and is the caller's to free). */
int harper__qurl_typed(const char *s, size_t n, harper__qurl_value *v);

/* JavaScript's Number(string) on s[0..n): whitespace trimmed, "" is 0, 0x/0o/0b, Infinity,
 * decimal with exponent; NaN otherwise. */
double harper__qurl_js_number(const char *s, size_t n);

#endif
