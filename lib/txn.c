/* txn.c: the write path. A transaction collects its writes (records, their index entries,
 * audit entries) in a write set (wset.c) and the commit writes them as one RocksDB batch:
 * all or nothing, one WAL write. Before reading a record it means to write, a transaction
 * locks its key (keylock.c) until the batch is written, so writers of one record take turns
 * and the index entries a write removes are always those of the value it replaces.
 *
 * Why not RocksDB's own TransactionDB: it locks every key written (nine or so per record with
 * its index and audit entries, where only the record's matters) and indexes its batch for
 * reads nobody makes but of records; together that was over half the time of an insert.
 *
 * The record counters (count and bytes, for describe) are merge operands in the same batch:
 * merges take no lock, so concurrent writers of a table do not wait on its counter keys. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "keycodec.h"
#include "record.h"
#include "store.h"
#include "index.h"
#include "txn.h"
#include "pubsub.h"
#include "validate.h"

/* The audit operation of harper__txn_message (the write kinds are 0..HARPER_WRITE_UPSERT,
 * a delete -1). */
#define KIND_MESSAGE 100

struct touched {
    harper_table *table;    /* referenced, ddl lock held shared */
    int64_t records;        /* counter deltas to merge after the commit */
    int64_t bytes;
    int64_t audit_bytes;
    int wrote;
};

struct harper_txn {
    harper__db *db;
    uint64_t id;            /* owner of its key locks; never reused */
    harper__wset writes;
    harper__held_locks locks;
    uint64_t version;
    char *user;
    struct touched *touched;
    size_t n_touched;
    harper__buf key;        /* scratch: record key */
    harper__buf ikey;       /* scratch: index key */
    harper__buf val;        /* scratch: stored value */
    harper__buf audit_val;  /* scratch: audit entry */
    harper__buf id_text;    /* scratch: a key as JSON, for events */
    harper__events events;  /* for subscribers, delivered after the commit */
};

/* How long a write waits for another transaction's lock on a record before giving up. */
#define LOCK_TIMEOUT_MS 10000

static _Atomic uint64_t last_txn_id;

