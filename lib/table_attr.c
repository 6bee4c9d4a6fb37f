/* table_attr.c: changing a table's definition: adding attributes (indexing the records that
 * exist), the Operations API's automatic attributes of dynamic tables, and dropping attributes.
 * Each change holds the table's ddl lock exclusively, so no write is in flight while an index
 * is built or removed, and publishes the new definition only when its index is complete. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "keycodec.h"
#include "record.h"
#include "table.h"
#include "validate.h"

#define SCAN_BATCH 1000   /* keys per write batch when rewriting a whole table */

/* ---- attributes ---- */

struct backfill {
    rocksdb_writebatch_t *batch;
    harper__db *db;
    harper__buf key;
    size_t prefix_len;          /* table id ++ attr id */
    const char *pk_enc;
    size_t pk_len;
};

static int backfill_entry(const char *enc, size_t len, void *arg)
{
    struct backfill *bf = arg;

    bf->key.len = bf->prefix_len;
    harper__buf_append(&bf->key, enc, len);
    harper__buf_append(&bf->key, bf->pk_enc, bf->pk_len);
    if (bf->key.failed)
        return HARPER_ENOMEM;
    rocksdb_writebatch_put_cf(bf->batch, bf->db->cf[HARPER__CF_INDEX], bf->key.data, bf->key.len,
                              "", 0);
    return HARPER_OK;
}

/* A walk over every record that rewrites some of them: `fn` adds to `batch`, which is written
 * every SCAN_BATCH keys and at the end. The caller holds t->ddl exclusively. */
struct rewrite {
    rocksdb_writebatch_t *batch;
    harper__record_fn fn;
    void *arg;
    harper_table *t;
    harper_error *err;
};

static int rewrite_record(const char *k, size_t klen, const harper__rec_view *rec, cJSON *json,
                          void *arg)
{
    struct rewrite *rw = arg;
    char *rerr = NULL;
    int rc = rw->fn(k, klen, rec, json, rw->arg);

    if (rc == HARPER_OK && rocksdb_writebatch_count(rw->batch) >= SCAN_BATCH) {
        rocksdb_write(rw->t->db->rdb, rw->t->db->root->write_opts, rw->batch,
                                    &rerr);
        rc = harper__rocks_check(rw->t->db->root, rerr, "rewrite table", rw->err);
        rocksdb_writebatch_clear(rw->batch);
    }
    return rc;
}

static int scan_records(harper_table *t, rocksdb_writebatch_t *batch, harper__record_fn fn,
                        void *arg, harper_error *err)
{
    struct rewrite rw = {batch, fn, arg, t, err};
    char *rerr = NULL;
    int rc = harper__scan_records(t, NULL, rewrite_record, &rw, err);

    if (rc == HARPER_OK && rocksdb_writebatch_count(batch) > 0) {
        rocksdb_write(t->db->rdb, t->db->root->write_opts, batch, &rerr);
        rc = harper__rocks_check(t->db->root, rerr, "rewrite table", err);
    }
    rocksdb_writebatch_clear(batch);
    return rc;
}

struct backfill_set {
    struct backfill bf;
    const harper__attr *const *attrs;
    size_t n_attrs;
};

static int backfill_record(const char *k, size_t klen, const harper__rec_view *rec, cJSON *json,
                           void *arg)
{
    struct backfill_set *set = arg;
    int rc = HARPER_OK;

    (void)rec;
    set->bf.pk_enc = k + 4;
    set->bf.pk_len = klen - 4;
    for (size_t i = 0; i < set->n_attrs && rc == HARPER_OK; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, set->attrs[i]->name);

        if (v == NULL)
            continue;
        set->bf.key.len = 0;
        harper__key_index_prefix(&set->bf.key, harper__get_u32be(k), set->attrs[i]->id);
        set->bf.prefix_len = set->bf.key.len;
        rc = harper__index_values(v, backfill_entry, &set->bf);
    }
    return rc;
}

