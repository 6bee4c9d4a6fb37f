/* query_cursor.c: running a plan. A cursor reads one RocksDB snapshot, taken when it opens,
 * so it sees a consistent table while writers go on. It scans the plan's key ranges of the
 * records or index family (the outer bounds set on the iterator, so a scan never leaves
 * them; between ranges it seeks, forwards or backwards), filters, and either streams rows one
 * per harper_cursor_next or, when a sort needs it, collects the matching rows first: all of
 * them, or only the best offset + limit in a heap.
 * Rows that need nothing done to them are the stored JSON bytes, served without a copy. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "keycodec.h"
#include "query.h"
#include "record.h"
#include "store.h"

/* A collected row: its sort key and its output bytes, one allocation. */
typedef struct row {
    size_t key_len;
    size_t out_len;
    char bytes[];       /* key then output */
} row;

struct harper_cursor {
    harper_table *table;            /* counted reference */
    bool counted;                   /* counted in the root's open_handles */
    harper__plan plan;
    const rocksdb_snapshot_t *snapshot;
    rocksdb_readoptions_t *read_opts;   /* the snapshot and the plan's bounds */
    rocksdb_iterator_t *it;
    rocksdb_pinnableslice_t *pinned;    /* record of the current row of an index scan */
    bool positioned;                /* the iterator has been seeked */
    size_t range;                   /* the plan's range the iterator is in */
    bool at_end;                    /* the iterator went past the ranges: no more steps */
    int failed;                     /* sticky error code, 0 if none */
    int64_t skipped;                /* rows passed over for the offset */
    int64_t emitted;                /* rows handed out */
    harper__buf scratch;            /* encodings during evaluation */
    harper__buf out;                /* the current row when it is built (projection) */
    harper__buf key;                /* record keys for index scans; sort keys when collecting */
    row **rows;                     /* collected rows: a heap while scanning, then sorted */
    size_t n_rows;
    size_t cap_rows;
    size_t next_row;
    bool collected;
};

/* One scanned entry, as visit() hands it on. */
typedef struct entry {
    const char *pk;                 /* encoded primary key */
    size_t pk_len;
    const char *json;               /* the stored record JSON */
    size_t json_len;
    const char *index_value;        /* index scans: the entry's encoded value */
    size_t index_value_len;
} entry;

static harper *root_of(const harper_cursor *c)
{
    return c->table->db->root;
}

static void cursor_release(harper_cursor *c)
{
    if (c == NULL)
        return;
    /* Iterator and pinned value first: they hold on to the snapshot's data. */
    if (c->pinned != NULL)
        rocksdb_pinnableslice_destroy(c->pinned);
    if (c->it != NULL)
        rocksdb_iter_destroy(c->it);
    if (c->read_opts != NULL)
        rocksdb_readoptions_destroy(c->read_opts);
    if (c->snapshot != NULL)
        rocksdb_release_snapshot(c->table->db->rdb, c->snapshot);
    for (size_t i = 0; i < c->n_rows; i++)
        free(c->rows[i]);
    free(c->rows);
    harper__buf_free(&c->scratch);
    harper__buf_free(&c->out);
    harper__buf_free(&c->key);
    harper__plan_free(&c->plan);
    if (c->counted)
        atomic_fetch_sub(&root_of(c)->open_handles, 1);
    if (c->table != NULL)
        harper__table_unref(c->table);
    free(c);
}