int harper_txn_begin(harper *h, const char *db_name, harper_txn **out, harper_error *err)
{
    harper_txn *txn;
    harper__db *db;
    int rc;

    if (h == NULL || out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root and an output are required");
    rc = harper__db_get(h, db_name, 0, &db, err);
    if (rc != HARPER_OK)
        return rc;
    txn = calloc(1, sizeof *txn);
    if (txn == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    txn->db = db;
    txn->id = atomic_fetch_add(&last_txn_id, 1) + 1;
    txn->version = harper__clock_next(&h->clock);
    atomic_fetch_add(&h->open_handles, 1);
    *out = txn;
    return HARPER_OK;
}

int harper_txn_set_user(harper_txn *txn, const char *user)
{
    char *copy = NULL;

    if (txn == NULL)
        return HARPER_EINVAL;
    if (user != NULL && (copy = strdup(user)) == NULL)
        return HARPER_ENOMEM;
    free(txn->user);
    txn->user = copy;
    return HARPER_OK;
}

double harper_txn_time(const harper_txn *txn)
{
    return txn != NULL ? harper__version_ms(txn->version) : 0;
}

/* Ends the transaction's hold on its tables and frees it. */
static void txn_free(harper_txn *txn)
{
    for (size_t i = 0; i < txn->n_touched; i++) {
        pthread_rwlock_unlock(&txn->touched[i].table->ddl);
        harper__table_unref(txn->touched[i].table);
    }
    free(txn->touched);
    harper__keylock_release(txn->db->locks, &txn->locks);
    harper__wset_free(&txn->writes);
    atomic_fetch_sub(&txn->db->root->open_handles, 1);
    harper__buf_free(&txn->key);
    harper__buf_free(&txn->ikey);
    harper__buf_free(&txn->val);
    harper__buf_free(&txn->audit_val);
    harper__buf_free(&txn->id_text);
    harper__events_free(&txn->events);
    free(txn->user);
    free(txn);
}

void harper_txn_abort(harper_txn *txn)
{
    if (txn == NULL)
        return;
    txn_free(txn);
}

/* Adds the counter deltas of the transaction's tables to its writes. */
static void add_counters(harper_txn *txn)
{
    harper__buf key = HARPER__BUF_INIT;

    for (size_t i = 0; i < txn->n_touched; i++) {
        struct touched *tt = &txn->touched[i];
        const struct { char kind; int64_t delta; } deltas[] = {
            {'c', tt->records}, {'b', tt->bytes}, {'a', tt->audit_bytes}};

        for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++) {
            char v[8];

            if (deltas[d].delta == 0)
                continue;
            harper__buf_reset(&key);
            harper__key_counter(&key, deltas[d].kind, tt->table->id);
            harper__count_encode(v, deltas[d].delta);
            if (key.failed)
                txn->writes.failed = true;
            harper__wset_add(&txn->writes, HARPER__W_MERGE, HARPER__CF_CATALOG, key.data, key.len,
                             v, sizeof v, false);
        }
    }
    harper__buf_free(&key);
}

int harper_txn_commit(harper_txn *txn, harper_error *err)
{
    rocksdb_writebatch_t *batch;
    char *rerr = NULL;
    int rc = HARPER_OK;

    if (txn == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a transaction is required");
    add_counters(txn);
    batch = rocksdb_writebatch_create();
    if (harper__wset_batch(&txn->writes, txn->db->cf, batch) != 0)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    else if (rocksdb_writebatch_count(batch) > 0) {
        rocksdb_write(txn->db->rdb, txn->db->root->write_opts, batch, &rerr);
        rc = harper__rocks_check(txn->db->root, rerr, "commit", err);
    }
    rocksdb_writebatch_destroy(batch);
    for (size_t i = 0; i < txn->n_touched && rc == HARPER_OK; i++)
        if (txn->touched[i].wrote)
            atomic_store(&txn->touched[i].table->last_write, txn->version);
    /* Before txn_free releases the record locks: one record's events keep commit order. */
    if (rc == HARPER_OK)
        harper__events_deliver(&txn->events, harper__version_ms(txn->version));
    txn_free(txn);
    return rc;
}

/* Takes the table's ddl lock shared (once per transaction) and a reference, so the table's
 * definition cannot change before the commit. Returns the table's slot. */
static int touch(harper_txn *txn, harper_table *t, struct touched **slot, harper_error *err)
{
    struct touched *grown;

    if (t->db != txn->db)
        return harper__error_set(err, HARPER_EINVAL,
                                 "table '%s' is not in the transaction's database '%s'",
                                 t->def->name, txn->db->name);
    for (size_t i = 0; i < txn->n_touched; i++) {
        if (txn->touched[i].table == t) {
            *slot = &txn->touched[i];
            goto check;
        }
    }
    grown = realloc(txn->touched, (txn->n_touched + 1) * sizeof *grown);
    if (grown == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    txn->touched = grown;
    *slot = &txn->touched[txn->n_touched++];
    memset(*slot, 0, sizeof **slot);
    harper__table_ref(t);
    pthread_rwlock_rdlock(&t->ddl);
    (*slot)->table = t;
check:
    if (atomic_load(&t->dropped))
        return harper__error_set(err, HARPER_ENOTABLE, "Table '%s.%s' does not exist",
                                 txn->db->name, t->def->name);
    return HARPER_OK;
}

/* Where a write starts, so that a failed one can be undone alone: its pending writes dropped
 * and the record locks it took released. */
struct savepoint {
    size_t writes;
    size_t locks;
    size_t events;
};

static struct savepoint savepoint(const harper_txn *txn)
{
    return (struct savepoint){harper__wset_mark(&txn->writes), txn->locks.n, txn->events.n};
}

static void rollback_to(harper_txn *txn, struct savepoint sp)
{
    harper__wset_rollback(&txn->writes, sp.writes);
    harper__keylock_release_from(txn->db->locks, &txn->locks, sp.locks);
    harper__events_truncate(&txn->events, sp.events);
}

/* Records the event of a write for the table's subscribers, if it has any. */
static void add_event(harper_txn *txn, harper_table *t, int kind, const cJSON *key_item,
                      const char *val, size_t val_len, bool has_val)
{
    if (!harper__pubsub_wanted(t))
        return;
    harper__buf_reset(&txn->id_text);
    harper__json_value(&txn->id_text, key_item);
    harper__events_add(&txn->events, t, kind, txn->key.data + 4, txn->key.len - 4,
                       txn->id_text.data, txn->id_text.len, val, val_len, has_val);
}

/* ---- keys ---- */

static int is_blank_key(const cJSON *k)
{
    return k == NULL || cJSON_IsNull(k) || (cJSON_IsString(k) && k->valuestring[0] == '\0');
}

/* A v4 UUID, as Harper generates for String and ID keys. */
static int uuid_v4(char out[37])
{
    uint8_t b[16];
    FILE *f = fopen("/dev/urandom", "rb");
    int ok = f != NULL && fread(b, 1, sizeof b, f) == sizeof b;

    if (f != NULL)
        fclose(f);
    if (!ok)
        return HARPER_EIO;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return HARPER_OK;
}

static void add_first(cJSON *obj, const char *name, cJSON *item)
{
    cJSON_AddItemToObject(obj, name, item);
    cJSON_DetachItemViaPointer(obj, item);
    item->next = obj->child;
    item->prev = obj->child != NULL ? obj->child->prev : item;
    if (obj->child != NULL)
        obj->child->prev = item;
    obj->child = item;
}

/* Makes `rec` carry its primary key: from `key` when given, else its own, else a generated
 * one (insert/upsert only). Leaves the encoded key in txn->key and the key item in *key_item. */
static int resolve_key(harper_txn *txn, harper_table *t, const harper__table_def *def, int kind,
                       const char *key, size_t key_len, cJSON *rec, const cJSON **key_item,
                       harper_error *err)
{
    cJSON *k = cJSON_GetObjectItemCaseSensitive(rec, def->primary_key);
    char msg[128];

    if (key != NULL) {
        cJSON *given = cJSON_ParseWithLength(key, key_len);

        if (given == NULL)
            return harper__error_set(err, HARPER_EINVAL, "the primary key is not valid JSON");
        /* ReplaceItemInObject names the new item; ReplaceItemViaPointer would not. */
        if (k != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(rec, def->primary_key, given);
        else
            add_first(rec, def->primary_key, given);
        k = given;
    }
    if (cJSON_IsString(k) &&
        (strcmp(k->valuestring, "null") == 0 || strcmp(k->valuestring, "undefined") == 0))
        return harper__error_set(err, HARPER_EINVAL,
                                 "Invalid hash value: '%s' is not a valid hash attribute value, "
                                 "check log for more info",
                                 k->valuestring);
    if (kind == HARPER_WRITE_UPDATE && is_blank_key(k))
        return harper__error_set(err, HARPER_EINVAL,
                                 "a valid hash attribute must be provided with update record, "
                                 "check log for more info");
    if ((k == NULL || cJSON_IsNull(k)) &&
        (kind == HARPER_WRITE_INSERT || kind == HARPER_WRITE_UPSERT)) {
        const harper__attr *pk = harper__def_pk(def);
        cJSON *made;

        if (pk != NULL && (pk->type == HARPER__T_STRING || pk->type == HARPER__T_ID)) {
            char uuid[37];

            if (uuid_v4(uuid) != HARPER_OK)
                return harper__error_set(err, HARPER_EIO, "cannot read random bytes");
            made = cJSON_CreateString(uuid);
        } else {
            made = cJSON_CreateNumber((double)atomic_fetch_add(&t->next_auto_id, 1));
        }
        if (made == NULL)
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        if (k != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(rec, def->primary_key, made);
        else
            add_first(rec, def->primary_key, made);
        k = made;
    }
    if (k == NULL)
        return harper__error_set(err, HARPER_EINVAL, "Invalid primary key of null");
    harper__buf_reset(&txn->key);
    harper__key_table_prefix(&txn->key, def->id);
    if (harper__key_encode_pk(&txn->key, k, msg, sizeof msg) != HARPER_OK)
        return harper__error_set(err, HARPER_EINVAL, "%s", msg);
    if (txn->key.failed)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    *key_item = k;
    return HARPER_OK;
}

/* ---- timestamps ---- */

/* Sets the write-time attributes of `rec`: updated-time ones always, created-time ones to the
 * old record's value (kept across writes) or to now for a new record. Client values for them
 * are overwritten, as Harper ignores them. */
static int stamp_times(const harper__table_def *def, cJSON *rec, const cJSON *old, double now_ms)
{
    for (size_t i = 0; i < def->n_attrs; i++) {
        const harper__attr *a = &def->attrs[i];
        const cJSON *kept = NULL;
        cJSON *v;

        if (!a->created_time && !a->updated_time)
            continue;
        if (a->created_time && !a->updated_time && old != NULL)
            kept = cJSON_GetObjectItemCaseSensitive(old, a->name);
        if (kept != NULL) {
            v = cJSON_Duplicate(kept, 1);
        } else if (a->type == HARPER__T_DATE || a->type == HARPER__T_STRING) {
            char iso[40];

            harper__iso_from_ms(now_ms, iso, sizeof iso);
            v = cJSON_CreateString(iso);
        } else {
            v = cJSON_CreateNumber(now_ms);
        }
        if (v == NULL)
            return HARPER_ENOMEM;
        if (cJSON_GetObjectItemCaseSensitive(rec, a->name) != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(rec, a->name, v);
        else
            cJSON_AddItemToObject(rec, a->name, v);
    }
    return HARPER_OK;
}

/* ---- the write ---- */

/* Locks the record's key and reads the record as this transaction sees it (its own writes
 * first) into *old (NULL: none). */
static int read_for_update(harper_txn *txn, cJSON **old, size_t *old_len, harper_error *err)
{
    rocksdb_pinnableslice_t *slice = NULL;
    harper__rec_view view;
    const char *v = NULL;
    size_t vlen = 0;
    char *rerr = NULL;
    int rc;

    *old = NULL;
    *old_len = 0;
    rc = harper__keylock_take(txn->db->locks, txn->id, txn->key.data, txn->key.len,
                              LOCK_TIMEOUT_MS, &txn->locks);
    if (rc == HARPER_EBUSY)
        return harper__error_set(err, rc, "the record is locked by another transaction: "
                                          "deadlock or time-out");
    if (rc != HARPER_OK)
        return harper__error_set(err, rc, "out of memory");
    switch (harper__wset_get(&txn->writes, HARPER__CF_RECORDS, txn->key.data, txn->key.len, &v,
                             &vlen)) {
    case HARPER__W_DELETE:
        return HARPER_OK;
    case HARPER__W_PUT:
        break;
    default:
        slice = rocksdb_get_pinned_cf(txn->db->rdb, txn->db->root->read_opts,
                                      txn->db->cf[HARPER__CF_RECORDS], txn->key.data,
                                      txn->key.len, &rerr);
        if (rerr != NULL)
            return harper__rocks_check(txn->db->root, rerr, "read record", err);
        if (slice == NULL)
            return HARPER_OK;
        v = rocksdb_pinnableslice_value(slice, &vlen);
    }
    if (v != NULL) {
        if (harper__rec_parse(v, vlen, &view) != HARPER_OK ||
            (*old = cJSON_ParseWithLength(view.json, view.json_len)) == NULL)
            rc = harper__error_set(err, HARPER_ECORRUPT, "a stored record is corrupt");
        *old_len = vlen;
    }
    if (slice != NULL)
        rocksdb_pinnableslice_destroy(slice);
    return rc;
}

static const char *kind_name(int kind)
{
    static const char *const names[] = {"put", "insert", "update", "upsert"};

    return kind >= 0 && kind <= HARPER_WRITE_UPSERT ? names[kind]
           : kind == KIND_MESSAGE                   ? "message"
                                                    : "delete";
}

/* Writes the audit entry of this write: `record` is the record's JSON text as stored (NULL for
 * a delete). */
static int audit(harper_txn *txn, harper_table *t, struct touched *tt, int kind,
                 const cJSON *key_item, const char *record, size_t record_len, harper_error *err)
{
    harper__buf *v = &txn->audit_val;

    harper__buf_reset(&txn->ikey);
    harper__key_table_prefix(&txn->ikey, t->id);
    harper__buf_u64be(&txn->ikey, txn->version);
    harper__buf_u32be(&txn->ikey, (uint32_t)atomic_fetch_add(&t->audit_seq, 1));
    harper__buf_reset(v);
    harper__buf_str(v, "{\"txn_time\":");
    harper__json_number(v, harper__version_ms(txn->version));
    harper__buf_str(v, ",\"operation\":\"");
    harper__buf_str(v, kind_name(kind));
    harper__buf_str(v, "\",\"user\":");
    if (txn->user != NULL)
        harper__json_string(v, txn->user, strlen(txn->user));
    else
        harper__buf_str(v, "null");
    harper__buf_str(v, ",\"id\":");
    harper__json_value(v, key_item);
    if (record != NULL) {
        harper__buf_str(v, ",\"record\":");
        harper__buf_append(v, record, record_len);
    }
    harper__buf_byte(v, '}');
    if (v->failed || txn->ikey.failed)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    harper__wset_add(&txn->writes, HARPER__W_PUT, HARPER__CF_AUDIT, txn->ikey.data, txn->ikey.len,
                     v->data, v->len, false);
    tt->audit_bytes += (int64_t)(txn->ikey.len + v->len);
    return txn->writes.failed ? harper__error_set(err, HARPER_ENOMEM, "out of memory") : HARPER_OK;
}

static int key_out_copy(const cJSON *key_item, char **key_out, size_t *key_out_len,
                        harper_error *err)
{
    harper__buf b = HARPER__BUF_INIT;

    if (key_out == NULL)
        return HARPER_OK;
    harper__json_value(&b, key_item);
    *key_out = harper__buf_take(&b, key_out_len);
    return *key_out != NULL ? HARPER_OK : harper__error_set(err, HARPER_ENOMEM, "out of memory");
}

/* Merges the properties of `patch` into `old` (which becomes the new record). */
static void merge_into(cJSON *old, cJSON *patch)
{
    while (patch->child != NULL) {
        cJSON *item = cJSON_DetachItemViaPointer(patch, patch->child);
        cJSON *have = cJSON_GetObjectItemCaseSensitive(old, item->string);

        if (have != NULL)
            cJSON_ReplaceItemViaPointer(old, have, item);
        else
            cJSON_AddItemToObject(old, item->string, item);
    }
}

/* The body of harper_txn_write, between the savepoint and its release or rollback. */
static int write_record(harper_txn *txn, harper_table *t, struct touched *tt, int kind,
                        cJSON *rec, const cJSON *key_item, char **key_out, size_t *key_out_len,
                        harper_error *err)
{
    const harper__table_def *def = t->def;
    double now_ms = harper__version_ms(txn->version);
    cJSON *old = NULL;
    cJSON *merged = NULL;
    cJSON *next;
    size_t old_len;
    uint64_t expires = 0;
    int rc;

    rc = read_for_update(txn, &old, &old_len, err);
    if (rc != HARPER_OK)
        return rc;
    if (kind == HARPER_WRITE_INSERT && old != NULL) {
        rc = harper__error_set(err, HARPER_EEXIST, "Record already exists");
        goto done;
    }
    if (kind == HARPER_WRITE_UPDATE && old == NULL) {
        rc = harper__error_set(err, HARPER_ENOTFOUND, "Record does not exist");
        goto done;
    }
    next = rec;
    if (old != NULL && (kind == HARPER_WRITE_UPDATE || kind == HARPER_WRITE_UPSERT)) {
        /* Merged records keep the old property order, as a JavaScript object would. */
        merged = cJSON_Duplicate(old, 1);
        if (merged == NULL) {
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
            goto done;
        }
        merge_into(merged, rec);
        next = merged;
    }
    if (stamp_times(def, next, old, now_ms) != HARPER_OK) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    rc = harper__index_update(&txn->writes, def, old, next, txn->key.data + 4,
                              txn->key.len - 4, err);
    if (rc != HARPER_OK)
        goto done;
    if (def->expiration > 0)
        expires = (uint64_t)now_ms + (uint64_t)(def->expiration * 1000);
    harper__buf_reset(&txn->val);
    harper__rec_header(&txn->val, txn->version, expires);
    if (harper__json_value(&txn->val, next) != HARPER_OK || txn->val.failed) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    harper__wset_add(&txn->writes, HARPER__W_PUT, HARPER__CF_RECORDS, txn->key.data, txn->key.len,
                     txn->val.data, txn->val.len, true);
    if (txn->writes.failed) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    tt->records += old == NULL;
    tt->bytes += (int64_t)(txn->key.len + txn->val.len) - (old != NULL ? (int64_t)(txn->key.len +
                                                                                   old_len)
                                                                       : 0);
    if (def->audit)
        rc = audit(txn, t, tt, kind, key_item, txn->val.data + HARPER__REC_HEADER,
                   txn->val.len - HARPER__REC_HEADER, err);
    if (rc == HARPER_OK)
        add_event(txn, t, HARPER_EVENT_PUT, key_item, txn->val.data + HARPER__REC_HEADER,
                  txn->val.len - HARPER__REC_HEADER, true);
    if (rc == HARPER_OK)
        rc = key_out_copy(key_item, key_out, key_out_len, err);
done:
    cJSON_Delete(merged);
    cJSON_Delete(old);
    return rc;
}

int harper__txn_write_tree(harper_txn *txn, harper_table *t, int kind, const char *key,
                           size_t key_len, cJSON *rec, char **key_out, size_t *key_out_len,
                           harper_error *err)
{
    struct touched *tt;
    const cJSON *key_item = NULL;
    int rc;

    if (txn == NULL || t == NULL || rec == NULL || kind < HARPER_WRITE_PUT ||
        kind > HARPER_WRITE_UPSERT) {
        cJSON_Delete(rec);
        return harper__error_set(err, HARPER_EINVAL, "a transaction, a table, a kind of write "
                                                     "and a record are required");
    }
    rc = touch(txn, t, &tt, err);
    if (rc != HARPER_OK)
        goto done;
    if (!cJSON_IsObject(rec)) {
        rc = harper__error_set(err, HARPER_EINVAL, "record must be a JSON object");
        goto done;
    }
    rc = harper__validate_attr_names(t->def, rec, err);
    if (rc == HARPER_OK)
        rc = harper__validate_record(t->def, rec,
                                     kind == HARPER_WRITE_UPDATE || kind == HARPER_WRITE_UPSERT,
                                     err);
    if (rc == HARPER_OK)
        rc = resolve_key(txn, t, t->def, kind, key, key_len, rec, &key_item, err);
    if (rc != HARPER_OK)
        goto done;
    /* A failed write must leave the transaction as it was before it. */
    {
        struct touched saved = *tt;
        struct savepoint sp = savepoint(txn);

        rc = write_record(txn, t, tt, kind, rec, key_item, key_out, key_out_len, err);
        if (rc != HARPER_OK) {
            *tt = saved;
            rollback_to(txn, sp);
        } else {
            tt->wrote = 1;
        }
    }
done:
    cJSON_Delete(rec);
    return rc;
}

int harper_txn_write(harper_txn *txn, harper_table *t, int kind, const char *key, size_t key_len,
                     const char *json, size_t len, char **key_out, size_t *key_out_len,
                     harper_error *err)
{
    cJSON *rec;

    if (json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a transaction, a table, a kind of write "
                                                     "and a record are required");
    rec = cJSON_ParseWithLength(json, len);
    if (rec == NULL)
        return harper__error_set(err, HARPER_EINVAL, "Invalid JSON.");
    return harper__txn_write_tree(txn, t, kind, key, key_len, rec, key_out, key_out_len, err);
}

int harper_txn_delete(harper_txn *txn, harper_table *t, const char *key, size_t key_len,
                      harper_error *err)
{
    struct touched *tt;
    cJSON *k = NULL;
    cJSON *old = NULL;
    size_t old_len;
    struct savepoint sp;
    char msg[128];
    int rc;

    if (txn == NULL || t == NULL || key == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a transaction, a table and a key are "
                                                     "required");
    rc = touch(txn, t, &tt, err);
    if (rc != HARPER_OK)
        return rc;
    k = cJSON_ParseWithLength(key, key_len);
    if (k == NULL)
        return harper__error_set(err, HARPER_EINVAL, "the primary key is not valid JSON");
    harper__buf_reset(&txn->key);
    harper__key_table_prefix(&txn->key, t->id);
    if (harper__key_encode_pk(&txn->key, k, msg, sizeof msg) != HARPER_OK) {
        rc = harper__error_set(err, HARPER_EINVAL, "%s", msg);
        goto done;
    }
    sp = savepoint(txn);
    rc = read_for_update(txn, &old, &old_len, err);
    if (rc == HARPER_OK && old == NULL)
        rc = harper__error_set(err, HARPER_ENOTFOUND, "Record does not exist");
    if (rc == HARPER_OK)
        rc = harper__index_update(&txn->writes, t->def, old, NULL, txn->key.data + 4,
                                  txn->key.len - 4, err);
    if (rc == HARPER_OK) {
        harper__wset_add(&txn->writes, HARPER__W_DELETE, HARPER__CF_RECORDS, txn->key.data,
                         txn->key.len, NULL, 0, true);
        if (txn->writes.failed)
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    if (rc == HARPER_OK && t->def->audit)
        rc = audit(txn, t, tt, -1, k, NULL, 0, err);
    if (rc == HARPER_OK)
        add_event(txn, t, HARPER_EVENT_DELETE, k, NULL, 0, false);
    if (rc == HARPER_OK) {
        tt->records -= 1;
        tt->bytes -= (int64_t)(txn->key.len + old_len);
        tt->wrote = 1;
    } else {
        rollback_to(txn, sp);
    }
done:
    cJSON_Delete(old);
    cJSON_Delete(k);
    return rc;
}

/* ---- single writes ---- */

/* Runs one write in its own transaction, retrying when a deadlock broke it. */
static int single_write(harper_table *t, int kind, const char *json, size_t len,
                        const char *key, size_t key_len, char **key_out, size_t *key_out_len,
                        harper_error *err)
{
    int rc = HARPER_EBUSY;

    if (t == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table is required");
    for (int attempt = 0; attempt < 3 && rc == HARPER_EBUSY; attempt++) {
        harper_txn *txn;

        rc = harper_txn_begin(t->db->root, t->db->name, &txn, err);
        if (rc != HARPER_OK)
            return rc;
        if (json != NULL)
            rc = harper_txn_write(txn, t, kind, NULL, 0, json, len, key_out, key_out_len, err);
        else
            rc = harper_txn_delete(txn, t, key, key_len, err);
        if (rc == HARPER_OK) {
            rc = harper_txn_commit(txn, err);
        } else {
            harper_txn_abort(txn);
        }
        if (rc == HARPER_EBUSY && key_out != NULL) {
            harper_free(*key_out);
            *key_out = NULL;
        }
    }
    return rc;
}

int harper_table_put(harper_table *t, const char *json, size_t len, harper_error *err)
{
    if (json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a record is required");
    return single_write(t, HARPER_WRITE_PUT, json, len, NULL, 0, NULL, NULL, err);
}

int harper_table_insert(harper_table *t, const char *json, size_t len, char **key_out,
                        size_t *key_out_len, harper_error *err)
{
    if (json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a record is required");
    return single_write(t, HARPER_WRITE_INSERT, json, len, NULL, 0, key_out, key_out_len, err);
}

int harper_table_patch(harper_table *t, const char *json, size_t len, harper_error *err)
{
    if (json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a record is required");
    return single_write(t, HARPER_WRITE_UPSERT, json, len, NULL, 0, NULL, NULL, err);
}

int harper_table_delete(harper_table *t, const char *key, size_t key_len, harper_error *err)
{
    if (key == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a key is required");
    return single_write(t, 0, NULL, 0, key, key_len, NULL, NULL, err);
}

int harper__txn_message(harper_txn *txn, harper_table *t, const char *id, size_t id_len,
                        const char *msg, size_t len, harper_error *err)
{
    struct touched *tt;
    harper__buf text = HARPER__BUF_INIT;
    cJSON *k = NULL;
    cJSON *as_json;
    char why[128];
    int rc;

    if (txn == NULL || t == NULL || id == NULL || (msg == NULL && len > 0))
        return harper__error_set(err, HARPER_EINVAL, "a transaction, a table and an id are "
                                                     "required");
    rc = touch(txn, t, &tt, err);
    if (rc != HARPER_OK)
        return rc;
    k = cJSON_ParseWithLength(id, id_len);
    if (k == NULL)
        return harper__error_set(err, HARPER_EINVAL, "the primary key is not valid JSON");
    harper__buf_reset(&txn->key);
    harper__key_table_prefix(&txn->key, t->id);
    if (harper__key_encode_pk(&txn->key, k, why, sizeof why) != HARPER_OK) {
        cJSON_Delete(k);
        return harper__error_set(err, HARPER_EINVAL, "%s", why);
    }
    /* The audit entry holds the message as JSON: itself when it is JSON, else as a string. */
    as_json = len > 0 ? cJSON_ParseWithLength(msg, len) : NULL;
    if (as_json != NULL)
        harper__buf_append(&text, msg, len);
    else
        harper__json_string(&text, msg != NULL ? msg : "", len);
    cJSON_Delete(as_json);
    rc = text.failed ? harper__error_set(err, HARPER_ENOMEM, "out of memory") : HARPER_OK;
    if (rc == HARPER_OK && t->def->audit)
        rc = audit(txn, t, tt, KIND_MESSAGE, k, text.data, text.len, err);
    if (rc == HARPER_OK)
        add_event(txn, t, HARPER_EVENT_MESSAGE, k, msg, len, true);
    harper__buf_free(&text);
    cJSON_Delete(k);
    return rc;
}
