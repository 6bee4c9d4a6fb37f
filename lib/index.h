/* index.h: keeping a table's secondary indexes in step with its records inside a write. */
#ifndef HARPER_INDEX_H
#define HARPER_INDEX_H

#include <rocksdb/c.h>

#include "catalog.h"
#include "store.h"
#include "wset.h"

/* Adds to the write set `w` the changes to the index entries of the record whose encoded
 * primary key is pk[0..pk_len), from those of `old_rec` to those of `new_rec` (either may be
 * NULL: a create or a delete). Only entries that differ are written. */
int harper__index_update(harper__wset *w, const harper__table_def *def, const cJSON *old_rec,
                         const cJSON *new_rec, const char *pk, size_t pk_len, harper_error *err);

#endif
