/* test_table.c: databases, tables, records, transactions and the audit log through the public
 * API, on real RocksDB in the test's folder. */
#include <pthread.h>

#include <cjson/cJSON.h>

#include "test.h"

static harper *open_root(void)
{
    harper *h = NULL;
    harper_error err;

    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    return h;
}

static harper_table *make_table(harper *h, const char *db, const char *name, const char *def)
{
    harper_table *t = NULL;
    harper_error err;

    CHECK_OK(harper_table_create(h, db, name, def, strlen(def), &err), &err);
    CHECK_OK(harper_table_open(h, db, name, &t, &err), &err);
    return t;
}

static void put(harper_table *t, const char *json)
{
    harper_error err;

    CHECK_OK(harper_table_put(t, json, strlen(json), &err), &err);
}

/* Reads record `key` and returns its parsed JSON (the caller deletes it), or NULL if absent. */
static cJSON *get(harper_table *t, const char *key)
{
    char *json = NULL;
    size_t len = 0;
    harper_error err;
    int rc = harper_table_get(t, key, strlen(key), &json, &len, &err);
    cJSON *v;

    if (rc == HARPER_ENOTFOUND)
        return NULL;
    CHECK_OK(rc, &err);
    CHECK_EQ_INT(strlen(json), len);
    v = cJSON_Parse(json);
    CHECK(v != NULL);
    harper_free(json);
    return v;
}

static int exists(harper_table *t, const char *key)
{
    cJSON *rec = get(t, key);

    cJSON_Delete(rec);
    return rec != NULL;
}

