/* table.c: tables as live objects: loading them from the catalog, create, drop, open, close,
 * references. Definitions themselves are catalog.c's; changing them is table_attr.c's; the
 * write path is txn.c's. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "error.h"
#include "json.h"
#include "keycodec.h"
#include "record.h"
#include "table.h"

#define SCAN_BATCH 1000   /* keys per write batch when deleting a whole table */

/* ---- keys ---- */

void harper__key_table_prefix(harper__buf *out, uint32_t table_id)
{
    harper__buf_u32be(out, table_id);
}

void harper__key_index_prefix(harper__buf *out, uint32_t table_id, uint32_t attr_id)
{
    harper__buf_u32be(out, table_id);
    harper__buf_u32be(out, attr_id);
}

void harper__key_counter(harper__buf *out, char kind, uint32_t table_id)
{
    harper__buf_byte(out, (uint8_t)kind);
    harper__buf_u32be(out, table_id);
}

static void key_catalog_table(harper__buf *out, const char *name)
{
    harper__buf_byte(out, 't');
    harper__buf_str(out, name);
}

/* ---- references ---- */

harper__table_def *harper__table_def_get(harper_table *t)
{
    harper__table_def *def;

    pthread_mutex_lock(&t->db->lock);
    def = t->def;
    atomic_fetch_add(&def->refs, 1);
    pthread_mutex_unlock(&t->db->lock);
    return def;
}

void harper__table_def_put(harper__table_def *def)
{
    if (def != NULL && atomic_fetch_sub(&def->refs, 1) == 1)
        harper__def_free(def);
}

void harper__table_ref(harper_table *t)
{
    atomic_fetch_add(&t->refs, 1);
}

