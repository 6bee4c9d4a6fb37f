/* get.c: reading one record by primary key. The stored JSON is handed out as it is stored:
 * one RocksDB read and one copy, no decode or encode. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "keycodec.h"
#include "record.h"
#include "store.h"

/* Encodes the JSON key text into out (after the table prefix). A plain integer, the common
 * case, skips the JSON parser. */
static int encode_key(harper_table *t, const char *key, size_t key_len, harper__buf *out,
                      harper_error *err)
{
    cJSON *k;
    char msg[128];
    int rc;

    harper__key_table_prefix(out, t->id);
    if (key_len > 0 && key_len < 16) {
        size_t i = key[0] == '-' ? 1 : 0;
        int digits = i < key_len;
        long long v = 0;

        for (; i < key_len && digits; i++) {
            digits = key[i] >= '0' && key[i] <= '9';
            v = v * 10 + (key[i] - '0');
        }
        if (digits && !(key_len > 1 && key[key[0] == '-'] == '0')) {
            harper__key_encode_number(out, (double)(key[0] == '-' ? -v : v));
            return out->failed ? harper__error_set(err, HARPER_ENOMEM, "out of memory") : 0;
        }
    }
    k = cJSON_ParseWithLength(key, key_len);
    if (k == NULL)
        return harper__error_set(err, HARPER_EINVAL, "the primary key is not valid JSON");
    rc = harper__key_encode_pk(out, k, msg, sizeof msg);
    cJSON_Delete(k);
    if (rc != HARPER_OK)
        return harper__error_set(err, rc, "%s", msg);
    return out->failed ? harper__error_set(err, HARPER_ENOMEM, "out of memory") : HARPER_OK;
}

int harper_table_get_versioned(harper_table *t, const char *key, size_t key_len, char **json,
                               size_t *len, uint64_t *version, harper_error *err)
{
    harper__buf k = HARPER__BUF_INIT;
    rocksdb_pinnableslice_t *slice = NULL;
    harper__rec_view view;
    const char *v;
    size_t vlen;
    char *rerr = NULL;
    int rc;

    if (t == NULL || key == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table, a key and an output are required");
    if (atomic_load(&t->dropped))
        return harper__error_set(err, HARPER_ENOTABLE, "Table '%s.%s' does not exist",
                                 t->db->name, t->def->name);
    rc = encode_key(t, key, key_len, &k, err);
    if (rc != HARPER_OK)
        goto done;
    slice = rocksdb_get_pinned_cf(t->db->rdb, t->db->root->read_opts,
                                                t->db->cf[HARPER__CF_RECORDS], k.data, k.len,
                                                &rerr);
    rc = harper__rocks_check(t->db->root, rerr, "read record", err);
    if (rc != HARPER_OK)
        goto done;
    v = slice != NULL ? rocksdb_pinnableslice_value(slice, &vlen) : NULL;
    if (v == NULL) {
        rc = harper__error_set(err, HARPER_ENOTFOUND, "Record not found");
        goto done;
    }
    if (harper__rec_parse(v, vlen, &view) != HARPER_OK) {
        rc = harper__error_set(err, HARPER_ECORRUPT, "a stored record is corrupt");
        goto done;
    }
    *json = malloc(view.json_len + 1);
    if (*json == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(*json, view.json, view.json_len);
    (*json)[view.json_len] = '\0';
    if (len != NULL)
        *len = view.json_len;
    if (version != NULL)
        *version = view.version;
done:
    rocksdb_pinnableslice_destroy(slice);
    harper__buf_free(&k);
    return rc;
}

int harper_table_get(harper_table *t, const char *key, size_t key_len, char **json, size_t *len,
                     harper_error *err)
{
    return harper_table_get_versioned(t, key, key_len, json, len, NULL, err);
}
