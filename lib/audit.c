/* audit.c: reading and trimming a table's audit log (written by txn.c, layout in store.h). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "store.h"

#define TRIM_BATCH 1000

struct harper_audit_cursor {
    harper_table *table;
    rocksdb_readoptions_t *ro;
    rocksdb_iterator_t *it;
    uint8_t upper[12];      /* table id ++ end version: the iterator's bound */
    int started;
};

/* Fills key[0..12) with table id ++ version. */
static void audit_key(uint8_t key[12], uint32_t table_id, uint64_t version)
{
    harper__put_u32be(key, table_id);
    harper__put_u64be(key + 4, version);
}

static uint64_t end_version(uint32_t table_id, double to_ms, uint32_t *end_table)
{
    *end_table = table_id;
    if (to_ms > 0)
        return harper__version_from_ms(to_ms);
    *end_table = table_id + 1;      /* everything of this table */
    return 0;
}

int harper_audit_open(harper_table *t, double from_ms, double to_ms, harper_audit_cursor **out,
                      harper_error *err)
{
    harper_audit_cursor *c;
    uint8_t start[12];
    uint32_t end_table;
    uint64_t end;

    if (t == NULL || out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table and an output are required");
    if (atomic_load(&t->dropped))
        return harper__error_set(err, HARPER_ENOTABLE, "Table '%s.%s' does not exist",
                                 t->db->name, t->def->name);
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    c->table = t;
    harper__table_ref(t);
    atomic_fetch_add(&t->db->root->open_handles, 1);
    end = end_version(t->id, to_ms, &end_table);
    audit_key(c->upper, end_table, end);
    c->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(c->ro, (const char *)c->upper, sizeof c->upper);
    c->it = rocksdb_create_iterator_cf(t->db->rdb, c->ro,
                                                     t->db->cf[HARPER__CF_AUDIT]);
    audit_key(start, t->id, harper__version_from_ms(from_ms));
    rocksdb_iter_seek(c->it, (const char *)start, sizeof start);
    *out = c;
    return HARPER_OK;
}

int harper_audit_next(harper_audit_cursor *c, const char **json, size_t *len, harper_error *err)
{
    char *rerr = NULL;

    if (c == NULL || json == NULL || len == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a cursor and outputs are required");
    if (c->started)
        rocksdb_iter_next(c->it);
    c->started = 1;
    if (!rocksdb_iter_valid(c->it)) {
        rocksdb_iter_get_error(c->it, &rerr);
        return harper__rocks_check(c->table->db->root, rerr, "read audit log", err);
    }
    *json = rocksdb_iter_value(c->it, len);
    return 1;
}

void harper_audit_close(harper_audit_cursor *c)
{
    if (c == NULL)
        return;
    rocksdb_iter_destroy(c->it);
    rocksdb_readoptions_destroy(c->ro);
    atomic_fetch_sub(&c->table->db->root->open_handles, 1);
    harper__table_unref(c->table);
    free(c);
}

int64_t harper_audit_delete_before(harper_table *t, double before_ms, harper_error *err)
{
    harper_audit_cursor *c;
    rocksdb_writebatch_t *b;
    harper__buf key = HARPER__BUF_INIT;
    int64_t n = 0;
    int64_t bytes = 0;
    char *rerr = NULL;
    const char *v;
    size_t vlen;
    int rc;

    if (before_ms <= 0)
        return 0;
    rc = harper_audit_open(t, 0, before_ms, &c, err);
    if (rc != HARPER_OK)
        return rc;
    b = rocksdb_writebatch_create();
    while ((rc = harper_audit_next(c, &v, &vlen, err)) == 1) {
        size_t klen;
        const char *k = rocksdb_iter_key(c->it, &klen);

        rocksdb_writebatch_delete_cf(b, t->db->cf[HARPER__CF_AUDIT], k, klen);
        bytes += (int64_t)(klen + vlen);
        n++;
        if (rocksdb_writebatch_count(b) >= TRIM_BATCH) {
            rocksdb_write(t->db->rdb, t->db->root->write_opts, b, &rerr);
            rc = harper__rocks_check(t->db->root, rerr, "trim audit log", err);
            rocksdb_writebatch_clear(b);
            if (rc != HARPER_OK)
                break;
        }
    }
    if (rc == 0 && rocksdb_writebatch_count(b) > 0) {
        rocksdb_write(t->db->rdb, t->db->root->write_opts, b, &rerr);
        rc = harper__rocks_check(t->db->root, rerr, "trim audit log", err);
    }
    if (rc == 0 && bytes > 0) {
        char delta[8];

        harper__key_counter(&key, 'a', t->id);
        harper__count_encode(delta, -bytes);
        rocksdb_merge_cf(t->db->rdb, t->db->root->write_opts,
                                       t->db->cf[HARPER__CF_CATALOG], key.data, key.len, delta, 8,
                                       &rerr);
        harper__rocks_check(t->db->root, rerr, "update audit size", NULL);
    }
    harper__buf_free(&key);
    rocksdb_writebatch_destroy(b);
    harper_audit_close(c);
    return rc == 0 ? n : rc;
}
