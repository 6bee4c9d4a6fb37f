/* query.h: the query engine's internal pieces, shared by its files:
 *   query_build.c   the harper_query_* builder calls and the query object
 *   query_json.c    harper_query_from_json (search_by_conditions) on top of the builder
 *   query_plan.c    resolving names against a definition, choosing the scan, its key bounds
 *   query_eval.c    conditions, sort keys and projection over one parsed record
 *   query_cursor.c  snapshots, iterators, streaming and the collecting sort
 *
 * Matching rules, the same whatever the plan (so an indexed table and a non-indexed twin give
 * identical rows):
 * - Values order as the keycodec does (null < false < true < numbers < strings < arrays).
 * - equals / not_equal are type-exact (1 is not "1"), and so is in, which is equals against
 *   any element of its array (an empty array matches nothing); range comparators (greater_than...,
 *   between) only match values of the query value's type class (numbers with numbers,
 *   strings with strings); starts_with / ends_with / contains apply to string values (a
 *   number query value is taken as its text), and contains also matches an array element
 *   equal to the query value.
 * - A record whose attribute is an array matches when any element matches (array elements are
 *   indexed one by one; for in: any element equal to any of the values); not_equal matches
 *   when no element is equal. The primary key is one
 *   value, even a composite (array) one, and is compared whole.
 * - A record lacking the attribute matches nothing but not_equal. An empty group matches
 *   every record, whatever its logic.
 * - Sorting compares whole values in that order (missing as null, objects after arrays); ties
 *   go to the next sort key, then to the primary key in the direction of the last sort key.
 * - Records whose expiry time has passed are still returned (eviction comes later). */
#ifndef HARPER_QUERY_H
#define HARPER_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "catalog.h"
#include "harper.h"

/* ---- the query as built (names, not attribute ids) ---- */

typedef struct harper__qnode harper__qnode;

struct harper__qnode {
    bool is_group;
    int logic;                  /* group: HARPER_AND / HARPER_OR */
    harper__qnode **kids;       /* group: children in the order added */
    size_t n_kids;
    size_t cap_kids;
    harper__qnode *parent;      /* NULL for the root */
    char *attr;                 /* condition: attribute name */
    int comparator;             /* condition: enum harper_comparator */
    cJSON *value;               /* condition: owned */
};

typedef struct harper__sort_key {
    char *attr;
    bool descending;
} harper__sort_key;

struct harper_query {
    harper_table *table;        /* counted reference (harper__table_ref) */
    harper__table_def *def;     /* counted reference; names are checked against it */
    harper__qnode *root;        /* an AND group until harper_query_set_logic says otherwise */
    harper__qnode *current;     /* the group harper_query_where adds to */
    harper__sort_key *sort;     /* first key first; ties go to the next one */
    size_t n_sort;
    char **select;              /* projection, in output order; empty: whole records */
    size_t n_select;
    bool select_all;            /* "*" was selected: whole records whatever else is listed */
    int64_t offset;
    int64_t limit;              /* -1: no limit */
};

/* Builder steps without the attribute check, so that harper_query_from_json can report every
 * shape error before any unknown attribute, as Harper's validation does. add_cond checks and
 * copies `value`. */
int harper__query_add_cond(harper_query *q, const char *attr, int comparator,
                           const cJSON *value, const char *label, harper_error *err);
int harper__query_add_sort(harper_query *q, const char *attr, int descending, harper_error *err);
int harper__query_add_select(harper_query *q, const char *attr, harper_error *err);

/* HARPER_ENOATTR ("unknown attribute 'x'") for the first name in conditions, sort or select
 * that `def` does not have. */
int harper__query_check_attrs(const harper_query *q, const harper__table_def *def,
                              harper_error *err);

/* Checks a condition value against what its comparator accepts. `label` names the value in
 * the message ("'value'", "'conditions[2].value'"). */
int harper__query_check_value(int comparator, const cJSON *value, const char *label,
                              harper_error *err);

/* The comparator Harper's name stands for ("greater_than_equal", exact case), or -1. The one
 * table of names, for harper_query_from_json and the server's search_by_conditions. */
int harper__query_comparator(const char *name);

/* Parses JSON text that must hold exactly one value (blanks around it allowed); NULL if it
 * does not (or on ENOMEM, which cJSON does not tell apart). cJSON_Delete the result. */
cJSON *harper__query_parse_json(const char *text, size_t len);

/* "Table 'db.t' does not exist", HARPER_ENOTABLE. */
int harper__query_no_table(const harper__table_def *def, harper_error *err);

/* ---- the compiled plan ---- */

enum harper__drive {
    HARPER__DRIVE_NONE = 0,     /* nothing can match: no scan at all */
    HARPER__DRIVE_RECORDS,      /* range of the records family (full table, or a pk range) */
    HARPER__DRIVE_INDEX         /* range of one attribute's index; records fetched by pk */
};