int harper__table_backfill(harper_table *t, const harper__attr *const *attrs, size_t n,
                           harper_error *err)
{
    struct backfill_set set;
    int rc;

    memset(&set, 0, sizeof set);
    set.bf.batch = rocksdb_writebatch_create();
    set.bf.db = t->db;
    set.attrs = attrs;
    set.n_attrs = n;
    rc = scan_records(t, set.bf.batch, backfill_record, &set, err);
    rocksdb_writebatch_destroy(set.bf.batch);
    harper__buf_free(&set.bf.key);
    return rc;
}

/* Adds `names` as indexed or plain attributes, indexes existing records, stores and publishes
 * the new definition. Names that already exist are skipped when `skip_existing`, else EEXIST. */
static int add_attributes(harper_table *t, const char *const *names, size_t n, int indexed,
                          int skip_existing, cJSON *added, harper_error *err)
{
    harper__table_def *def = NULL;
    const harper__attr **fresh = NULL;
    size_t n_fresh = 0;
    int rc = HARPER_OK;

    pthread_rwlock_wrlock(&t->ddl);
    if (atomic_load(&t->dropped)) {
        rc = harper__table_missing(err, t->db->name, t->def->name);
        goto done;
    }
    def = harper__def_clone(t->def);
    fresh = calloc(n ? n : 1, sizeof *fresh);
    if (def == NULL || fresh == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        harper__attr *a;

        if (harper__def_find(def, names[i], strlen(names[i])) != NULL) {
            if (skip_existing)
                continue;
            rc = harper__error_set(err, HARPER_EEXIST, "attribute '%s' already exists in %s.%s",
                                   names[i], def->db, def->name);
            goto done;
        }
        a = harper__def_add_attr(def, names[i]);
        if (a == NULL) {
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
            goto done;
        }
        a->indexed = indexed != 0;
        a->index_ready = a->indexed;
        if (added != NULL)
            cJSON_AddItemToArray(added, cJSON_CreateString(names[i]));
        n_fresh++;
    }
    if (n_fresh == 0)
        goto done;
    /* def->attrs may have moved while growing: collect pointers after the last addition. */
    n_fresh = 0;
    for (size_t i = 0; i < def->n_attrs; i++)
        if (harper__def_find(t->def, def->attrs[i].name, strlen(def->attrs[i].name)) == NULL &&
            def->attrs[i].indexed)
            fresh[n_fresh++] = &def->attrs[i];
    if (n_fresh > 0 && harper_table_count(t, 0, NULL) > 0)
        rc = harper__table_backfill(t, fresh, n_fresh, err);
    if (rc == HARPER_OK)
        rc = harper__catalog_store(t->db, def, err);
    if (rc == HARPER_OK) {
        harper__table_publish_def(t, def);
        def = NULL;
    }
done:
    pthread_rwlock_unlock(&t->ddl);
    harper__def_free(def);
    free(fresh);
    return rc;
}

