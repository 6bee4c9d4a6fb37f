/* table.h: what table.c shares with table_attr.c and describe.c. */
#ifndef HARPER_TABLE_H
#define HARPER_TABLE_H

#include "record.h"
#include "store.h"

/* Makes `def` the table's definition; the caller holds t->ddl exclusively. */
void harper__table_publish_def(harper_table *t, harper__table_def *def);

/* Writes `def` (and the next table id) to the database's catalog. */
int harper__catalog_store(harper__db *db, const harper__table_def *def, harper_error *err);

/* Deletes every key of column family `cf` starting with prefix[0..n), in batches. */
int harper__delete_prefix(harper__db *db, int cf, const char *prefix, size_t n,
                          harper_error *err);

/* Called for each record of a walk: its key, its header view, its parsed JSON (valid during
 * the call only). A result other than HARPER_OK ends the walk with that result. */
typedef int (*harper__record_fn)(const char *key, size_t key_len, const harper__rec_view *rec,
                                 cJSON *json, void *arg);

/* Calls fn for every record of `t` in key order, read with `ro` (NULL: the root's defaults).
 * HARPER_ECORRUPT for a record that cannot be read. */
int harper__scan_records(harper_table *t, rocksdb_readoptions_t *ro, harper__record_fn fn,
                         void *arg, harper_error *err);

/* Indexes the existing records of `t` under the given attributes of the definition about to
 * be published (t->ddl held exclusively). */
int harper__table_backfill(harper_table *t, const harper__attr *const *attrs, size_t n,
                           harper_error *err);

/* Fills err with "Table '<db>.<table>' does not exist" and returns HARPER_ENOTABLE. */
int harper__table_missing(harper_error *err, const char *db, const char *table);

#endif
