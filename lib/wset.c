/* wset.c: a transaction's pending writes (see wset.h). Keys and values are copied into one
 * growing byte buffer; the readable ones are found through an open-addressing table that maps
 * a key to its latest write. Rolling back is rare (a failed write of a batch), so it rebuilds
 * that table rather than keep undo information on every write. */
#include <stdlib.h>
#include <string.h>

#include "wset.h"

static uint64_t key_hash(int cf, const char *key, size_t len)
{
    return harper__hash(key, len) ^ (uint64_t)cf;
}

static const char *op_key(const harper__wset *w, const harper__wop *op)
{
    return w->bytes.data + op->key_at;
}

/* The slot of (cf, key): the one holding it, or the empty one where it would go. */
static size_t find_slot(const harper__wset *w, int cf, const char *key, size_t len)
{
    size_t mask = w->n_slots - 1;
    size_t i = (size_t)key_hash(cf, key, len) & mask;

    for (;; i = (i + 1) & mask) {
        const harper__wop *op;

        if (w->slots[i] == 0)
            return i;
        op = &w->ops[w->slots[i] - 1];
        if (op->cf == cf && op->key_len == len && memcmp(op_key(w, op), key, len) == 0)
            return i;
    }
}

/* Points the table at op number `index` for its key. */
static void index_op(harper__wset *w, size_t index)
{
    const harper__wop *op = &w->ops[index];
    size_t i = find_slot(w, op->cf, op_key(w, op), op->key_len);

    if (w->slots[i] == 0)
        w->n_keys++;
    w->slots[i] = index + 1;
}

/* Rebuilds the table with room for `n_slots` (a power of two) from the ops. */
static int rebuild(harper__wset *w, size_t n_slots)
{
    size_t *slots = calloc(n_slots, sizeof *slots);

    if (slots == NULL)
        return -1;
    free(w->slots);
    w->slots = slots;
    w->n_slots = n_slots;
    w->n_keys = 0;
    for (size_t i = 0; i < w->n_ops; i++)
        if (w->ops[i].readable)
            index_op(w, i);
    return 0;
}

void harper__wset_add(harper__wset *w, int kind, int cf, const char *key, size_t key_len,
                      const char *val, size_t val_len, bool readable)
{
    harper__wop *op;

    if (w->failed)
        return;
    if (w->n_ops == w->cap_ops) {
        size_t cap = w->cap_ops != 0 ? w->cap_ops * 2 : 64;
        harper__wop *grown = realloc(w->ops, cap * sizeof *grown);

        if (grown == NULL) {
            w->failed = true;
            return;
        }
        w->ops = grown;
        w->cap_ops = cap;
    }
    op = &w->ops[w->n_ops];
    op->key_at = w->bytes.len;
    op->key_len = key_len;
    harper__buf_append(&w->bytes, key, key_len);
    op->val_at = w->bytes.len;
    op->val_len = val_len;
    if (val_len > 0)
        harper__buf_append(&w->bytes, val, val_len);
    op->cf = (uint8_t)cf;
    op->kind = (uint8_t)kind;
    op->readable = readable;
    if (w->bytes.failed) {
        w->failed = true;
        return;
    }
    w->n_ops++;
    if (!readable)
        return;
    /* Keep the table at most half full. */
    if ((w->n_keys + 1) * 2 > w->n_slots &&
        rebuild(w, w->n_slots != 0 ? w->n_slots * 2 : 64) != 0) {
        w->failed = true;
        return;
    }
    index_op(w, w->n_ops - 1);
}

int harper__wset_get(const harper__wset *w, int cf, const char *key, size_t key_len,
                     const char **val, size_t *val_len)
{
    const harper__wop *op;
    size_t i;

    if (w->n_slots == 0)
        return 0;
    i = find_slot(w, cf, key, key_len);
    if (w->slots[i] == 0)
        return 0;
    op = &w->ops[w->slots[i] - 1];
    if (op->kind == HARPER__W_PUT) {
        *val = w->bytes.data + op->val_at;
        *val_len = op->val_len;
    }
    return op->kind;
}

size_t harper__wset_mark(const harper__wset *w)
{
    return w->n_ops;
}

void harper__wset_rollback(harper__wset *w, size_t mark)
{
    bool had_readable = false;

    if (mark >= w->n_ops)
        return;
    for (size_t i = mark; i < w->n_ops; i++)
        had_readable |= w->ops[i].readable;
    w->bytes.len = w->ops[mark].key_at;
    w->n_ops = mark;
    if (had_readable && w->n_slots > 0 && rebuild(w, w->n_slots) != 0)
        w->failed = true;
}

static int compare_ops(const void *a, const void *b, void *ctx)
{
    const harper__wset *sorting = ctx;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    const harper__wop *x = &sorting->ops[ia], *y = &sorting->ops[ib];
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c;

    if (x->cf != y->cf)
        return x->cf < y->cf ? -1 : 1;
    c = memcmp(op_key(sorting, x), op_key(sorting, y), n);
    if (c != 0)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return ia < ib ? -1 : ia > ib;   /* writes to one key stay in the order made */
}

int harper__wset_batch(const harper__wset *w, rocksdb_column_family_handle_t *const *cfs,
                       rocksdb_writebatch_t *batch)
{
    size_t *order;

    if (w->failed)
        return -1;
    order = malloc((w->n_ops != 0 ? w->n_ops : 1) * sizeof *order);
    if (order == NULL)
        return -1;
    for (size_t i = 0; i < w->n_ops; i++)
        order[i] = i;
    qsort_r(order, w->n_ops, sizeof *order, compare_ops, (void *)w);
    for (size_t i = 0; i < w->n_ops; i++) {
        const harper__wop *op = &w->ops[order[i]];
        const char *key = op_key(w, op);
        const char *val = w->bytes.data + op->val_at;

        if (op->kind == HARPER__W_PUT)
            rocksdb_writebatch_put_cf(batch, cfs[op->cf], key, op->key_len, val, op->val_len);
        else if (op->kind == HARPER__W_MERGE)
            rocksdb_writebatch_merge_cf(batch, cfs[op->cf], key, op->key_len, val, op->val_len);
        else
            rocksdb_writebatch_delete_cf(batch, cfs[op->cf], key, op->key_len);
    }
    free(order);
    return 0;
}

void harper__wset_free(harper__wset *w)
{
    harper__buf_free(&w->bytes);
    free(w->ops);
    free(w->slots);
    *w = (harper__wset)HARPER__WSET_INIT;
}