int harper_table_add_attribute(harper_table *t, const char *name, int indexed, harper_error *err)
{
    harper__table_def *def;
    cJSON *probe;
    int rc;

    if (t == NULL || name == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table and an attribute are required");
    /* The same name rules as a property that would become an attribute on write. */
    probe = cJSON_CreateObject();
    if (probe == NULL || cJSON_AddNullToObject(probe, name) == NULL) {
        cJSON_Delete(probe);
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    def = harper__table_def_get(t);
    rc = harper__validate_attr_names(def, probe, err);
    harper__table_def_put(def);
    cJSON_Delete(probe);
    if (rc != HARPER_OK)
        return rc;
    return add_attributes(t, &name, 1, indexed, 0, NULL, err);
}

int harper_table_add_missing_attributes(harper_table *t, const char *json, size_t len,
                                        char **added, size_t *added_len, harper_error *err)
{
    harper__table_def *def;
    cJSON *rec;
    cJSON *list = NULL;
    const char **names = NULL;
    size_t n = 0;
    int rc = HARPER_OK;

    if (t == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table and a record are required");
    rec = cJSON_ParseWithLength(json, len);
    if (rec == NULL || !cJSON_IsObject(rec)) {
        cJSON_Delete(rec);
        return harper__error_set(err, HARPER_EINVAL, "record must be a JSON object");
    }
    list = cJSON_CreateArray();
    names = calloc((size_t)cJSON_GetArraySize(rec) + 1, sizeof *names);
    def = harper__table_def_get(t);
    if (list == NULL || names == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    } else if (!def->schema_defined) {
        rc = harper__validate_attr_names(def, rec, err);
        for (cJSON *p = rec->child; rc == HARPER_OK && p != NULL; p = p->next)
            if (harper__def_find(def, p->string, strlen(p->string)) == NULL)
                names[n++] = p->string;
    }
    harper__table_def_put(def);
    if (rc == HARPER_OK && n > 0)
        rc = add_attributes(t, names, n, 1, 1, list, err);
    if (rc == HARPER_OK && added != NULL) {
        *added = cJSON_PrintUnformatted(list);
        if (*added == NULL)
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        else if (added_len != NULL)
            *added_len = strlen(*added);
    }
    free(names);
    cJSON_Delete(list);
    cJSON_Delete(rec);
    return rc;
}

struct strip {
    rocksdb_writebatch_t *batch;
    harper__db *db;
    const char *name;
    harper__buf val;
};

static int strip_record(const char *k, size_t klen, const harper__rec_view *rec, cJSON *json,
                        void *arg)
{
    struct strip *s = arg;

    if (cJSON_GetObjectItemCaseSensitive(json, s->name) == NULL)
        return HARPER_OK;
    cJSON_DeleteItemFromObjectCaseSensitive(json, s->name);
    harper__buf_reset(&s->val);
    harper__rec_header(&s->val, rec->version, rec->expires_ms);
    if (harper__json_value(&s->val, json) != HARPER_OK || s->val.failed)
        return HARPER_ENOMEM;
    rocksdb_writebatch_put_cf(s->batch, s->db->cf[HARPER__CF_RECORDS], k, klen, s->val.data,
                              s->val.len);
    return HARPER_OK;
}

int harper_table_drop_attribute(harper_table *t, const char *name, harper_error *err)
{
    harper__table_def *def = NULL;
    const harper__attr *a;
    harper__buf prefix = HARPER__BUF_INIT;
    int rc = HARPER_OK;

    if (t == NULL || name == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table and an attribute are required");
    pthread_rwlock_wrlock(&t->ddl);
    a = harper__def_find(t->def, name, strlen(name));
    if (atomic_load(&t->dropped)) {
        rc = harper__table_missing(err, t->db->name, t->def->name);
    } else if (a == NULL) {
        rc = harper__error_set(err, HARPER_ENOATTR, "attribute '%s' does not exist", name);
    } else if (a->is_primary_key) {
        rc = harper__error_set(err, HARPER_EINVAL, "You cannot drop a hash attribute");
    } else if (!t->def->schema_defined && (a->created_time || a->updated_time)) {
        rc = harper__error_set(err, HARPER_EINVAL, "cannot drop internal timestamp attribute: %s",
                               name);
    } else if ((def = harper__def_clone(t->def)) == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    if (rc == HARPER_OK) {
        uint32_t attr_id = a->id;

        harper__def_remove_attr(def, (size_t)(a - t->def->attrs));
        rc = harper__catalog_store(t->db, def, err);
        if (rc == HARPER_OK) {
            harper__table_publish_def(t, def);
            def = NULL;
            harper__key_index_prefix(&prefix, t->id, attr_id);
            rc = harper__delete_prefix(t->db, HARPER__CF_INDEX, prefix.data, prefix.len, err);
        }
        if (rc == HARPER_OK && !t->def->schema_defined) {
            struct strip s = {rocksdb_writebatch_create(), t->db, name, HARPER__BUF_INIT};

            rc = scan_records(t, s.batch, strip_record, &s, err);
            rocksdb_writebatch_destroy(s.batch);
            harper__buf_free(&s.val);
        }
    }
    pthread_rwlock_unlock(&t->ddl);
    harper__def_free(def);
    harper__buf_free(&prefix);
    return rc;
}
