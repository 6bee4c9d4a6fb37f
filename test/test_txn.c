/* test_txn.c: the pieces under a transaction (the record-key lock table and the write set)
 * and what they promise through the public API: a transaction reads its own writes, a failed
 * write is undone alone, writers of one record take turns, and a deadlock fails fast. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "keylock.h"
#include "test.h"
#include "wset.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the lock table ---- */

struct taker {
    harper__keylocks *kl;
    uint64_t owner;
    const char *key;
    int timeout_ms;
    harper__held_locks held;
    int rc;
    double waited_ms;
};

static void *take_in_thread(void *arg)
{
    struct taker *tk = arg;
    double start = now_ms();

    tk->rc = harper__keylock_take(tk->kl, tk->owner, tk->key, strlen(tk->key), tk->timeout_ms,
                                  &tk->held);
    tk->waited_ms = now_ms() - start;
    return NULL;
}

TEST(keylock_owner_takes_twice_and_others_wait)
{
    harper__keylocks *kl = harper__keylocks_new();
    harper__held_locks mine = {0};
    struct taker other = {kl, 2, "k1", 5000, {0}, -1, 0};
    pthread_t th;

    CHECK(kl != NULL);
    CHECK_EQ_INT(harper__keylock_take(kl, 1, "k1", 2, 1000, &mine), HARPER_OK);
    CHECK_EQ_INT(harper__keylock_take(kl, 1, "k1", 2, 1000, &mine), HARPER_OK);
    CHECK_EQ_INT(mine.n, 1);
    /* Another key is free, even one that shares a prefix. */
    CHECK_EQ_INT(harper__keylock_take(kl, 1, "k10", 3, 1000, &mine), HARPER_OK);
    CHECK_EQ_INT(mine.n, 2);
    CHECK_EQ_INT(pthread_create(&th, NULL, take_in_thread, &other), 0);
    usleep(100 * 1000);
    CHECK_EQ_INT(other.rc, -1);   /* still waiting */
    harper__keylock_release(kl, &mine);
    CHECK_EQ_INT(pthread_join(th, NULL), 0);
    CHECK_EQ_INT(other.rc, HARPER_OK);
    CHECK(other.waited_ms >= 90);
    CHECK_EQ_INT(other.held.n, 1);
    harper__keylock_release(kl, &other.held);
    harper__keylocks_free(kl);
}

TEST(keylock_times_out)
{
    harper__keylocks *kl = harper__keylocks_new();
    harper__held_locks mine = {0}, theirs = {0};
    double start;

    CHECK_EQ_INT(harper__keylock_take(kl, 1, "a", 1, 1000, &mine), HARPER_OK);
    start = now_ms();
    CHECK_EQ_INT(harper__keylock_take(kl, 2, "a", 1, 200, &theirs), HARPER_EBUSY);
    CHECK(now_ms() - start >= 190);
    CHECK_EQ_INT(theirs.n, 0);
    /* Released locks can be taken again; a partial release keeps the first ones. */
    CHECK_EQ_INT(harper__keylock_take(kl, 1, "b", 1, 1000, &mine), HARPER_OK);
    harper__keylock_release_from(kl, &mine, 1);
    CHECK_EQ_INT(mine.n, 1);
    CHECK_EQ_INT(harper__keylock_take(kl, 2, "b", 1, 0, &theirs), HARPER_OK);
    CHECK_EQ_INT(harper__keylock_take(kl, 2, "a", 1, 0, &theirs), HARPER_EBUSY);
    harper__keylock_release(kl, &mine);
    harper__keylock_release(kl, &theirs);
    harper__keylocks_free(kl);
}