int harper_cursor_open(const harper_query *q, harper_cursor **out, harper_error *err)
{
    harper_cursor *c = NULL;
    harper__table_def *def;
    harper__db *db;
    int rc = HARPER_OK;

    if (q == NULL || out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "query and cursor are required");
    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    c->table = q->table;
    harper__table_ref(c->table);
    db = c->table->db;
    /* The definition now, not the query's: an attribute may have gone or an index become
     * ready since the query was built. */
    def = harper__table_def_get(c->table);
    if (def == NULL || atomic_load(&c->table->dropped))
        rc = harper__query_no_table(def != NULL ? def : q->def, err);
    if (rc == HARPER_OK)
        rc = harper__plan_build(q, def, &c->plan, err);
    else if (def != NULL)
        harper__table_def_put(def);
    if (rc == HARPER_OK) {
        c->read_opts = rocksdb_readoptions_create();
        c->snapshot = rocksdb_create_snapshot(db->rdb);
        if (c->read_opts == NULL || c->snapshot == NULL)
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    if (rc == HARPER_OK && c->plan.drive != HARPER__DRIVE_NONE) {
        const harper__plan *p = &c->plan;
        const harper__buf *lower = &p->ranges[0].lower;
        const harper__buf *upper = &p->ranges[p->n_ranges - 1].upper;

        rocksdb_readoptions_set_snapshot(c->read_opts, c->snapshot);
        /* The bounds point into the plan, which lives as long as the read options. */
        rocksdb_readoptions_set_iterate_lower_bound(c->read_opts, lower->data, lower->len);
        if (upper->len > 0)
            rocksdb_readoptions_set_iterate_upper_bound(c->read_opts, upper->data, upper->len);
        c->it = rocksdb_create_iterator_cf(
            db->rdb, c->read_opts,
            db->cf[p->drive == HARPER__DRIVE_INDEX ? HARPER__CF_INDEX : HARPER__CF_RECORDS]);
        if (c->it == NULL)
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    if (rc != HARPER_OK) {
        cursor_release(c);
        return rc;
    }
    atomic_fetch_add(&root_of(c)->open_handles, 1);
    c->counted = true;
    *out = c;
    return HARPER_OK;
}

void harper_cursor_close(harper_cursor *c)
{
    cursor_release(c);
}

static int corrupt(harper_error *err, const char *what)
{
    return harper__error_set(err, HARPER_ECORRUPT, "corrupt %s in a query scan", what);
}

/* The message for a failure of query_eval.c, which returns bare codes. */
static int eval_failed(harper_error *err, int rc)
{
    if (rc == HARPER_ENOMEM)
        return harper__error_set(err, rc, "out of memory");
    return corrupt(err, "record JSON");
}

static int key_cmp(const char *key, size_t key_len, const harper__buf *b)
{
    return harper__enc_cmp(key, key_len, b->data, b->len);
}

/* Brings a valid iterator into the current range or a later one in scan order: a key between
 * ranges moves on to the range it reaches, or seeks into the next one. The iterator's bounds
 * already cut off keys outside the first and last range. 1: on a key of c->range, 0: past
 * the last range (the iterator may then be invalid). */
static int settle(harper_cursor *c)
{
    const harper__plan *p = &c->plan;
    const harper__range *r;
    const char *key;
    size_t len;

    while (rocksdb_iter_valid(c->it)) {
        key = rocksdb_iter_key(c->it, &len);
        if (!p->reverse) {
            while (p->ranges[c->range].upper.len > 0 &&
                   key_cmp(key, len, &p->ranges[c->range].upper) >= 0) {
                if (c->range + 1 == p->n_ranges)
                    return 0;
                c->range++;
            }
            r = &p->ranges[c->range];
            if (key_cmp(key, len, &r->lower) >= 0)
                return 1;
            rocksdb_iter_seek(c->it, r->lower.data, r->lower.len);
        } else {
            while (key_cmp(key, len, &p->ranges[c->range].lower) < 0) {
                if (c->range == 0)
                    return 0;
                c->range--;
            }
            r = &p->ranges[c->range];
            if (r->upper.len == 0 || key_cmp(key, len, &r->upper) < 0)
                return 1;
            /* The last key before upper: at or before it, and not it. */
            rocksdb_iter_seek_for_prev(c->it, r->upper.data, r->upper.len);
            if (rocksdb_iter_valid(c->it)) {
                key = rocksdb_iter_key(c->it, &len);
                if (key_cmp(key, len, &r->upper) >= 0)
                    rocksdb_iter_prev(c->it);
            }
        }
    }
    return 0;
}

/* Positions or advances the iterator. 1: an entry of a range, 0: the end, <0: an error. */
static int step(harper_cursor *c, harper_error *err)
{
    const harper__buf *prefix = &c->plan.prefix;
    const char *key;
    size_t key_len;
    char *rocks_err = NULL;

    while (!c->at_end) {
        if (!c->positioned) {
            c->positioned = true;
            if (c->plan.reverse) {
                c->range = c->plan.n_ranges - 1;
                rocksdb_iter_seek_to_last(c->it);
            } else {
                c->range = 0;
                rocksdb_iter_seek(c->it, c->plan.ranges[0].lower.data,
                                  c->plan.ranges[0].lower.len);
            }
        } else if (c->plan.reverse) {
            rocksdb_iter_prev(c->it);
        } else {
            rocksdb_iter_next(c->it);
        }
        if (c->plan.n_ranges > 1 ? !settle(c) : !rocksdb_iter_valid(c->it))
            break;
        /* Only a range without an upper bound (a prefix of 0xFF bytes) can reach keys beyond
         * it: forwards they end the scan, backwards they come before it. */
        key = rocksdb_iter_key(c->it, &key_len);
        if (key_len > prefix->len && memcmp(key, prefix->data, prefix->len) == 0)
            return 1;
        if (!c->plan.reverse)
            break;
    }
    /* RocksDB must not be asked to step an invalid iterator again. */
    c->at_end = true;
    rocksdb_iter_get_error(c->it, &rocks_err);
    return harper__rocks_check(root_of(c), rocks_err, "query scan", err);
}

/* The record the iterator is on. 1: found (*e filled), 0: none to visit, <0: an error. */
static int fetch(harper_cursor *c, entry *e, harper_error *err)
{
    const harper__plan *p = &c->plan;
    harper__rec_view view;
    const char *value;
    size_t value_len;
    size_t key_len;
    const char *key = rocksdb_iter_key(c->it, &key_len);
    char *rocks_err = NULL;

    memset(e, 0, sizeof *e);
    if (p->drive == HARPER__DRIVE_RECORDS) {
        e->pk = key + p->prefix.len;
        e->pk_len = key_len - p->prefix.len;
        value = rocksdb_iter_value(c->it, &value_len);
    } else {
        e->index_value = key + p->prefix.len;
        e->index_value_len = harper__key_skip((const uint8_t *)e->index_value,
                                              key_len - p->prefix.len);
        e->pk = e->index_value + e->index_value_len;
        e->pk_len = key_len - p->prefix.len - e->index_value_len;
        if (e->index_value_len == 0 || e->pk_len == 0 ||
            harper__key_skip((const uint8_t *)e->pk, e->pk_len) != e->pk_len)
            return corrupt(err, "index entry");
        harper__buf_reset(&c->key);
        harper__key_table_prefix(&c->key, p->table_id);
        harper__buf_append(&c->key, e->pk, e->pk_len);
        if (c->key.failed)
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        if (c->pinned != NULL)
            rocksdb_pinnableslice_destroy(c->pinned);
        c->pinned = rocksdb_get_pinned_cf(c->table->db->rdb, c->read_opts,
                                                        c->table->db->cf[HARPER__CF_RECORDS],
                                                        c->key.data, c->key.len, &rocks_err);
        if (rocks_err != NULL)
            return harper__rocks_check(root_of(c), rocks_err, "query read", err);
        if (c->pinned == NULL)
            return 0;   /* an index entry without its record: nothing to show */
        value = rocksdb_pinnableslice_value(c->pinned, &value_len);
    }
    if (harper__rec_parse(value, value_len, &view) != HARPER_OK)
        return corrupt(err, "record");
    /* Records whose expiry time has passed are still returned: evicting expired records is a
     * later feature, and until it exists a query shows what harper_table_get shows. */
    e->json = view.json;
    e->json_len = view.json_len;
    return 1;
}

/* Sifts rows[i] down in a heap of n rows whose top sorts last (the worst kept row). */
static void sift_down(harper_cursor *c, size_t i, size_t n)
{
    row **r = c->rows;

    for (;;) {
        size_t worst = i;
        size_t kid = 2 * i + 1;

        for (size_t k = kid; k < kid + 2 && k < n; k++)
            if (harper__eval_sort_cmp(&c->plan, r[k]->bytes, r[k]->key_len, r[worst]->bytes,
                                      r[worst]->key_len) > 0)
                worst = k;
        if (worst == i)
            return;
        row *tmp = r[i];
        r[i] = r[worst];
        r[worst] = tmp;
        i = worst;
    }
}

static void sift_up(harper_cursor *c, size_t i)
{
    row **r = c->rows;

    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (harper__eval_sort_cmp(&c->plan, r[i]->bytes, r[i]->key_len, r[parent]->bytes,
                                  r[parent]->key_len) <= 0)
            return;
        row *tmp = r[i];
        r[i] = r[parent];
        r[parent] = tmp;
        i = parent;
    }
}

/* How many rows the sort must keep: offset + limit, or all (SIZE_MAX). */
static size_t keep_count(const harper__plan *p)
{
    if (p->limit < 0 || p->offset > INT64_MAX - p->limit)
        return SIZE_MAX;
    if ((uint64_t)(p->offset + p->limit) > SIZE_MAX)
        return SIZE_MAX;
    return (size_t)(p->offset + p->limit);
}

/* Adds a matching row to the collection; c->key holds its sort key. Past offset + limit rows
 * it replaces the worst kept one, or is dropped if it is no better. */
static int collect(harper_cursor *c, const cJSON *rec, const entry *e, harper_error *err)
{
    size_t keep = keep_count(&c->plan);
    const char *out = e->json;
    size_t out_len = e->json_len;
    row *r;
    int rc;

    if (keep != SIZE_MAX && c->n_rows == keep &&
        harper__eval_sort_cmp(&c->plan, c->key.data, c->key.len, c->rows[0]->bytes,
                              c->rows[0]->key_len) >= 0)
        return HARPER_OK;
    if (c->plan.n_select > 0) {
        harper__buf_reset(&c->out);
        rc = harper__eval_project(&c->plan, rec, &c->out);
        if (rc != HARPER_OK)
            return eval_failed(err, rc);
        out = c->out.data;
        out_len = c->out.len;
    }
    r = malloc(sizeof *r + c->key.len + out_len);
    if (r == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    r->key_len = c->key.len;
    r->out_len = out_len;
    memcpy(r->bytes, c->key.data, c->key.len);
    memcpy(r->bytes + c->key.len, out, out_len);
    if (keep != SIZE_MAX && c->n_rows == keep) {
        free(c->rows[0]);
        c->rows[0] = r;
        sift_down(c, 0, c->n_rows);
        return HARPER_OK;
    }
    if (c->n_rows == c->cap_rows) {
        size_t cap = c->cap_rows ? c->cap_rows * 2 : 64;
        row **grown = realloc(c->rows, cap * sizeof *grown);

        if (grown == NULL) {
            free(r);
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        }
        c->rows = grown;
        c->cap_rows = cap;
    }
    c->rows[c->n_rows++] = r;
    if (keep != SIZE_MAX)
        sift_up(c, c->n_rows - 1);
    return HARPER_OK;
}

/* Visits the entry the iterator is on. 1: a row to emit (streaming; json and len set), 0: none
 * (filtered out, a duplicate, or collected), <0: an error. */
static int visit(harper_cursor *c, const char **json, size_t *len, harper_error *err)
{
    const harper__plan *p = &c->plan;
    cJSON *rec = NULL;
    entry e;
    int rc = fetch(c, &e, err);

    if (rc <= 0)
        return rc;
    *json = e.json;
    *len = e.json_len;
    if (!p->need_parse)
        return 1;
    if (p->project_text) {
        if (c->skipped < p->offset)
            return 1;
        harper__buf_reset(&c->out);
        rc = harper__eval_project_text(p, e.json, e.json_len, &c->out);
        if (rc == HARPER_OK) {
            *json = c->out.data;
            *len = c->out.len;
            return 1;
        }
        if (rc != HARPER_EINVAL)
            return eval_failed(err, rc);
    }
    rec = cJSON_ParseWithLength(e.json, e.json_len);
    if (rec == NULL)
        return corrupt(err, "record JSON");
    rc = 1;
    if (p->dedupe)
        rc = harper__eval_first_entry(p, rec, e.index_value, e.index_value_len, &c->scratch);
    if (rc == 1)
        rc = harper__eval_match(p, rec, &c->scratch);
    if (rc == 1 && !p->stream) {
        harper__buf_reset(&c->key);
        rc = harper__eval_sort_key(p, rec, e.pk, e.pk_len, &c->key);
        if (rc == HARPER_OK)
            rc = collect(c, rec, &e, err);
        else
            rc = eval_failed(err, rc);
        rc = rc == HARPER_OK ? 0 : rc;
    } else if (rc == 1 && p->n_select > 0 && c->skipped >= p->offset) {
        /* (a row the offset skips is not worth projecting) */
        harper__buf_reset(&c->out);
        rc = harper__eval_project(p, rec, &c->out);
        rc = rc == HARPER_OK ? 1 : eval_failed(err, rc);
        *json = c->out.data;
        *len = c->out.len;
    } else if (rc < 0) {
        eval_failed(err, rc);
    }
    cJSON_Delete(rec);
    return rc;
}

static bool at_limit(const harper_cursor *c)
{
    return c->plan.limit >= 0 && c->emitted >= c->plan.limit;
}

static int stream_next(harper_cursor *c, const char **json, size_t *len, harper_error *err)
{
    int rc;

    while (!at_limit(c)) {
        rc = step(c, err);
        if (rc <= 0)
            return rc;
        rc = visit(c, json, len, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        if (c->skipped < c->plan.offset) {
            c->skipped++;
            continue;
        }
        c->emitted++;
        return 1;
    }
    return 0;
}

/* Scans the whole range into c->rows and sorts them, best first (heapsort: the heap is
 * already there when a limit bounds it). */
static int collect_all(harper_cursor *c, harper_error *err)
{
    const char *json;
    size_t len;
    int rc;

    while ((rc = step(c, err)) == 1) {
        rc = visit(c, &json, &len, err);
        if (rc < 0)
            return rc;
    }
    if (rc < 0)
        return rc;
    if (keep_count(&c->plan) == SIZE_MAX)
        for (size_t i = c->n_rows / 2; i-- > 0;)
            sift_down(c, i, c->n_rows);
    for (size_t n = c->n_rows; n > 1; n--) {
        row *top = c->rows[0];

        c->rows[0] = c->rows[n - 1];
        c->rows[n - 1] = top;
        sift_down(c, 0, n - 1);
    }
    c->collected = true;
    c->next_row = c->plan.offset < 0 || (uint64_t)c->plan.offset > c->n_rows
                      ? c->n_rows : (size_t)c->plan.offset;
    return HARPER_OK;
}

int harper_cursor_next(harper_cursor *c, const char **json, size_t *len, harper_error *err)
{
    int rc = HARPER_OK;

    if (c == NULL || json == NULL || len == NULL)
        return harper__error_set(err, HARPER_EINVAL, "cursor, json and len are required");
    if (c->failed != 0)
        return harper__error_set(err, c->failed, "the cursor failed earlier: %s",
                                 harper_strerror(c->failed));
    if (atomic_load(&c->table->dropped))
        return harper__query_no_table(c->plan.def, err);
    if (c->plan.drive == HARPER__DRIVE_NONE)
        return 0;
    if (c->plan.stream) {
        rc = stream_next(c, json, len, err);
    } else {
        if (!c->collected)
            rc = collect_all(c, err);
        if (rc == HARPER_OK && c->next_row < c->n_rows && !at_limit(c)) {
            const row *r = c->rows[c->next_row++];

            *json = r->bytes + r->key_len;
            *len = r->out_len;
            c->emitted++;
            rc = 1;
        }
    }
    if (rc < 0)
        c->failed = rc;
    return rc;
}