static const char *str_of(const cJSON *rec, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *rec, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, name);

    CHECK(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void check_table(harper_table *t)
{
    harper_error err;

    CHECK_OK(harper_table_check(t, &err), &err);
}

TEST(table_put_get_bytes)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "data", "dog", "{\"primary_key\":\"id\"}");
    char *json = NULL;
    size_t len = 0;
    cJSON *rec;
    harper_error err;

    put(t, "{\"id\":1,\"name\":\"Harper\",\"tags\":[\"a\",\"b\"],\"owner\":{\"n\":null}}");
    CHECK_OK(harper_table_get(t, "1", 1, &json, &len, &err), &err);
    rec = cJSON_Parse(json);
    /* Stored as sent, with the two timestamps Harper adds to dynamic tables. */
    CHECK_EQ_STR(str_of(rec, "name"), "Harper");
    CHECK(num_of(rec, "__createdtime__") > 1.7e12);
    CHECK(num_of(rec, "__createdtime__") == num_of(rec, "__updatedtime__"));
    CHECK(strncmp(json,
                  "{\"id\":1,\"name\":\"Harper\",\"tags\":[\"a\",\"b\"],\"owner\":{\"n\":null},",
                  60) == 0);
    harper_free(json);
    cJSON_Delete(rec);
    /* Keys are type-exact: "1" is another record. */
    CHECK(!exists(t, "\"1\""));
    CHECK_ERR(harper_table_get(t, "2", 1, &json, &len, &err), HARPER_ENOTFOUND, &err, NULL);
    CHECK_EQ_INT(harper_table_count(t, 0, &err), 1);
    check_table(t);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_insert_patch_delete)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "data", "dog", "{\"primary_key\":\"id\"}");
    const char *first = "{\"id\":\"k\",\"a\":1,\"b\":2}";
    harper_error err;
    char *key = NULL;
    size_t key_len;
    cJSON *before;
    cJSON *after;

    CHECK_OK(harper_table_insert(t, first, strlen(first), &key, &key_len, &err), &err);
    CHECK_EQ_MEM(key, key_len, "\"k\"");
    harper_free(key);
    CHECK_ERR(harper_table_insert(t, "{\"id\":\"k\",\"a\":9}", 17, NULL, NULL, &err),
              HARPER_EEXIST, &err, "Record already exists");
    before = get(t, "\"k\"");
    CHECK_EQ_INT((int)num_of(before, "a"), 1);

    CHECK_OK(harper_table_patch(t, "{\"id\":\"k\",\"b\":null,\"c\":3}", 25, &err), &err);
    after = get(t, "\"k\"");
    CHECK_EQ_INT((int)num_of(after, "a"), 1);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(after, "b")));
    CHECK_EQ_INT((int)num_of(after, "c"), 3);
    /* Created time survives a merge; updated time moves on. */
    CHECK(num_of(after, "__createdtime__") == num_of(before, "__createdtime__"));
    CHECK(num_of(after, "__updatedtime__") > num_of(before, "__updatedtime__"));
    cJSON_Delete(after);

    put(t, "{\"id\":\"k\",\"z\":true}");
    after = get(t, "\"k\"");
    CHECK(cJSON_GetObjectItem(after, "a") == NULL);
    CHECK(num_of(after, "__createdtime__") == num_of(before, "__createdtime__"));
    cJSON_Delete(after);
    cJSON_Delete(before);

    CHECK_OK(harper_table_delete(t, "\"k\"", 3, &err), &err);
    CHECK(!exists(t, "\"k\""));
    CHECK_ERR(harper_table_delete(t, "\"k\"", 3, &err), HARPER_ENOTFOUND, &err, NULL);
    CHECK_EQ_INT(harper_table_count(t, 0, &err), 0);
    CHECK_EQ_INT(harper_table_count(t, HARPER_DESCRIBE_EXACT_COUNT, &err), 0);
    check_table(t);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_generated_keys)
{
    harper *h = open_root();
    harper_table *num = make_table(h, "data", "n", "{\"primary_key\":\"id\"}");
    harper_table *str = make_table(
        h, "data", "s",
        "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"ID\"}]}");
    harper_error err;
    harper_txn *txn;
    char *k1 = NULL;
    char *k2 = NULL;
    size_t l1;
    size_t l2;
    cJSON *rec;

    CHECK_OK(harper_table_insert(num, "{\"x\":1}", 7, &k1, &l1, &err), &err);
    CHECK_OK(harper_table_insert(num, "{\"x\":2}", 7, &k2, &l2, &err), &err);
    /* Numbers from a random start, one apart. */
    CHECK_EQ_INT(atoll(k2) - atoll(k1), 1);
    rec = get(num, k1);
    CHECK(rec != NULL && num_of(rec, "id") == atof(k1));
    /* The generated key is the record's first property. */
    CHECK_EQ_STR(rec->child->string, "id");
    cJSON_Delete(rec);
    harper_free(k1);
    harper_free(k2);

    /* A null key is generated too, and the record keeps its key's name. */
    CHECK_OK(harper_table_insert(num, "{\"id\":null,\"x\":3}", 17, &k1, &l1, &err), &err);
    rec = get(num, k1);
    CHECK(rec != NULL && num_of(rec, "id") == atof(k1) && num_of(rec, "x") == 3);
    cJSON_Delete(rec);
    harper_free(k1);
    CHECK_OK(harper_txn_begin(h, "data", &txn, &err), &err);
    CHECK_OK(harper_txn_write(txn, num, HARPER_WRITE_PUT, "\"given\"", 7, "{\"id\":1,\"x\":4}",
                              14, NULL, NULL, &err),
             &err);
    CHECK_OK(harper_txn_commit(txn, &err), &err);
    rec = get(num, "\"given\"");
    CHECK(rec != NULL && cJSON_IsString(cJSON_GetObjectItem(rec, "id")));
    cJSON_Delete(rec);

    CHECK_OK(harper_table_insert(str, "{\"x\":1}", 7, &k1, &l1, &err), &err);
    CHECK_EQ_INT(l1, 38);  /* a quoted UUID */
    CHECK_EQ_INT(k1[15], '4');
    rec = get(str, k1);
    CHECK(rec != NULL);
    cJSON_Delete(rec);
    harper_free(k1);
    harper_table_close(num);
    harper_table_close(str);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_bad_input_changes_nothing)
{
    harper *h = open_root();
    harper_table *t = make_table(
        h, "data", "dog",
        "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Long\"},"
        "{\"name\":\"age\",\"type\":\"Int\",\"indexed\":true}]}");
    harper_error err;
    static const struct {
        const char *json;
        const char *message;
    } cases[] = {
        {"{\"id\":1,", "Invalid JSON."},
        {"[1,2]", "record must be a JSON object"},
        {"{\"id\":null}", "Invalid primary key of null"},
        {"{\"id\":true}", "Invalid primary key type: boolean"},
        {"{\"id\":\"null\"}",
         "Invalid hash value: 'null' is not a valid hash attribute value, check log for more info"},
        {"{\"id\":1,\"age\":\"5\"}",
         "Value \"5\" in property age must be an integer (from -2147483648 to 2147483647)"},
    };

    put(t, "{\"id\":1,\"age\":4}");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_ERR(harper_table_put(t, cases[i].json, strlen(cases[i].json), &err), HARPER_EINVAL,
                  &err, cases[i].message);
    CHECK_EQ_INT(harper_table_count(t, HARPER_DESCRIBE_EXACT_COUNT, &err), 1);
    {
        cJSON *rec = get(t, "1");

        CHECK_EQ_INT((int)num_of(rec, "age"), 4);
        cJSON_Delete(rec);
    }
    check_table(t);

    CHECK_ERR(harper_table_open(h, "nope", "dog", &(harper_table *){NULL}, &err), HARPER_ENODB,
              &err, "database 'nope' does not exist");
    CHECK_ERR(harper_table_open(h, "data", "cat", &(harper_table *){NULL}, &err), HARPER_ENOTABLE,
              &err, "Table 'data.cat' does not exist");
    CHECK_ERR(harper_table_create(h, "data", "dog", "{\"primary_key\":\"id\"}", 20, &err),
              HARPER_EEXIST, &err, "Table 'dog' already exists in 'data'");
    CHECK_ERR(harper_table_create(h, "data", "a/b", "{\"primary_key\":\"id\"}", 20, &err),
              HARPER_EINVAL, &err, "'table' names cannot include backticks or forward slashes");
    CHECK_EQ_INT(harper_close(h), HARPER_EBUSY);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_reopen_keeps_everything)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "dev", "dog", "{\"primary_key\":\"id\"}");
    harper_error err;
    char *json = NULL;
    size_t len;
    cJSON *rec;

    for (int i = 0; i < 100; i++) {
        char rec_json[64];

        snprintf(rec_json, sizeof rec_json, "{\"id\":%d,\"name\":\"dog%d\"}", i, i);
        put(t, rec_json);
    }
    CHECK_OK(harper_table_add_missing_attributes(t, "{\"id\":1,\"name\":\"x\"}", 21, &json, &len,
                                                 &err),
             &err);
    CHECK_EQ_STR(json, "[\"name\"]");
    harper_free(json);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);

    h = open_root();
    CHECK_OK(harper_table_open(h, "dev", "dog", &t, &err), &err);
    CHECK_EQ_INT(harper_table_count(t, 0, &err), 100);
    rec = get(t, "42");
    CHECK_EQ_STR(str_of(rec, "name"), "dog42");
    cJSON_Delete(rec);
    CHECK_OK(harper_table_describe(t, 0, &json, &len, &err), &err);
    rec = cJSON_Parse(json);
    CHECK_EQ_STR(str_of(rec, "schema"), "dev");
    CHECK_EQ_STR(str_of(rec, "hash_attribute"), "id");
    CHECK_EQ_INT((int)num_of(rec, "record_count"), 100);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(rec, "schema_defined")));
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(rec, "attributes")), 4);
    CHECK(num_of(rec, "last_updated_record") > 1.7e12);
    cJSON_Delete(rec);
    harper_free(json);
    check_table(t);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_transaction_is_atomic)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "data", "dog", "{\"primary_key\":\"id\"}");
    harper_txn *txn;
    harper_error err;
    double t1;

    put(t, "{\"id\":1,\"v\":0}");
    CHECK_OK(harper_txn_begin(h, "data", &txn, &err), &err);
    CHECK_OK(harper_txn_write(txn, t, HARPER_WRITE_INSERT, NULL, 0, "{\"id\":2}", 8, NULL, NULL,
                              &err),
             &err);
    /* An outcome, not a failure: the transaction goes on. */
    CHECK_ERR(harper_txn_write(txn, t, HARPER_WRITE_INSERT, NULL, 0, "{\"id\":1}", 8, NULL, NULL,
                               &err),
              HARPER_EEXIST, &err, NULL);
    CHECK_ERR(harper_txn_write(txn, t, HARPER_WRITE_UPDATE, NULL, 0, "{\"id\":9}", 8, NULL, NULL,
                               &err),
              HARPER_ENOTFOUND, &err, NULL);
    CHECK_OK(harper_txn_delete(txn, t, "1", 1, &err), &err);
    harper_txn_abort(txn);
    CHECK(exists(t, "1"));
    CHECK(!exists(t, "2"));

    CHECK_OK(harper_txn_begin(h, "data", &txn, &err), &err);
    t1 = harper_txn_time(txn);
    CHECK_OK(harper_txn_write(txn, t, HARPER_WRITE_UPSERT, "3", 1, "{\"v\":3}", 7, NULL, NULL,
                              &err),
             &err);
    CHECK_OK(harper_txn_write(txn, t, HARPER_WRITE_UPDATE, NULL, 0, "{\"id\":1,\"v\":1}", 14,
                              NULL, NULL, &err),
             &err);
    CHECK_OK(harper_txn_commit(txn, &err), &err);
    {
        cJSON *r1 = get(t, "1");
        cJSON *r3 = get(t, "3");

        /* Every write of a transaction carries its time. */
        CHECK(num_of(r1, "__updatedtime__") == t1);
        CHECK(num_of(r3, "__createdtime__") == t1);
        CHECK_EQ_INT((int)num_of(r3, "id"), 3);
        cJSON_Delete(r1);
        cJSON_Delete(r3);
    }
    CHECK_EQ_INT(harper_table_count(t, 0, &err), 2);
    check_table(t);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_audit_log_in_order)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "data", "dog", "{\"primary_key\":\"id\"}");
    harper_audit_cursor *c;
    harper_error err;
    const char *json;
    size_t len;
    const char *want_ops[] = {"put", "upsert", "delete"};
    double times[3];
    int n = 0;
    int rc;

    put(t, "{\"id\":1,\"v\":1}");
    CHECK_OK(harper_table_patch(t, "{\"id\":1,\"v\":2}", 14, &err), &err);
    CHECK_OK(harper_table_delete(t, "1", 1, &err), &err);
    CHECK_OK(harper_audit_open(t, 0, 0, &c, &err), &err);
    while ((rc = harper_audit_next(c, &json, &len, &err)) == 1) {
        cJSON *e = cJSON_ParseWithLength(json, len);

        CHECK(n < 3);
        CHECK_EQ_STR(str_of(e, "operation"), want_ops[n]);
        CHECK_EQ_INT((int)num_of(e, "id"), 1);
        times[n] = num_of(e, "txn_time");
        if (n == 1)
            CHECK_EQ_INT((int)num_of(cJSON_GetObjectItem(e, "record"), "v"), 2);
        if (n == 2)
            CHECK(cJSON_GetObjectItem(e, "record") == NULL);
        cJSON_Delete(e);
        n++;
    }
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(n, 3);
    CHECK(times[0] < times[1] && times[1] < times[2]);
    harper_audit_close(c);

    /* A time range, then trimming what is older than the last entry. */
    CHECK_OK(harper_audit_open(t, times[1], times[2], &c, &err), &err);
    CHECK_EQ_INT(harper_audit_next(c, &json, &len, &err), 1);
    CHECK(strstr(json, "\"upsert\"") != NULL);
    CHECK_EQ_INT(harper_audit_next(c, &json, &len, &err), 0);
    harper_audit_close(c);
    CHECK_EQ_INT(harper_audit_delete_before(t, times[2], &err), 2);
    CHECK_OK(harper_audit_open(t, 0, 0, &c, &err), &err);
    CHECK_EQ_INT(harper_audit_next(c, &json, &len, &err), 1);
    CHECK(strstr(json, "\"delete\"") != NULL);
    harper_audit_close(c);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_attributes_and_drop)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "data", "dog", "{\"primary_key\":\"id\"}");
    harper_table *again;
    harper_error err;
    cJSON *rec;

    for (int i = 0; i < 50; i++) {
        char json[64];

        snprintf(json, sizeof json, "{\"id\":%d,\"age\":%d,\"tags\":[\"t%d\",\"all\"]}", i, i % 7,
                 i % 3);
        put(t, json);
    }
    /* Indexing attributes of existing records builds their entries. */
    CHECK_OK(harper_table_add_attribute(t, "age", 1, &err), &err);
    CHECK_OK(harper_table_add_attribute(t, "tags", 1, &err), &err);
    check_table(t);
    CHECK_ERR(harper_table_add_attribute(t, "age", 1, &err), HARPER_EEXIST, &err,
              "attribute 'age' already exists in data.dog");
    CHECK_ERR(harper_table_drop_attribute(t, "id", &err), HARPER_EINVAL, &err,
              "You cannot drop a hash attribute");
    CHECK_ERR(harper_table_drop_attribute(t, "__createdtime__", &err), HARPER_EINVAL, &err,
              "cannot drop internal timestamp attribute: __createdtime__");
    /* On a dynamic table dropping an attribute removes its values too. */
    CHECK_OK(harper_table_drop_attribute(t, "age", &err), &err);
    rec = get(t, "3");
    CHECK(cJSON_GetObjectItem(rec, "age") == NULL);
    CHECK(cJSON_GetObjectItem(rec, "tags") != NULL);
    cJSON_Delete(rec);
    check_table(t);

    CHECK_OK(harper_table_drop(h, "data", "dog", &err), &err);
    CHECK_ERR(harper_table_put(t, "{\"id\":1}", 8, &err), HARPER_ENOTABLE, &err,
              "Table 'data.dog' does not exist");
    harper_table_close(t);
    again = make_table(h, "data", "dog", "{\"primary_key\":\"id\"}");
    CHECK_EQ_INT(harper_table_count(again, HARPER_DESCRIBE_EXACT_COUNT, &err), 0);
    CHECK(!exists(again, "3"));
    harper_table_close(again);
    CHECK_OK(harper_close(h), NULL);
}