TEST(keylock_deadlock_fails_fast)
{
    harper__keylocks *kl = harper__keylocks_new();
    harper__held_locks one = {0}, two = {0};
    struct taker first = {kl, 1, "y", 10000, {0}, -1, 0};
    pthread_t th;
    double start;

    CHECK_EQ_INT(harper__keylock_take(kl, 1, "x", 1, 1000, &one), HARPER_OK);
    CHECK_EQ_INT(harper__keylock_take(kl, 2, "y", 1, 1000, &two), HARPER_OK);
    /* Owner 1 waits for y in a thread; owner 2 asking for x closes the cycle. */
    CHECK_EQ_INT(pthread_create(&th, NULL, take_in_thread, &first), 0);
    usleep(100 * 1000);
    start = now_ms();
    CHECK_EQ_INT(harper__keylock_take(kl, 2, "x", 1, 10000, &two), HARPER_EBUSY);
    CHECK(now_ms() - start < 1000);
    harper__keylock_release(kl, &two);
    CHECK_EQ_INT(pthread_join(th, NULL), 0);
    CHECK_EQ_INT(first.rc, HARPER_OK);
    harper__keylock_release(kl, &first.held);
    harper__keylock_release(kl, &one);
    harper__keylocks_free(kl);
}

/* ---- the write set ---- */

static void check_get(const harper__wset *w, int cf, const char *key, int want_kind,
                      const char *want_val)
{
    const char *v = NULL;
    size_t len = 0;

    CHECK_EQ_INT(harper__wset_get(w, cf, key, strlen(key), &v, &len), want_kind);
    if (want_val != NULL)
        CHECK_EQ_MEM(v, len, want_val);
}

TEST(wset_reads_latest_and_rolls_back)
{
    harper__wset w = HARPER__WSET_INIT;
    size_t mark;
    char key[32];

    check_get(&w, 1, "a", 0, NULL);
    harper__wset_add(&w, HARPER__W_PUT, 1, "a", 1, "one", 3, true);
    harper__wset_add(&w, HARPER__W_PUT, 2, "a", 1, "other family", 12, true);
    harper__wset_add(&w, HARPER__W_PUT, 1, "b", 1, "hidden", 6, false);
    check_get(&w, 1, "a", HARPER__W_PUT, "one");
    check_get(&w, 2, "a", HARPER__W_PUT, "other family");
    check_get(&w, 1, "b", 0, NULL);
    mark = harper__wset_mark(&w);
    harper__wset_add(&w, HARPER__W_PUT, 1, "a", 1, "two", 3, true);
    harper__wset_add(&w, HARPER__W_DELETE, 1, "c", 1, NULL, 0, true);
    /* Enough keys to grow the table several times. */
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "k%d", i);
        harper__wset_add(&w, HARPER__W_PUT, 1, key, strlen(key), key, strlen(key), true);
    }
    check_get(&w, 1, "a", HARPER__W_PUT, "two");
    check_get(&w, 1, "c", HARPER__W_DELETE, NULL);
    check_get(&w, 1, "k499", HARPER__W_PUT, "k499");
    harper__wset_rollback(&w, mark);
    CHECK_EQ_INT(harper__wset_mark(&w), mark);
    check_get(&w, 1, "a", HARPER__W_PUT, "one");
    check_get(&w, 1, "c", 0, NULL);
    check_get(&w, 1, "k7", 0, NULL);
    CHECK(!w.failed);
    harper__wset_free(&w);
}

