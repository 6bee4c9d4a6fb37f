/* store.c: options, the root folder, and databases: opening RocksDB with its column families,
 * loading the catalog, dropping a database. Tables are in table.c; the layout in store.h. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

struct harper_options {
    harper__logger log;
    int sync;
    size_t cache_size;
};

static const char *const cf_names[HARPER__N_CF] = {"default", "records", "index", "audit"};

/* ---- options ---- */

int harper_options_new(harper_options **opts)
{
    harper_options *o;

    if (opts == NULL)
        return HARPER_EINVAL;
    o = calloc(1, sizeof *o);
    if (o == NULL)
        return HARPER_ENOMEM;
    o->log.max_level = HARPER_LOG_INFO;
    o->cache_size = 64u << 20;
    *opts = o;
    return HARPER_OK;
}

void harper_options_free(harper_options *opts)
{
    free(opts);
}

int harper_options_set_log(harper_options *opts, harper_log_fn fn, void *user, int max_level)
{
    if (opts == NULL || max_level < HARPER_LOG_ERROR || max_level > HARPER_LOG_DEBUG)
        return HARPER_EINVAL;
    opts->log.fn = fn;
    opts->log.user = user;
    opts->log.max_level = max_level;
    return HARPER_OK;
}

int harper_options_set_sync(harper_options *opts, int sync)
{
    if (opts == NULL)
        return HARPER_EINVAL;
    opts->sync = sync != 0;
    return HARPER_OK;
}

int harper_options_set_cache_size(harper_options *opts, size_t bytes)
{
    if (opts == NULL || bytes < (1u << 20))
        return HARPER_EINVAL;
    opts->cache_size = bytes;
    return HARPER_OK;
}

/* ---- helpers ---- */

int harper__rocks_check(harper *h, char *rocks_err, const char *what, harper_error *err)
{
    int code;

    if (rocks_err == NULL)
        return HARPER_OK;
    code = (strncmp(rocks_err, "Resource busy", 13) == 0 ||
            strncmp(rocks_err, "Operation timed out", 19) == 0 ||
            strstr(rocks_err, "Deadlock") != NULL)
               ? HARPER_EBUSY
               : HARPER_EIO;
    HARPER__LOG(&h->log, code == HARPER_EBUSY ? HARPER_LOG_DEBUG : HARPER_LOG_ERROR, "store",
                "%s: %s", what, rocks_err);
    harper__error_set(err, code, "%s: %s", what, rocks_err);
    free(rocks_err);
    return code;
}

int harper__check_name(const char *label, const char *name, harper_error *err)
{
    if (name == NULL || name[0] == '\0')
        return harper__error_set(err, HARPER_EINVAL, "'%s' is required", label);
    if (strchr(name, '`') != NULL || strchr(name, '/') != NULL)
        return harper__error_set(err, HARPER_EINVAL,
                                 "'%s' names cannot include backticks or forward slashes", label);
    if (strlen(name) > 250)
        return harper__error_set(err, HARPER_EINVAL,
                                 "'%s' length must be less than or equal to 250 characters long",
                                 label);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return harper__error_set(err, HARPER_EINVAL, "'%s' is not a valid name", label);
    return HARPER_OK;
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int mkdir_p(const char *path)
{
    char *copy = strdup(path);
    char *p;
    int rc = 0;

    if (copy == NULL)
        return -1;
    for (p = copy + 1; *p != '\0' && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            rc = -1;
        *p = '/';
    }
    if (rc == 0 && mkdir(copy, 0755) != 0 && errno != EEXIST)
        rc = -1;
    free(copy);
    return rc;
}

static int remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int rc = 0;

    if (d == NULL)
        return errno == ENOENT ? 0 : -1;
    while ((e = readdir(d)) != NULL) {
        char *child;
        struct stat st;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        child = path_join(path, e->d_name);
        if (child == NULL) {
            rc = -1;
            break;
        }
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            rc |= remove_tree(child);
        else
            rc |= unlink(child);
        free(child);
    }
    closedir(d);
    return rc | rmdir(path);
}

/* ---- the record-count merge operator: values are int64 little-endian deltas ---- */

static int64_t get_i64le(const char *p, size_t len)
{
    uint64_t v = 0;

    if (len != 8)
        return 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | (uint8_t)p[i];
    return (int64_t)v;
}