TEST(table_databases)
{
    harper *h = open_root();
    harper_error err;
    char *json;
    size_t len;

    CHECK_OK(harper_db_create(h, "dev", &err), &err);
    CHECK_ERR(harper_db_create(h, "dev", &err), HARPER_EEXIST, &err,
              "database 'dev' already exists");
    CHECK_OK(harper_db_create(h, "h*rper%1", &err), &err);
    CHECK_OK(harper_db_list(h, &json, &len, &err), &err);
    CHECK_EQ_STR(json, "[\"dev\",\"h*rper%1\"]");
    harper_free(json);
    CHECK_OK(harper_describe_all(h, 0, &json, &len, &err), &err);
    CHECK_EQ_STR(json, "{\"dev\":{},\"h*rper%1\":{}}");
    harper_free(json);
    CHECK_OK(harper_db_drop(h, "dev", &err), &err);
    CHECK(!harper_db_exists(h, "dev"));
    CHECK_ERR(harper_db_drop(h, "dev", &err), HARPER_ENODB, &err,
              "database 'dev' does not exist");
    CHECK_OK(harper_close(h), NULL);
}

/* ---- concurrency ---- */

struct hammer {
    harper_table *t;
    unsigned seed;
    int failures;
};

static void *hammer_thread(void *arg)
{
    struct hammer *hm = arg;
    harper_error err;

    for (int i = 0; i < 600; i++) {
        char json[128];
        int key = (int)(rand_r(&hm->seed) % 20);
        int op = (int)(rand_r(&hm->seed) % 10);
        int rc;

        if (op == 0) {
            snprintf(json, sizeof json, "%d", key);
            rc = harper_table_delete(hm->t, json, strlen(json), &err);
        } else {
            snprintf(json, sizeof json, "{\"id\":%d,\"color\":\"c%u\",\"tags\":[%u,%u]}", key,
                     rand_r(&hm->seed) % 5, rand_r(&hm->seed) % 4, rand_r(&hm->seed) % 4);
            rc = op < 5 ? harper_table_put(hm->t, json, strlen(json), &err)
                        : harper_table_patch(hm->t, json, strlen(json), &err);
        }
        if (rc != HARPER_OK && rc != HARPER_ENOTFOUND)
            hm->failures++;
    }
    return NULL;
}