/* The batch is sorted by family and key, and writes to one key keep their order. */
TEST(wset_batch_is_sorted_and_keeps_order_per_key)
{
    harper__wset w = HARPER__WSET_INIT;
    char *err = NULL;
    rocksdb_options_t *opts = rocksdb_options_create();
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    const char *names[2] = {"default", "second"};
    const rocksdb_options_t *cf_opts[2] = {opts, opts};
    rocksdb_column_family_handle_t *cfs[2];
    rocksdb_writebatch_t *batch = rocksdb_writebatch_create();
    rocksdb_t *db;
    size_t len;
    char *v;

    rocksdb_options_set_create_if_missing(opts, 1);
    rocksdb_options_set_create_missing_column_families(opts, 1);
    db = rocksdb_open_column_families(opts, test_dir(), 2, names, cf_opts, cfs, &err);
    CHECK(err == NULL);
    harper__wset_add(&w, HARPER__W_PUT, 1, "z", 1, "first", 5, false);
    harper__wset_add(&w, HARPER__W_PUT, 0, "m", 1, "m", 1, false);
    harper__wset_add(&w, HARPER__W_DELETE, 1, "z", 1, NULL, 0, false);
    harper__wset_add(&w, HARPER__W_PUT, 1, "a", 1, "a", 1, false);
    harper__wset_add(&w, HARPER__W_PUT, 1, "z", 1, "last", 4, false);
    harper__wset_add(&w, HARPER__W_PUT, 0, "gone", 4, "x", 1, false);
    harper__wset_add(&w, HARPER__W_DELETE, 0, "gone", 4, NULL, 0, false);
    CHECK_EQ_INT(harper__wset_batch(&w, cfs, batch), 0);
    CHECK_EQ_INT(rocksdb_writebatch_count(batch), 7);
    rocksdb_write(db, wo, batch, &err);
    CHECK(err == NULL);
    v = rocksdb_get_cf(db, ro, cfs[1], "z", 1, &len, &err);
    CHECK_EQ_MEM(v, len, "last");
    rocksdb_free(v);
    v = rocksdb_get_cf(db, ro, cfs[0], "gone", 4, &len, &err);
    CHECK(v == NULL);
    v = rocksdb_get_cf(db, ro, cfs[0], "m", 1, &len, &err);
    CHECK_EQ_MEM(v, len, "m");
    rocksdb_free(v);
    rocksdb_writebatch_destroy(batch);
    harper__wset_free(&w);
    for (int i = 0; i < 2; i++)
        rocksdb_column_family_handle_destroy(cfs[i]);
    rocksdb_close(db);
    rocksdb_options_destroy(opts);
    rocksdb_readoptions_destroy(ro);
    rocksdb_writeoptions_destroy(wo);
}

/* ---- through the public API ---- */

static harper_table *dog_table(harper **h)
{
    harper_table *t = NULL;
    harper_error err;
    const char *def = "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\"},"
                      "{\"name\":\"name\",\"indexed\":true},{\"name\":\"age\"},"
                      "{\"name\":\"v\"}]}";

    CHECK_OK(harper_open(test_dir(), NULL, h, &err), &err);
    CHECK_OK(harper_table_create(*h, "data", "dog", def, strlen(def), &err), &err);
    CHECK_OK(harper_table_open(*h, "data", "dog", &t, &err), &err);
    return t;
}

static void txn_write(harper_txn *txn, harper_table *t, int kind, const char *json, int want)
{
    harper_error err;

    CHECK_ERR(harper_txn_write(txn, t, kind, NULL, 0, json, strlen(json), NULL, NULL, &err),
              want, &err, NULL);
}

static char *get_json(harper_table *t, const char *key)
{
    char *json = NULL;
    size_t len;
    harper_error err;

    if (harper_table_get(t, key, strlen(key), &json, &len, &err) != HARPER_OK)
        return NULL;
    return json;
}

