/* wset.h: a transaction's pending writes. Puts, deletes and merges are kept in the order made
 * until the commit writes them as one RocksDB write batch, so the transaction is atomic and
 * durable with one WAL write. Writes marked readable can be read back before the commit
 * (a transaction sees its own records). A mark taken before a write lets a failed write be
 * undone alone.
 *
 * At the commit the batch is ordered by column family and key (writes to one key keep their
 * order): RocksDB inserts a sorted batch into its memtable's skip list far faster, since each
 * insert starts from where the previous one ended. Not thread-safe: one transaction, one
 * thread at a time. */
#ifndef HARPER_WSET_H
#define HARPER_WSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rocksdb/c.h>

#include "buf.h"

enum { HARPER__W_PUT = 1, HARPER__W_DELETE, HARPER__W_MERGE };

typedef struct harper__wop {
    size_t key_at;          /* offsets into the set's bytes */
    size_t key_len;
    size_t val_at;
    size_t val_len;
    uint8_t cf;
    uint8_t kind;
    bool readable;
} harper__wop;

typedef struct harper__wset {
    harper__buf bytes;      /* keys and values */
    harper__wop *ops;
    size_t n_ops;
    size_t cap_ops;
    size_t *slots;          /* open-addressing table of readable keys' latest op (index + 1;
                               0 is empty) */
    size_t n_slots;         /* a power of two, or 0 */
    size_t n_keys;          /* distinct readable keys in slots */
    bool failed;            /* out of memory once: the commit must fail */
} harper__wset;

#define HARPER__WSET_INIT {HARPER__BUF_INIT, NULL, 0, 0, NULL, 0, 0, false}

/* Adds one write. `readable` writes can be found by harper__wset_get. */
void harper__wset_add(harper__wset *w, int kind, int cf, const char *key, size_t key_len,
                      const char *val, size_t val_len, bool readable);

/* The latest readable write of (cf, key): 0 when none, else its kind (PUT with the value in
 * *val / *val_len, valid until the next add; DELETE). */
int harper__wset_get(const harper__wset *w, int cf, const char *key, size_t key_len,
                     const char **val, size_t *val_len);

/* A point to return to, and the return: drops every write made after the mark. */
size_t harper__wset_mark(const harper__wset *w);
void harper__wset_rollback(harper__wset *w, size_t mark);

/* Builds the write batch (sorted as said above) into `batch`, which must be empty. */
int harper__wset_batch(const harper__wset *w, rocksdb_column_family_handle_t *const *cfs,
                       rocksdb_writebatch_t *batch);

void harper__wset_free(harper__wset *w);

#endif