TEST(table_concurrent_writers_keep_indexes_exact)
{
    harper *h = open_root();
    harper_table *t = make_table(
        h, "data", "dog",
        "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Int\"},"
        "{\"name\":\"color\",\"indexed\":true},{\"name\":\"tags\",\"indexed\":true}]}");
    struct hammer hm[4];
    pthread_t th[4];
    harper_error err;

    for (int i = 0; i < 4; i++) {
        hm[i] = (struct hammer){t, 1234u + (unsigned)i, 0};
        CHECK(pthread_create(&th[i], NULL, hammer_thread, &hm[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(hm[i].failures, 0);
    }
    check_table(t);
    CHECK_EQ_INT(harper_table_count(t, 0, &err), harper_table_count(t, 1, &err));
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

struct log_seen {
    int lines;
    int saw_open;
    int too_verbose;
};

static void count_log(int level, const char *module, const char *message, void *user)
{
    struct log_seen *seen = user;

    seen->lines++;
    seen->too_verbose += level > HARPER_LOG_INFO;
    if (level == HARPER_LOG_INFO && strcmp(module, "store") == 0 &&
        strncmp(message, "opened root ", 12) == 0)
        seen->saw_open = 1;
}

TEST(table_logs_through_the_callback_only)
{
    harper_options *opts;
    harper *h;
    harper_error err;
    struct log_seen seen = {0, 0, 0};

    CHECK_OK(harper_options_new(&opts), NULL);
    CHECK_EQ_INT(harper_options_set_log(opts, count_log, &seen, 9), HARPER_EINVAL);
    CHECK_OK(harper_options_set_log(opts, count_log, &seen, HARPER_LOG_INFO), NULL);
    CHECK_EQ_INT(harper_options_set_cache_size(opts, 1000), HARPER_EINVAL);
    CHECK_OK(harper_open(test_dir(), opts, &h, &err), &err);
    harper_options_free(opts);
    CHECK(seen.saw_open);
    /* Table creation is an INFO line; nothing arrives above the level asked for. */
    seen.lines = 0;
    CHECK_OK(harper_table_create(h, "data", "dog", "{\"primary_key\":\"id\"}", 20, &err), &err);
    CHECK(seen.lines >= 1);
    CHECK_EQ_INT(seen.too_verbose, 0);
    CHECK_OK(harper_close(h), NULL);
    CHECK_EQ_STR(harper_strerror(HARPER_ENOTABLE), "table does not exist");
    CHECK_EQ_STR(harper_strerror(12345), "unknown error");
}

/* HARPER_DESCRIBE_DEFINITION leaves out what needs counting or the disk. */
TEST(table_describe_definition_only)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "data", "dog", "{\"primary_key\":\"id\"}");
    harper_error err;
    char *json;
    size_t len;
    cJSON *full, *def;

    put(t, "{\"id\":1}");
    CHECK_OK(harper_table_describe(t, 0, &json, &len, &err), &err);
    full = cJSON_Parse(json);
    harper_free(json);
    CHECK_OK(harper_table_describe(t, HARPER_DESCRIBE_DEFINITION, &json, &len, &err), &err);
    def = cJSON_Parse(json);
    harper_free(json);
    CHECK(full != NULL && def != NULL);
    CHECK_EQ_INT((int)cJSON_GetObjectItem(full, "record_count")->valuedouble, 1);
    CHECK(cJSON_GetObjectItem(full, "last_updated_record") != NULL);
    CHECK(cJSON_GetObjectItem(def, "record_count") == NULL);
    CHECK(cJSON_GetObjectItem(def, "db_size") == NULL);
    CHECK(cJSON_GetObjectItem(def, "last_updated_record") == NULL);
    CHECK(cJSON_Compare(cJSON_GetObjectItem(full, "attributes"),
                        cJSON_GetObjectItem(def, "attributes"), 1));
    CHECK_EQ_STR(cJSON_GetObjectItem(def, "hash_attribute")->valuestring, "id");
    cJSON_Delete(full);
    cJSON_Delete(def);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}