void harper__table_unref(harper_table *t)
{
    if (t == NULL || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    harper__table_def_put(t->def);
    pthread_rwlock_destroy(&t->ddl);
    pthread_mutex_destroy(&t->subs_lock);
    free(t);
}

/* Publishes `def` as the table's definition (the caller holds t->ddl exclusively). */
void harper__table_publish_def(harper_table *t, harper__table_def *def)
{
    harper__table_def *old;

    atomic_store(&def->refs, 1);
    pthread_mutex_lock(&t->db->lock);
    old = t->def;
    t->def = def;
    atomic_fetch_add(&t->def_version, 1);
    pthread_mutex_unlock(&t->db->lock);
    harper__table_def_put(old);
}

uint64_t harper_table_definition_version(harper_table *t)
{
    return t != NULL ? atomic_load(&t->def_version) : 0;
}

static uint64_t random_u64(void)
{
    uint64_t v = 0;
    FILE *f = fopen("/dev/urandom", "rb");

    if (f != NULL) {
        if (fread(&v, sizeof v, 1, f) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

/* Generated numeric keys start at a random point, as Harper's do (spec/schema.md 3.1), so
 * clients never come to rely on small dense ids. */
static uint64_t auto_id_start(const harper__table_def *def)
{
    const harper__attr *pk = harper__def_pk(def);
    uint64_t space = (pk != NULL && pk->type == HARPER__T_INT) ? (1ull << 31) : (1ull << 49);

    return random_u64() % (space / 2) + 1;
}

static harper_table *table_new(harper__db *db, harper__table_def *def)
{
    harper_table *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    t->db = db;
    t->id = def->id;
    atomic_store(&t->refs, 1);
    pthread_rwlock_init(&t->ddl, NULL);
    pthread_mutex_init(&t->subs_lock, NULL);
    atomic_store(&def->refs, 1);
    t->def = def;
    atomic_store(&t->next_auto_id, auto_id_start(def));
    return t;
}

static int db_add_table(harper__db *db, harper_table *t)
{
    harper_table **grown = realloc(db->tables, (db->n_tables + 1) * sizeof *grown);

    if (grown == NULL)
        return HARPER_ENOMEM;
    db->tables = grown;
    db->tables[db->n_tables++] = t;
    return HARPER_OK;
}

static harper_table *db_find_table(harper__db *db, const char *name)
{
    for (size_t i = 0; i < db->n_tables; i++)
        if (strcmp(db->tables[i]->def->name, name) == 0)
            return db->tables[i];
    return NULL;
}

/* The version of the newest audit entry of table `id`, or 0. */
static uint64_t last_audit_version(harper__db *db, uint32_t id)
{
    rocksdb_iterator_t *it;
    uint8_t upper[4];
    uint64_t version = 0;
    size_t klen;
    const char *k;

    if (id == UINT32_MAX)
        return 0;
    harper__put_u32be(upper, id + 1);
    it = rocksdb_create_iterator_cf(db->rdb, db->root->read_opts,
                                                  db->cf[HARPER__CF_AUDIT]);
    rocksdb_iter_seek_for_prev(it, (const char *)upper, 4);
    if (rocksdb_iter_valid(it)) {
        k = rocksdb_iter_key(it, &klen);
        if (klen >= 12 && harper__get_u32be(k) == id)
            version = harper__get_u64be(k + 4);
    }
    rocksdb_iter_destroy(it);
    return version;
}

int harper__db_load_catalog(harper__db *db, harper_error *err)
{
    rocksdb_iterator_t *it;
    char *rerr = NULL;
    char *seq;
    size_t len;
    int rc = HARPER_OK;

    seq = rocksdb_get_cf(db->rdb, db->root->read_opts, db->cf[HARPER__CF_CATALOG],
                                       "seq", 3, &len, &rerr);
    rc = harper__rocks_check(db->root, rerr, "read catalog", err);
    if (rc != HARPER_OK)
        return rc;
    db->next_table_id = (seq != NULL && len == 4) ? harper__get_u32be(seq) : 1;
    rocksdb_free(seq);
    it = rocksdb_create_iterator_cf(db->rdb, db->root->read_opts,
                                                  db->cf[HARPER__CF_CATALOG]);
    for (rocksdb_iter_seek(it, "t", 1); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen;
        size_t vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        const char *v = rocksdb_iter_value(it, &vlen);
        harper__table_def *def = NULL;
        harper_table *t;
        uint64_t last;

        if (klen < 1 || k[0] != 't')
            break;
        rc = harper__def_from_stored_json(db->name, v, vlen, &def);
        if (rc != HARPER_OK) {
            harper__error_set(err, rc, "the definition of table '%.*s' in database '%s' is corrupt",
                              (int)(klen - 1), k + 1, db->name);
            break;
        }
        t = table_new(db, def);
        if (t == NULL || db_add_table(db, t) != HARPER_OK) {
            if (t != NULL)
                harper__table_unref(t);
            else
                harper__def_free(def);
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
            break;
        }
        if (def->id >= db->next_table_id)
            db->next_table_id = def->id + 1;
        last = last_audit_version(db, def->id);
        atomic_store(&t->last_write, last);
        harper__clock_observe(&db->root->clock, last);
    }
    if (rc == HARPER_OK)
        rc = harper__rocks_check(db->root, (rocksdb_iter_get_error(it, &rerr), rerr),
                                 "read catalog", err);
    rocksdb_iter_destroy(it);
    return rc;
}

/* Writes the definition of `def` (and the next table id) to the catalog. */
int harper__catalog_store(harper__db *db, const harper__table_def *def, harper_error *err)
{
    harper__buf key = HARPER__BUF_INIT;
    harper__buf val = HARPER__BUF_INIT;
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    uint8_t seq[4];
    char *rerr = NULL;
    int rc;

    key_catalog_table(&key, def->name);
    rc = harper__def_to_stored_json(def, &val);
    if (rc == HARPER_OK && (key.failed || val.failed))
        rc = HARPER_ENOMEM;
    if (rc != HARPER_OK) {
        harper__error_set(err, rc, "cannot store the definition of '%s'", def->name);
    } else {
        harper__put_u32be(seq, db->next_table_id);
        rocksdb_writebatch_put_cf(b, db->cf[HARPER__CF_CATALOG], key.data, key.len, val.data,
                                  val.len);
        rocksdb_writebatch_put_cf(b, db->cf[HARPER__CF_CATALOG], "seq", 3, (const char *)seq, 4);
        rocksdb_write(db->rdb, db->root->write_opts, b, &rerr);
        rc = harper__rocks_check(db->root, rerr, "write catalog", err);
    }
    rocksdb_writebatch_destroy(b);
    harper__buf_free(&key);
    harper__buf_free(&val);
    return rc;
}

/* Deletes every key of `cf` that starts with prefix[0..n), in batches. */
int harper__delete_prefix(harper__db *db, int cf, const char *prefix, size_t n, harper_error *err)
{
    rocksdb_iterator_t *it;
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    char *rerr = NULL;
    int rc = HARPER_OK;

    it = rocksdb_create_iterator_cf(db->rdb, db->root->read_opts, db->cf[cf]);
    for (rocksdb_iter_seek(it, prefix, n); rc == HARPER_OK; rocksdb_iter_next(it)) {
        size_t klen;
        const char *k;
        int end = !rocksdb_iter_valid(it);

        if (!end) {
            k = rocksdb_iter_key(it, &klen);
            end = klen < n || memcmp(k, prefix, n) != 0;
            if (!end)
                rocksdb_writebatch_delete_cf(b, db->cf[cf], k, klen);
        }
        if (rocksdb_writebatch_count(b) >= SCAN_BATCH || (end && rocksdb_writebatch_count(b))) {
            rocksdb_write(db->rdb, db->root->write_opts, b, &rerr);
            rc = harper__rocks_check(db->root, rerr, "delete", err);
            rocksdb_writebatch_clear(b);
        }
        if (end)
            break;
    }
    rocksdb_iter_get_error(it, &rerr);
    if (rc == HARPER_OK)
        rc = harper__rocks_check(db->root, rerr, "scan", err);
    else
        free(rerr);
    rocksdb_iter_destroy(it);
    rocksdb_writebatch_destroy(b);
    return rc;
}

/* ---- create, drop, open ---- */

int harper_table_create(harper *h, const char *db_name, const char *table, const char *def_json,
                        size_t def_len, harper_error *err)
{
    harper__db *db;
    harper__table_def *def = NULL;
    harper_table *t;
    int rc;

    if (h == NULL || def_json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root and a definition are required");
    rc = harper__check_name("table", table, err);
    if (rc == HARPER_OK)
        rc = harper__db_get(h, db_name, 1, &db, err);
    if (rc != HARPER_OK)
        return rc;
    pthread_mutex_lock(&db->lock);
    if (db_find_table(db, table) != NULL) {
        rc = harper__error_set(err, HARPER_EEXIST, "Table '%s' already exists in '%s'", table,
                               db_name);
        goto done;
    }
    rc = harper__def_from_api_json(db_name, table, db->next_table_id, def_json, def_len, &def,
                                   err);
    if (rc != HARPER_OK)
        goto done;
    db->next_table_id++;
    rc = harper__catalog_store(db, def, err);
    if (rc != HARPER_OK)
        goto done;
    t = table_new(db, def);
    if (t == NULL || db_add_table(db, t) != HARPER_OK) {
        /* The catalog has it; the next open of the database will load it. */
        if (t != NULL)
            harper__table_unref(t);
        else
            harper__def_free(def);
        def = NULL;
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    def = NULL;
    HARPER__LOG(&h->log, HARPER_LOG_INFO, "catalog", "created table %s.%s", db_name, table);
done:
    pthread_mutex_unlock(&db->lock);
    harper__def_free(def);
    return rc;
}

int harper__table_missing(harper_error *err, const char *db, const char *table)
{
    return harper__error_set(err, HARPER_ENOTABLE, "Table '%s.%s' does not exist", db, table);
}

int harper_table_open(harper *h, const char *db_name, const char *table, harper_table **out,
                      harper_error *err)
{
    harper__db *db;
    harper_table *t;
    int rc;

    if (h == NULL || table == NULL || out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root, a table and an output are required");
    rc = harper__db_get(h, db_name, 0, &db, err);
    if (rc != HARPER_OK)
        return rc;
    pthread_mutex_lock(&db->lock);
    t = db_find_table(db, table);
    if (t != NULL) {
        harper__table_ref(t);
        atomic_fetch_add(&h->open_handles, 1);
    }
    pthread_mutex_unlock(&db->lock);
    if (t == NULL)
        return harper__table_missing(err, db_name, table);
    *out = t;
    return HARPER_OK;
}

void harper_table_close(harper_table *t)
{
    if (t == NULL)
        return;
    atomic_fetch_sub(&t->db->root->open_handles, 1);
    harper__table_unref(t);
}

int harper_table_drop(harper *h, const char *db_name, const char *table, harper_error *err)
{
    harper__db *db;
    harper_table *t;
    harper__buf key = HARPER__BUF_INIT;
    rocksdb_writebatch_t *b;
    char *rerr = NULL;
    int rc;

    if (h == NULL || table == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root and a table are required");
    rc = harper__db_get(h, db_name, 0, &db, err);
    if (rc != HARPER_OK)
        return rc;
    pthread_mutex_lock(&db->lock);
    t = db_find_table(db, table);
    if (t != NULL)
        harper__table_ref(t);
    pthread_mutex_unlock(&db->lock);
    if (t == NULL)
        return harper__table_missing(err, db_name, table);

    /* Wait for writes in flight; later ones see `dropped` and fail. */
    pthread_rwlock_wrlock(&t->ddl);
    if (atomic_exchange(&t->dropped, true)) {
        pthread_rwlock_unlock(&t->ddl);
        harper__table_unref(t);
        return harper__table_missing(err, db_name, table);
    }
    pthread_mutex_lock(&db->lock);
    for (size_t i = 0; i < db->n_tables; i++) {
        if (db->tables[i] == t) {
            db->tables[i] = db->tables[--db->n_tables];
            break;
        }
    }
    pthread_mutex_unlock(&db->lock);
    pthread_rwlock_unlock(&t->ddl);

    b = rocksdb_writebatch_create();
    key_catalog_table(&key, table);
    rocksdb_writebatch_delete_cf(b, db->cf[HARPER__CF_CATALOG], key.data, key.len);
    for (const char *kind = "cba"; *kind != '\0'; kind++) {
        harper__buf_reset(&key);
        harper__key_counter(&key, *kind, t->id);
        rocksdb_writebatch_delete_cf(b, db->cf[HARPER__CF_CATALOG], key.data, key.len);
    }
    rocksdb_write(db->rdb, db->root->write_opts, b, &rerr);
    rocksdb_writebatch_destroy(b);
    rc = harper__rocks_check(h, rerr, "drop table", err);
    harper__buf_reset(&key);
    harper__key_table_prefix(&key, t->id);
    for (int cf = HARPER__CF_RECORDS; rc == HARPER_OK && cf < HARPER__N_CF; cf++)
        rc = harper__delete_prefix(db, cf, key.data, key.len, err);
    harper__buf_free(&key);
    if (rc == HARPER_OK)
        HARPER__LOG(&h->log, HARPER_LOG_INFO, "catalog", "dropped table %s.%s", db_name, table);
    harper__table_unref(t);     /* ours */
    harper__table_unref(t);     /* the database list's */
    return rc;
}

int harper__scan_records(harper_table *t, rocksdb_readoptions_t *ro, harper__record_fn fn,
                         void *arg, harper_error *err)
{
    harper__db *db = t->db;
    uint8_t prefix[4];
    rocksdb_iterator_t *it;
    char *rerr = NULL;
    int rc = HARPER_OK;

    harper__put_u32be(prefix, t->id);
    it = rocksdb_create_iterator_cf(db->rdb, ro != NULL ? ro : db->root->read_opts,
                                                  db->cf[HARPER__CF_RECORDS]);
    for (rocksdb_iter_seek(it, (const char *)prefix, 4); rc == HARPER_OK && rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t klen;
        size_t vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        const char *v = rocksdb_iter_value(it, &vlen);
        harper__rec_view rec;
        cJSON *json;

        if (klen < 4 || memcmp(k, prefix, 4) != 0)
            break;
        if (harper__rec_parse(v, vlen, &rec) != HARPER_OK ||
            (json = cJSON_ParseWithLength(rec.json, rec.json_len)) == NULL) {
            rc = harper__error_set(err, HARPER_ECORRUPT, "a record of table '%s' is corrupt",
                                   t->def->name);
            break;
        }
        rc = fn(k, klen, &rec, json, arg);
        cJSON_Delete(json);
    }
    rocksdb_iter_get_error(it, &rerr);
    if (rc == HARPER_OK)
        rc = harper__rocks_check(db->root, rerr, "scan table", err);
    else
        free(rerr);
    rocksdb_iter_destroy(it);
    return rc;
}
