/* describe.c: record counts and Harper's describe_table / describe_database / describe_all
 * objects. */
#include <dirent.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "json.h"
#include "table.h"

/* ---- counts and describe ---- */

static int64_t read_counter(harper_table *t, char kind)
{
    harper__buf key = HARPER__BUF_INIT;
    char *rerr = NULL;
    char *v;
    size_t len = 0;
    int64_t n = 0;

    harper__key_counter(&key, kind, t->id);
    v = rocksdb_get_cf(t->db->rdb, t->db->root->read_opts,
                                     t->db->cf[HARPER__CF_CATALOG], key.data, key.len, &len,
                                     &rerr);
    if (v != NULL)
        n = harper__count_decode(v, len);
    rocksdb_free(v);
    free(rerr);
    harper__buf_free(&key);
    return n < 0 ? 0 : n;
}

static int64_t scan_count(harper_table *t, harper_error *err)
{
    uint8_t prefix[4];
    uint8_t upper[4];
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_iterator_t *it;
    char *rerr = NULL;
    int64_t n = 0;
    int rc;

    harper__put_u32be(prefix, t->id);
    harper__put_u32be(upper, t->id + 1);
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)upper,
                                                t->id == UINT32_MAX ? 0 : 4);
    rocksdb_readoptions_set_fill_cache(ro, 0);
    it = rocksdb_create_iterator_cf(t->db->rdb, ro, t->db->cf[HARPER__CF_RECORDS]);
    for (rocksdb_iter_seek(it, (const char *)prefix, 4); rocksdb_iter_valid(it);
         rocksdb_iter_next(it))
        n++;
    rocksdb_iter_get_error(it, &rerr);
    rc = harper__rocks_check(t->db->root, rerr, "count", err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    return rc != HARPER_OK ? rc : n;
}

int64_t harper_table_count(harper_table *t, int flags, harper_error *err)
{
    if (t == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table is required");
    if (atomic_load(&t->dropped))
        return harper__table_missing(err, t->db->name, t->def->name);
    if (flags & HARPER_DESCRIBE_EXACT_COUNT)
        return scan_count(t, err);
    return read_counter(t, 'c');
}

static int64_t dir_size(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int64_t total = 0;
    char child[4096];
    struct stat st;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (e->d_name[0] != '.' && stat(child, &st) == 0 && S_ISREG(st.st_mode))
            total += st.st_size;
    }
    closedir(d);
    return total;
}

/* Appends the describe_table object of `t` to `out`. */
static int describe_into(harper_table *t, int flags, int64_t db_size, int64_t db_audit_size,
                         harper__buf *out, harper_error *err)
{
    harper__table_def *def = harper__table_def_get(t);
    bool definition_only = (flags & HARPER_DESCRIBE_DEFINITION) != 0;
    int64_t count = definition_only ? 0 : harper_table_count(t, flags, err);
    int rc = HARPER_OK;

    if (count < 0) {
        rc = (int)count;
        goto done;
    }
    harper__buf_str(out, "{\"schema\":");
    harper__json_string(out, def->db, strlen(def->db));
    harper__buf_str(out, ",\"name\":");
    harper__json_string(out, def->name, strlen(def->name));
    harper__buf_str(out, ",\"hash_attribute\":");
    harper__json_string(out, def->primary_key, strlen(def->primary_key));
    harper__buf_printf(out, ",\"audit\":%s,\"schema_defined\":%s", def->audit ? "true" : "false",
                       def->schema_defined ? "true" : "false");
    harper__buf_str(out, ",\"attributes\":");
    harper__def_describe_attrs(def, out);
    /* Harper's key order (schemaDescribe.js): sizes, the optional table settings, sources,
     * then the counts. */
    if (!definition_only)
        harper__buf_printf(out, ",\"db_size\":%lld", (long long)db_size);
    /* As Harper prints it: the number as JavaScript writes it ("1.5s"), and 0 too. */
    if (def->expiration >= 0) {
        harper__buf_str(out, ",\"expiration\":\"");
        harper__json_number(out, def->expiration);
        harper__buf_str(out, "s\"");
    }
    if (def->sealed)
        harper__buf_str(out, ",\"sealed\":true");
    harper__buf_str(out, ",\"sources\":[]");
    if (!definition_only)
        harper__buf_printf(out, ",\"record_count\":%lld,\"table_size\":%lld,"
                           "\"db_audit_size\":%lld",
                           (long long)count, (long long)read_counter(t, 'b'),
                           (long long)db_audit_size);
    if (!definition_only && atomic_load(&t->last_write) != 0) {
        harper__buf_str(out, ",\"last_updated_record\":");
        harper__json_number(out, harper__version_ms(atomic_load(&t->last_write)));
    }
    harper__buf_byte(out, '}');
    if (out->failed)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
done:
    harper__table_def_put(def);
    return rc;
}