/* A condition with its attribute resolved and its value pre-encoded. */
typedef struct harper__cond {
    const harper__attr *attr;   /* borrowed from the plan's definition */
    int comparator;
    bool whole_value;           /* the primary key: no any-element rule for arrays */
    cJSON *value;               /* owned copy */
    harper__buf enc;            /* keycodec encoding of value (of the low end for between);
                                   for starts_with the string prefix encoding; for in the
                                   distinct encodings of the elements, ascending, end to end */
    harper__buf enc_hi;         /* between: encoding of the high end */
    size_t *in_ends;            /* in: where each encoding in enc ends */
    size_t n_in;                /* in: how many */
    bool encodable;             /* value has an encoding (not an object, not too deep); for
                                   in: every element has one */
    char *text;                 /* starts/ends_with, contains: the value as text */
    size_t text_len;
} harper__cond;

typedef struct harper__pnode harper__pnode;

struct harper__pnode {
    bool is_group;
    int logic;
    harper__pnode *kids;        /* array of n_kids */
    size_t n_kids;
    harper__cond cond;
};

/* Keys k with lower <= k < upper, compared bytewise. */
typedef struct harper__range {
    harper__buf lower;          /* inclusive */
    harper__buf upper;          /* exclusive; empty: none */
} harper__range;

typedef struct harper__psort {
    const char *name;           /* borrowed from the plan's definition */
    bool descending;
} harper__psort;

typedef struct harper__psel {
    const char *name;           /* borrowed from the plan's definition */
    harper__buf prefix;         /* the JSON text `"name":` (with a leading ',' after the first) */
} harper__psel;

typedef struct harper__plan {
    harper__table_def *def;     /* counted reference, owned by the plan */
    uint32_t table_id;
    harper__pnode root;
    const harper__cond *driver; /* the condition the scan range comes from, or NULL */
    int drive;                  /* enum harper__drive */
    uint32_t index_attr_id;     /* DRIVE_INDEX: the driving attribute's id */
    harper__buf prefix;         /* every key of the scanned ranges starts with these bytes */
    harper__range *ranges;      /* what to scan, ascending and disjoint: one range, or one point
                                   range per distinct value of an in driver (DRIVE_NONE: any) */
    size_t n_ranges;
    bool reverse;               /* scan from the end: a descending sort the ranges provide */
    bool stream;                /* rows come out in scan order; false: collect and sort */
    bool need_parse;            /* rows must be parsed (filter, dedupe, projection or sort) */
    bool project_text;          /* ... but only for a projection: query_project.c can do it */
    bool dedupe;                /* DRIVE_INDEX over a possibly array-valued attribute */
    harper__psort *sort;
    size_t n_sort;
    harper__psel *select;       /* NULL/0: whole records */
    size_t n_select;
    int64_t offset;
    int64_t limit;              /* -1: none */
} harper__plan;

/* Resolves `q` against the table's current definition `def` (the plan takes over that
 * reference, also on failure) and chooses how to scan. */
int harper__plan_build(const harper_query *q, harper__table_def *def, harper__plan *plan,
                       harper_error *err);
void harper__plan_free(harper__plan *plan);

/* What the planner makes of a query against the table's current definition, for tests. */
typedef struct harper__explain {
    int drive;                  /* enum harper__drive */
    char driver[64];            /* the driving condition's attribute ("" if none), cut short */
    int comparator;             /* the driving condition's comparator, -1 if none */
    size_t n_ranges;            /* key ranges scanned */
    bool stream;
    bool reverse;
    bool dedupe;
    bool project_text;
} harper__explain;

int harper__query_explain(const harper_query *q, harper__explain *out, harper_error *err);

/* ---- evaluation over one parsed record (query_eval.c) ---- */

/* 1 if `rec` satisfies the plan's condition tree, 0 if not, HARPER_ENOMEM. `scratch` is a
 * work buffer the caller keeps between calls. */
int harper__eval_match(const harper__plan *plan, const cJSON *rec, harper__buf *scratch);

/* For an index scan over an attribute that may hold an array: 1 if the entry with encoded
 * value enc[0..len) is the first, in scan order, of the record's elements that satisfy the
 * driving condition (the one entry that emits the record), else 0; HARPER_ENOMEM. The ranges
 * of an in come in encoding order, so scan order is encoding order across them too. */
int harper__eval_first_entry(const harper__plan *plan, const cJSON *rec, const char *enc,
                             size_t len, harper__buf *scratch);

/* Appends the projected row (an object with exactly the selected keys, in order; a missing
 * one as null). HARPER_ENOMEM. */
int harper__eval_project(const harper__plan *plan, const cJSON *rec, harper__buf *out);

/* The same from the record's JSON text as stored, without parsing it (query_project.c).
 * HARPER_EINVAL when the text needs the parsing path (escaped names, many attributes),
 * HARPER_ECORRUPT, HARPER_ENOMEM. */
int harper__eval_project_text(const harper__plan *plan, const char *json, size_t len,
                              harper__buf *out);

/* Appends the row's sort key: per sort attribute a 4-byte length and the value's encoding
 * (missing: null), then the encoded primary key pk[0..pk_len). */
int harper__eval_sort_key(const harper__plan *plan, const cJSON *rec, const char *pk,
                          size_t pk_len, harper__buf *out);

/* <0, 0, >0 as row a sorts before, with, after row b (sort keys from harper__eval_sort_key). */
int harper__eval_sort_cmp(const harper__plan *plan, const char *a, size_t a_len, const char *b,
                          size_t b_len);

/* Order of two keycodec encodings (bytewise, a prefix first). */
int harper__enc_cmp(const char *a, size_t a_len, const char *b, size_t b_len);

#endif