static char *i64le_new(int64_t v, size_t *len)
{
    char *p = malloc(8);
    uint64_t u = (uint64_t)v;

    if (p == NULL)
        return NULL;
    for (int i = 0; i < 8; i++, u >>= 8)
        p[i] = (char)(u & 0xff);
    *len = 8;
    return p;
}

static char *count_full_merge(void *state, const char *key, size_t key_len, const char *existing,
                              size_t existing_len, const char *const *ops, const size_t *op_lens,
                              int n_ops, unsigned char *success, size_t *new_len)
{
    int64_t sum = existing != NULL ? get_i64le(existing, existing_len) : 0;
    char *out;

    (void)state;
    (void)key;
    (void)key_len;
    for (int i = 0; i < n_ops; i++)
        sum += get_i64le(ops[i], op_lens[i]);
    out = i64le_new(sum, new_len);
    *success = out != NULL;
    return out;
}

static char *count_partial_merge(void *state, const char *key, size_t key_len,
                                 const char *const *ops, const size_t *op_lens, int n_ops,
                                 unsigned char *success, size_t *new_len)
{
    return count_full_merge(state, key, key_len, NULL, 0, ops, op_lens, n_ops, success, new_len);
}

static void count_delete_value(void *state, const char *value, size_t len)
{
    (void)state;
    (void)len;
    free((char *)value);
}

/* RocksDB calls the destructor unconditionally; there is no state to free. */
static void count_destroy(void *state)
{
    (void)state;
}

static const char *count_name(void *state)
{
    (void)state;
    return "harper.add";
}

int64_t harper__count_decode(const char *p, size_t len)
{
    return get_i64le(p, len);
}

void harper__count_encode(char out[8], int64_t v)
{
    uint64_t u = (uint64_t)v;

    for (int i = 0; i < 8; i++, u >>= 8)
        out[i] = (char)(u & 0xff);
}

/* ---- the root ---- */

