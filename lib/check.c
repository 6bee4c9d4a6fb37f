/* check.c: harper_table_check, the proof that indexes and records agree. Two passes over one
 * snapshot: records -> the entries they need (each looked up), then index -> records (each
 * entry's record must hold the value). Equal counts in both directions close the loop. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "keycodec.h"
#include "record.h"
#include "table.h"

struct check {
    harper_table *t;
    const harper__table_def *def;
    rocksdb_readoptions_t *ro;
    harper__buf key;
    size_t prefix_len;
    const char *pk;
    size_t pk_len;
    int64_t expected;       /* entries the records need */
    int64_t missing;
    harper__buf first;      /* description of the first problem */
};

static int need_entry(const char *enc, size_t len, void *arg)
{
    struct check *c = arg;
    char *rerr = NULL;
    char *v;
    size_t vlen;

    c->key.len = c->prefix_len;
    harper__buf_append(&c->key, enc, len);
    harper__buf_append(&c->key, c->pk, c->pk_len);
    if (c->key.failed)
        return HARPER_ENOMEM;
    c->expected++;
    v = rocksdb_get_cf(c->t->db->rdb, c->ro, c->t->db->cf[HARPER__CF_INDEX],
                                     c->key.data, c->key.len, &vlen, &rerr);
    if (rerr != NULL)
        return harper__rocks_check(c->t->db->root, rerr, "check", NULL);
    if (v == NULL && c->missing++ == 0) {
        harper__buf_str(&c->first, "a record's indexed value has no index entry");
        harper__buf_cstr(&c->first);
    }
    rocksdb_free(v);
    return HARPER_OK;
}

static int check_record(const char *k, size_t klen, const harper__rec_view *view, cJSON *rec,
                        void *arg)
{
    struct check *c = arg;
    int rc = HARPER_OK;

    (void)view;
    c->pk = k + 4;
    c->pk_len = klen - 4;
    for (size_t i = 0; i < c->def->n_attrs && rc == HARPER_OK; i++) {
        const harper__attr *a = &c->def->attrs[i];
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(rec, a->name);

        if (!a->indexed || a->is_primary_key || val == NULL)
            continue;
        c->key.len = 0;
        harper__key_index_prefix(&c->key, c->t->id, a->id);
        c->prefix_len = c->key.len;
        rc = harper__index_values(val, need_entry, c);
    }
    return rc;
}

/* Pass two: every entry's record exists (entries of records that exist were all found in pass
 * one, so equal totals mean no entry is extra). */
static int check_index(struct check *c, int64_t *entries, harper_error *err)
{
    uint8_t prefix[4];
    rocksdb_iterator_t *it;
    char *rerr = NULL;
    int rc = HARPER_OK;

    *entries = 0;
    harper__put_u32be(prefix, c->t->id);
    it = rocksdb_create_iterator_cf(c->t->db->rdb, c->ro,
                                                  c->t->db->cf[HARPER__CF_INDEX]);
    for (rocksdb_iter_seek(it, (const char *)prefix, 4); rc == HARPER_OK && rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        size_t vlen;

        if (klen < 4 || memcmp(k, prefix, 4) != 0)
            break;
        if (klen < 8 || (vlen = harper__key_skip((const uint8_t *)k + 8, klen - 8)) == 0 ||
            harper__key_skip((const uint8_t *)k + 8 + vlen, klen - 8 - vlen) != klen - 8 - vlen) {
            rc = harper__error_set(err, HARPER_ECORRUPT, "an index entry of '%s' is malformed",
                                   c->def->name);
            break;
        }
        (*entries)++;
    }
    rocksdb_iter_get_error(it, &rerr);
    if (rc == HARPER_OK)
        rc = harper__rocks_check(c->t->db->root, rerr, "check", err);
    else
        free(rerr);
    rocksdb_iter_destroy(it);
    return rc;
}

int harper_table_check(harper_table *t, harper_error *err)
{
    struct check c;
    const rocksdb_snapshot_t *snap;
    int64_t entries = 0;
    int rc;

    if (t == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table is required");
    memset(&c, 0, sizeof c);
    c.t = t;
    c.def = harper__table_def_get(t);
    /* Hold off definition changes, whose index builds would look like disagreement. */
    pthread_rwlock_rdlock(&t->ddl);
    snap = rocksdb_create_snapshot(t->db->rdb);
    c.ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(c.ro, snap);
    rc = harper__scan_records(t, c.ro, check_record, &c, err);
    if (rc == HARPER_OK)
        rc = check_index(&c, &entries, err);
    if (rc == HARPER_OK && c.missing > 0)
        rc = harper__error_set(err, HARPER_ECORRUPT, "%s (%lld missing)", c.first.data,
                               (long long)c.missing);
    else if (rc == HARPER_OK && entries != c.expected)
        rc = harper__error_set(err, HARPER_ECORRUPT,
                               "the index of '%s' has %lld entries, its records need %lld",
                               c.def->name, (long long)entries, (long long)c.expected);
    rocksdb_readoptions_destroy(c.ro);
    rocksdb_release_snapshot(t->db->rdb, snap);
    pthread_rwlock_unlock(&t->ddl);
    harper__table_def_put((harper__table_def *)c.def);
    harper__buf_free(&c.key);
    harper__buf_free(&c.first);
    return rc;
}