TEST(txn_reads_its_own_writes)
{
    harper *h;
    harper_table *t = dog_table(&h);
    harper_txn *txn;
    harper_query *q;
    harper_cursor *c;
    harper_error err;
    const char *row;
    char *json;
    cJSON *rec;

    CHECK_OK(harper_txn_begin(h, "data", &txn, &err), &err);
    txn_write(txn, t, HARPER_WRITE_INSERT, "{\"id\":1,\"name\":\"Rex\"}", HARPER_OK);
    /* The insert is visible to the transaction: a second insert fails, an update merges. */
    txn_write(txn, t, HARPER_WRITE_INSERT, "{\"id\":1}", HARPER_EEXIST);
    txn_write(txn, t, HARPER_WRITE_UPDATE, "{\"id\":1,\"age\":3}", HARPER_OK);
    CHECK_OK(harper_txn_delete(txn, t, "1", 1, &err), &err);
    txn_write(txn, t, HARPER_WRITE_UPDATE, "{\"id\":1,\"age\":4}", HARPER_ENOTFOUND);
    txn_write(txn, t, HARPER_WRITE_UPSERT, "{\"id\":1,\"name\":\"Fido\"}", HARPER_OK);
    /* Nothing is visible outside before the commit. */
    CHECK(get_json(t, "1") == NULL);
    CHECK_OK(harper_txn_commit(txn, &err), &err);
    json = get_json(t, "1");
    CHECK(json != NULL);
    rec = cJSON_Parse(json);
    CHECK_EQ_STR(cJSON_GetObjectItem(rec, "name")->valuestring, "Fido");
    CHECK(cJSON_GetObjectItem(rec, "age") == NULL);
    cJSON_Delete(rec);
    harper_free(json);
    /* The index holds the committed value only, and the count is exact. */
    CHECK_OK(harper_query_new(t, &q, &err), &err);
    CHECK_OK(harper_query_where(q, "name", HARPER_EQUALS, "\"Rex\"", 5, &err), &err);
    CHECK_OK(harper_cursor_open(q, &c, &err), &err);
    CHECK_EQ_INT(harper_cursor_next(c, &row, &(size_t){0}, &err), 0);
    harper_cursor_close(c);
    harper_query_free(q);
    CHECK_EQ_INT(harper_table_count(t, 0, &err), 1);
    CHECK_EQ_INT(harper_table_check(t, &err), HARPER_OK);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

struct racer {
    harper *h;
    harper_table *t;
    harper_txn *txn;
    int rc;
};

static void *write_two(void *arg)
{
    struct racer *r = arg;
    harper_error err;

    r->rc = harper_txn_write(r->txn, r->t, HARPER_WRITE_UPSERT, NULL, 0, "{\"id\":1,\"v\":2}", 14,
                             NULL, NULL, &err);
    return NULL;
}

TEST(txn_deadlock_fails_one_writer_fast)
{
    harper *h;
    harper_table *t = dog_table(&h);
    harper_txn *a, *b;
    struct racer ra;
    harper_error err;
    pthread_t th;
    double start;

    CHECK_OK(harper_txn_begin(h, "data", &a, &err), &err);
    CHECK_OK(harper_txn_begin(h, "data", &b, &err), &err);
    txn_write(a, t, HARPER_WRITE_UPSERT, "{\"id\":1,\"v\":1}", HARPER_OK);
    txn_write(b, t, HARPER_WRITE_UPSERT, "{\"id\":2,\"v\":1}", HARPER_OK);
    ra = (struct racer){h, t, b, -1};
    /* b waits for a's record 1 ... */
    CHECK_EQ_INT(pthread_create(&th, NULL, write_two, &ra), 0);
    usleep(100 * 1000);
    CHECK_EQ_INT(ra.rc, -1);
    /* ... so a asking for b's record 2 is a deadlock, refused at once. */
    start = now_ms();
    txn_write(a, t, HARPER_WRITE_UPSERT, "{\"id\":2,\"v\":3}", HARPER_EBUSY);
    CHECK(now_ms() - start < 1000);
    CHECK_OK(harper_txn_commit(a, &err), &err);
    CHECK_EQ_INT(pthread_join(th, NULL), 0);
    CHECK_EQ_INT(ra.rc, HARPER_OK);
    CHECK_OK(harper_txn_commit(b, &err), &err);
    {
        char *json = get_json(t, "1");

        CHECK(json != NULL && strstr(json, "\"v\":2") != NULL);
        harper_free(json);
    }
    CHECK_EQ_INT(harper_table_count(t, 0, &err), 2);
    CHECK_EQ_INT(harper_table_check(t, &err), HARPER_OK);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}