static int64_t db_audit_bytes(harper__db *db)
{
    int64_t total = 0;

    pthread_mutex_lock(&db->lock);
    for (size_t i = 0; i < db->n_tables; i++)
        total += read_counter(db->tables[i], 'a');
    pthread_mutex_unlock(&db->lock);
    return total;
}

int harper_table_describe(harper_table *t, int flags, char **json, size_t *len, harper_error *err)
{
    harper__buf out = HARPER__BUF_INIT;
    int rc;

    if (t == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table and an output are required");
    if (flags & HARPER_DESCRIBE_DEFINITION)
        rc = describe_into(t, flags, 0, 0, &out, err);
    else
        rc = describe_into(t, flags, dir_size(t->db->path), db_audit_bytes(t->db), &out, err);
    if (rc == HARPER_OK && (*json = harper__buf_take(&out, len)) == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    harper__buf_free(&out);
    return rc;
}

/* Tables in the order they were created, as Harper lists them. */
static int cmp_table_age(const void *a, const void *b)
{
    const harper_table *x = *(harper_table *const *)a;
    const harper_table *y = *(harper_table *const *)b;

    return (x->id > y->id) - (x->id < y->id);
}

/* Appends {"<table>": <description>, ...} for database `db`, oldest table first. */
static int describe_db_into(harper__db *db, int flags, harper__buf *out, harper_error *err)
{
    harper_table **tables;
    size_t n;
    int64_t size = dir_size(db->path);
    int64_t audit = db_audit_bytes(db);
    int rc = HARPER_OK;

    pthread_mutex_lock(&db->lock);
    n = db->n_tables;
    tables = malloc((n ? n : 1) * sizeof *tables);
    for (size_t i = 0; tables != NULL && i < n; i++) {
        tables[i] = db->tables[i];
        harper__table_ref(tables[i]);
    }
    pthread_mutex_unlock(&db->lock);
    if (tables == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    qsort(tables, n, sizeof *tables, cmp_table_age);
    harper__buf_byte(out, '{');
    for (size_t i = 0; i < n; i++) {
        if (rc == HARPER_OK) {
            if (i > 0)
                harper__buf_byte(out, ',');
            harper__json_string(out, tables[i]->def->name, strlen(tables[i]->def->name));
            harper__buf_byte(out, ':');
            rc = describe_into(tables[i], flags, size, audit, out, err);
        }
        harper__table_unref(tables[i]);
    }
    harper__buf_byte(out, '}');
    free(tables);
    return rc;
}

int harper_db_describe(harper *h, const char *db_name, int flags, char **json, size_t *len,
                       harper_error *err)
{
    harper__buf out = HARPER__BUF_INIT;
    harper__db *db;
    int rc;

    if (h == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root and an output are required");
    rc = harper__db_get(h, db_name, 0, &db, err);
    if (rc == HARPER_OK)
        rc = describe_db_into(db, flags, &out, err);
    if (rc == HARPER_OK && (*json = harper__buf_take(&out, len)) == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    harper__buf_free(&out);
    return rc;
}

int harper_describe_all(harper *h, int flags, char **json, size_t *len, harper_error *err)
{
    harper__buf out = HARPER__BUF_INIT;
    char **names = NULL;
    size_t n = 0;
    size_t shown = 0;
    int rc;

    if (h == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root and an output are required");
    rc = harper__db_names(h, &names, &n, err);
    harper__buf_byte(&out, '{');
    for (size_t i = 0; rc == HARPER_OK && i < n; i++) {
        harper__db *db;

        if (strcmp(names[i], "system") == 0)
            continue;
        rc = harper__db_get(h, names[i], 0, &db, err);
        if (rc != HARPER_OK)
            break;
        if (shown++ > 0)
            harper__buf_byte(&out, ',');
        harper__json_string(&out, names[i], strlen(names[i]));
        harper__buf_byte(&out, ':');
        rc = describe_db_into(db, flags, &out, err);
    }
    harper__buf_byte(&out, '}');
    harper__names_free(names, n);
    if (rc == HARPER_OK && (*json = harper__buf_take(&out, len)) == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    harper__buf_free(&out);
    return rc;
}