int harper_open(const char *root, const harper_options *opts, harper **out, harper_error *err)
{
    harper *h;
    harper_options defaults;

    if (root == NULL || root[0] == '\0' || out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root folder is required");
    if (opts == NULL) {
        memset(&defaults, 0, sizeof defaults);
        defaults.log.max_level = HARPER_LOG_INFO;
        defaults.cache_size = 64u << 20;
        opts = &defaults;
    }
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    h->log = opts->log;
    h->sync = opts->sync;
    pthread_mutex_init(&h->lock, NULL);
    h->root = strdup(root);
    h->db_dir = path_join(root, "database");
    if (h->root == NULL || h->db_dir == NULL) {
        harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto fail;
    }
    if (mkdir_p(h->db_dir) != 0) {
        harper__error_set(err, HARPER_EIO, "cannot create %s: %s", h->db_dir, strerror(errno));
        goto fail;
    }
    h->block_cache = rocksdb_cache_create_lru(opts->cache_size);
    h->write_opts = rocksdb_writeoptions_create();
    h->read_opts = rocksdb_readoptions_create();
    rocksdb_writeoptions_set_sync(h->write_opts, (unsigned char)h->sync);
    HARPER__LOG(&h->log, HARPER_LOG_INFO, "store", "opened root %s", root);
    *out = h;
    return HARPER_OK;
fail:
    free(h->root);
    free(h->db_dir);
    pthread_mutex_destroy(&h->lock);
    free(h);
    return err != NULL ? err->code : HARPER_EIO;
}

static void db_close(harper__db *db)
{
    for (size_t i = 0; i < db->n_tables; i++)
        harper__table_unref(db->tables[i]);
    free(db->tables);
    for (int i = 0; i < HARPER__N_CF; i++)
        if (db->cf[i] != NULL)
            rocksdb_column_family_handle_destroy(db->cf[i]);
    if (db->rdb != NULL)
        rocksdb_close(db->rdb);
    harper__keylocks_free(db->locks);
    for (int i = 0; i < HARPER__N_CF; i++)
        if (db->cf_options[i] != NULL)
            rocksdb_options_destroy(db->cf_options[i]);
    if (db->options != NULL)
        rocksdb_options_destroy(db->options);
    pthread_mutex_destroy(&db->lock);
    free(db->name);
    free(db->path);
    free(db);
}

int harper_close(harper *h)
{
    if (h == NULL)
        return HARPER_OK;
    if (atomic_load(&h->open_handles) != 0)
        return HARPER_EBUSY;
    for (size_t i = 0; i < h->n_dbs; i++)
        db_close(h->dbs[i]);
    free(h->dbs);
    rocksdb_cache_destroy(h->block_cache);
    rocksdb_writeoptions_destroy(h->write_opts);
    rocksdb_readoptions_destroy(h->read_opts);
    pthread_mutex_destroy(&h->lock);
    HARPER__LOG(&h->log, HARPER_LOG_INFO, "store", "closed root %s", h->root);
    free(h->root);
    free(h->db_dir);
    free(h);
    return HARPER_OK;
}

/* ---- databases ---- */

static rocksdb_options_t *cf_options_new(harper *h, int cf)
{
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_block_based_table_options_t *bb = rocksdb_block_based_options_create();

    rocksdb_block_based_options_set_block_cache(bb, h->block_cache);
    if (cf == HARPER__CF_RECORDS || cf == HARPER__CF_CATALOG)
        rocksdb_block_based_options_set_filter_policy(bb, rocksdb_filterpolicy_create_bloom(10));
    rocksdb_options_set_block_based_table_factory(o, bb);
    rocksdb_block_based_options_destroy(bb);
    rocksdb_options_set_compression(o, rocksdb_lz4_compression);
    if (cf == HARPER__CF_CATALOG)
        rocksdb_options_set_merge_operator(
            o, rocksdb_mergeoperator_create(NULL, count_destroy, count_full_merge,
                                            count_partial_merge,
                                            count_delete_value, count_name));
    return o;
}

static harper__db *find_db(harper *h, const char *name)
{
    for (size_t i = 0; i < h->n_dbs; i++)
        if (strcmp(h->dbs[i]->name, name) == 0)
            return h->dbs[i];
    return NULL;
}

static int dir_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int db_open(harper *h, const char *name, harper__db **out, harper_error *err)
{
    harper__db *db = calloc(1, sizeof *db);
    char *rerr = NULL;
    int rc;

    if (db == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    pthread_mutex_init(&db->lock, NULL);
    db->root = h;
    db->name = strdup(name);
    db->path = path_join(h->db_dir, name);
    if (db->name == NULL || db->path == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    db->options = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(db->options, 1);
    rocksdb_options_set_create_missing_column_families(db->options, 1);
    rocksdb_options_increase_parallelism(db->options, 2);
    rocksdb_options_set_max_open_files(db->options, 256);
    rocksdb_options_set_info_log_level(db->options, 4); /* HEADER: RocksDB's own LOG stays small */
    for (int i = 0; i < HARPER__N_CF; i++)
        db->cf_options[i] = cf_options_new(h, i);
    db->locks = harper__keylocks_new();
    if (db->locks == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    db->rdb = rocksdb_open_column_families(db->options, db->path, HARPER__N_CF, cf_names,
                                           (const rocksdb_options_t *const *)db->cf_options,
                                           db->cf, &rerr);
    rc = harper__rocks_check(h, rerr, "open database", err);
    if (rc == HARPER_OK)
        rc = harper__db_load_catalog(db, err);
done:
    if (rc != HARPER_OK) {
        db_close(db);
        return rc;
    }
    HARPER__LOG(&h->log, HARPER_LOG_DEBUG, "store", "opened database %s", name);
    *out = db;
    return HARPER_OK;
}

int harper__db_get(harper *h, const char *name, int create, harper__db **out, harper_error *err)
{
    harper__db *db;
    harper__db **grown;
    char *path;
    int rc;

    rc = harper__check_name("database", name, err);
    if (rc != HARPER_OK)
        return rc;
    pthread_mutex_lock(&h->lock);
    db = find_db(h, name);
    if (db != NULL) {
        pthread_mutex_unlock(&h->lock);
        *out = db;
        return HARPER_OK;
    }
    path = path_join(h->db_dir, name);
    if (path == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    } else if (!create && !dir_exists(path)) {
        rc = harper__error_set(err, HARPER_ENODB, "database '%s' does not exist", name);
    } else {
        grown = realloc(h->dbs, (h->n_dbs + 1) * sizeof *grown);
        if (grown == NULL) {
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        } else {
            h->dbs = grown;
            rc = db_open(h, name, &db, err);
            if (rc == HARPER_OK)
                h->dbs[h->n_dbs++] = db;
        }
    }
    pthread_mutex_unlock(&h->lock);
    free(path);
    if (rc == HARPER_OK)
        *out = db;
    return rc;
}

int harper_db_create(harper *h, const char *db, harper_error *err)
{
    harper__db *d;
    int rc;

    if (h == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root is required");
    rc = harper__check_name("database", db, err);
    if (rc != HARPER_OK)
        return rc;
    if (harper_db_exists(h, db))
        return harper__error_set(err, HARPER_EEXIST, "database '%s' already exists", db);
    return harper__db_get(h, db, 1, &d, err);
}

int harper_db_exists(harper *h, const char *db)
{
    char *path;
    int found;

    if (h == NULL || harper__check_name("database", db, NULL) != HARPER_OK)
        return 0;
    pthread_mutex_lock(&h->lock);
    found = find_db(h, db) != NULL;
    pthread_mutex_unlock(&h->lock);
    if (found)
        return 1;
    path = path_join(h->db_dir, db);
    found = path != NULL && dir_exists(path);
    free(path);
    return found;
}

int harper_db_drop(harper *h, const char *db, harper_error *err)
{
    harper__db *d;
    char *path = NULL;
    int rc;

    if (h == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root is required");
    rc = harper__db_get(h, db, 0, &d, err);
    if (rc != HARPER_OK)
        return rc;
    pthread_mutex_lock(&h->lock);
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < d->n_tables; i++) {
        if (atomic_load(&d->tables[i]->refs) > 1) {
            rc = harper__error_set(err, HARPER_EBUSY, "database '%s' is in use", db);
            break;
        }
    }
    pthread_mutex_unlock(&d->lock);
    if (rc == HARPER_OK) {
        for (size_t i = 0; i < h->n_dbs; i++) {
            if (h->dbs[i] == d) {
                h->dbs[i] = h->dbs[--h->n_dbs];
                break;
            }
        }
        for (size_t i = 0; i < d->n_tables; i++)
            atomic_store(&d->tables[i]->dropped, true);
        path = strdup(d->path);
        db_close(d);
        if (path == NULL || remove_tree(path) != 0)
            rc = harper__error_set(err, HARPER_EIO, "cannot remove the files of database '%s'",
                                   db);
        else
            HARPER__LOG(&h->log, HARPER_LOG_INFO, "store", "dropped database %s", db);
    }
    pthread_mutex_unlock(&h->lock);
    free(path);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int harper__db_names(harper *h, char ***names, size_t *n, harper_error *err)
{
    DIR *d = opendir(h->db_dir);
    struct dirent *e;
    char **list = NULL;
    size_t count = 0;

    if (d == NULL)
        return harper__error_set(err, HARPER_EIO, "cannot read %s: %s", h->db_dir,
                                 strerror(errno));
    while ((e = readdir(d)) != NULL) {
        char **grown;

        if (e->d_name[0] == '.' || harper__check_name("database", e->d_name, NULL) != HARPER_OK)
            continue;
        grown = realloc(list, (count + 1) * sizeof *list);
        if (grown == NULL || (grown[count] = strdup(e->d_name)) == NULL) {
            list = grown != NULL ? grown : list;
            harper__names_free(list, count);
            closedir(d);
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        }
        list = grown;
        count++;
    }
    closedir(d);
    if (count > 0)
        qsort(list, count, sizeof *list, cmp_str);
    *names = list;
    *n = count;
    return HARPER_OK;
}

void harper__names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int harper_db_list(harper *h, char **json, size_t *len, harper_error *err)
{
    char **names = NULL;
    size_t n = 0;
    cJSON *arr;
    int rc;

    if (h == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root and an output are required");
    rc = harper__db_names(h, &names, &n, err);
    if (rc != HARPER_OK)
        return rc;
    arr = cJSON_CreateStringArray((const char *const *)names, (int)n);
    harper__names_free(names, n);
    *json = arr != NULL ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    if (*json == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    if (len != NULL)
        *len = strlen(*json);
    return HARPER_OK;
}
