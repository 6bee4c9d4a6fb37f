/* store.h: the objects behind the public handles (root, database, table) and the layout of
 * keys in RocksDB. Opening, closing and dropping databases lives in store.c; tables in
 * table.c; writes in txn.c; reads of records in get.c; queries in query*.c.
 *
 * One RocksDB database per database, under <root>/database/<db>/, with four column families
 * shared by all its tables (every key starts with the table's 4-byte id):
 *   catalog  "t" ++ name            -> the table definition (stored JSON)
 *            "c" ++ table id        -> record count  } int64 little-endian deltas summed by a
 *            "b" ++ table id        -> record bytes  } merge operator, written in the batch of
 *            "a" ++ table id        -> audit bytes   } each commit
 *            "seq"                  -> next table id, uint32 big-endian
 *   records  table id ++ key(pk)                       -> record header ++ JSON
 *   index    table id ++ attr id ++ key(value) ++ key(pk) -> empty
 *   audit    table id ++ version ++ seq (uint32)       -> audit entry JSON
 * A fixed set of families, not one per table: dropping a column family would be cheap, but a
 * memtable per table would cost memory with many small tables, and the first design (on a
 * TransactionDB, whose C API cannot drop a family) settled the layout on disk.
 *
 * Locks, in the order they are taken: root->lock, table->ddl (rwlock), db->lock. A writer holds
 * the ddl lock shared from its first write to a table until commit and never takes db->lock
 * meanwhile. Record-key locks (keylock.c) come after the ddl lock, in any order among
 * themselves: a wait that would close a cycle fails with HARPER_EBUSY. No user callback runs
 * with any lock held. */
#ifndef HARPER_STORE_H
#define HARPER_STORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rocksdb/c.h>

#include "catalog.h"
#include "clock.h"
#include "harper.h"
#include "keylock.h"
#include "log.h"

enum { HARPER__CF_CATALOG = 0, HARPER__CF_RECORDS, HARPER__CF_INDEX, HARPER__CF_AUDIT,
       HARPER__N_CF };

typedef struct harper__db harper__db;

struct harper {
    char *root;                     /* the root folder */
    char *db_dir;                   /* <root>/database */
    harper__logger log;
    int sync;
    harper__clock clock;
    rocksdb_cache_t *block_cache;   /* shared by every database */
    rocksdb_writeoptions_t *write_opts;
    rocksdb_readoptions_t *read_opts;
    pthread_mutex_t lock;           /* guards dbs, n_dbs */
    harper__db **dbs;               /* databases opened so far */
    size_t n_dbs;
    _Atomic long open_handles;      /* tables, txns and cursors handed to the caller */
};

struct harper__db {
    harper *root;
    char *name;
    char *path;
    rocksdb_t *rdb;
    harper__keylocks *locks;        /* record-key locks of its writers (txn.c) */
    rocksdb_options_t *options;
    rocksdb_options_t *cf_options[HARPER__N_CF];
    rocksdb_column_family_handle_t *cf[HARPER__N_CF];
    pthread_mutex_t lock;           /* guards tables, n_tables, each table's def pointer,
                                       next_table_id */
    harper_table **tables;          /* the live tables; each holds one reference here */
    size_t n_tables;
    uint32_t next_table_id;
};

struct harper_table {
    harper__db *db;
    uint32_t id;
    _Atomic int refs;               /* the db's list holds one; each handle, cursor one more */
    _Atomic bool dropped;
    pthread_rwlock_t ddl;           /* writers hold it shared until commit; a definition
                                       change holds it exclusive */
    harper__table_def *def;         /* current definition; swapped under db->lock */
    _Atomic uint64_t next_auto_id;  /* for generated numeric keys */
    _Atomic uint64_t last_write;    /* version of the latest write, for describe */
    _Atomic uint64_t audit_seq;     /* tie-breaker of audit keys within one version */
    _Atomic uint64_t def_version;   /* counts the definitions published (describe caches) */
    pthread_mutex_t subs_lock;      /* guards subs; held while events are delivered */
    struct harper_subscription *subs;   /* pubsub.c */
    _Atomic int n_subs;             /* writers skip collecting events when 0 */
};

/* Opens (or with create, creates) database `name`; the root keeps it open until harper_close.
 * HARPER_ENODB with "database 'x' does not exist" when absent and !create. */
int harper__db_get(harper *h, const char *name, int create, harper__db **out, harper_error *err);

/* Reads the catalog of a freshly opened database into db->tables (table.c). */
int harper__db_load_catalog(harper__db *db, harper_error *err);

/* The names of every database folder under the root, sorted; free with harper__names_free. */
int harper__db_names(harper *h, char ***names, size_t *n, harper_error *err);
void harper__names_free(char **names, size_t n);

/* The catalog counters' value format (see the layout above). */
int64_t harper__count_decode(const char *p, size_t len);
void harper__count_encode(char out[8], int64_t v);
void harper__key_counter(harper__buf *out, char kind, uint32_t table_id);

/* Name validation shared by databases and tables: no backtick or '/', not empty, at most 250
 * bytes. `label` is the parameter name used in the message ("'database' names cannot ..."). */
int harper__check_name(const char *label, const char *name, harper_error *err);

/* Returns a counted reference to the table's current definition / releases it. The
 * definition stays valid while referenced, even after a change replaces it. */
harper__table_def *harper__table_def_get(harper_table *t);
void harper__table_def_put(harper__table_def *def);

/* Reference counting of tables (harper_table_open and cursors take one). */
void harper__table_ref(harper_table *t);
void harper__table_unref(harper_table *t);

/* Key builders: the table's prefix, a record key (prefix ++ encoded pk) and an index prefix
 * (table id ++ attr id). */
void harper__key_table_prefix(harper__buf *out, uint32_t table_id);
void harper__key_index_prefix(harper__buf *out, uint32_t table_id, uint32_t attr_id);

/* Checks a RocksDB error string: NULL -> HARPER_OK; otherwise frees it, logs it, fills err with
 * HARPER_EIO (HARPER_EBUSY for lock time-outs and busy) and returns the code. */
int harper__rocks_check(harper *h, char *rocks_err, const char *what, harper_error *err);

/* Index values of `v` (one attribute's value in a record): each element of an array (each
 * distinct value once), the value itself otherwise. Objects are not indexed. Calls `fn` with
 * each encoded value; stops and returns the first non-OK result. */
int harper__index_values(const cJSON *v, int (*fn)(const char *enc, size_t len, void *arg),
                         void *arg);

#endif
