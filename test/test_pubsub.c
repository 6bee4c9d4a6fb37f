/* test_pubsub.c: subscriptions to tables and records, through the public API. */
#include <pthread.h>

#include <cjson/cJSON.h>

#include "test.h"

struct seen {
    pthread_mutex_t lock;
    char log[8192];             /* "kind id value;" per event */
    int n;
    int last_age[2];            /* per writer of the ordering test: the last age seen */
    int out_of_order;
    char last_value[64];
};

static void on_event(void *ctx, const harper_event *ev)
{
    struct seen *s = ctx;
    size_t at;

    pthread_mutex_lock(&s->lock);
    at = strlen(s->log);
    snprintf(s->log + at, sizeof s->log - at, "%s %.*s %.*s;",
             ev->kind == HARPER_EVENT_PUT      ? "put"
             : ev->kind == HARPER_EVENT_DELETE ? "delete"
                                               : "message",
             (int)ev->id_len, ev->id, ev->value != NULL ? (int)ev->value_len : 4,
             ev->value != NULL ? ev->value : "null");
    if (ev->value != NULL && ev->value_len < sizeof s->last_value) {
        const char *age;
        int v, w;

        memcpy(s->last_value, ev->value, ev->value_len);      /* values are not terminated */
        s->last_value[ev->value_len] = '\0';
        age = strstr(s->last_value, "\"age\":");
        v = age != NULL ? atoi(age + 6) : -1;
        w = v >= 1000;
        if (age != NULL && v <= s->last_age[w])
            s->out_of_order++;
        if (age != NULL)
            s->last_age[w] = v;
    }
    s->n++;
    pthread_mutex_unlock(&s->lock);
}

static harper_table *dog_table(harper **h)
{
    harper_table *t = NULL;
    harper_error err;
    const char *def = "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Int\"},"
                      "{\"name\":\"name\"},{\"name\":\"age\",\"indexed\":true}]}";

    CHECK_OK(harper_open(test_dir(), NULL, h, &err), &err);
    CHECK_OK(harper_table_create(*h, "data", "dog", def, strlen(def), &err), &err);
    CHECK_OK(harper_table_open(*h, "data", "dog", &t, &err), &err);
    return t;
}

#define SEEN_INIT {PTHREAD_MUTEX_INITIALIZER, "", 0, {-1, 999}, 0, ""}

TEST(pubsub_writes_reach_table_and_record_subscribers)
{
    harper *h;
    harper_table *t = dog_table(&h);
    struct seen all = SEEN_INIT, one = SEEN_INIT;
    harper_subscription *s_all, *s_one;
    harper_txn *txn;
    harper_error err;

    CHECK_OK(harper_table_subscribe(t, NULL, 0, on_event, &all, &s_all, &err), &err);
    CHECK_OK(harper_table_subscribe(t, "1", 1, on_event, &one, &s_one, &err), &err);
    CHECK_ERR(harper_table_subscribe(t, "{", 1, on_event, &one, &(harper_subscription *){0},
                                     &err),
              HARPER_EINVAL, &err, NULL);
    CHECK_OK(harper_table_put(t, "{\"id\":1,\"name\":\"Rex\"}", 21, &err), &err);
    CHECK_OK(harper_table_put(t, "{\"id\":2,\"name\":\"Ace\"}", 21, &err), &err);
    /* A patch is delivered as the whole record. */
    CHECK_OK(harper_table_patch(t, "{\"id\":1,\"age\":3}", 16, &err), &err);
    CHECK_OK(harper_table_delete(t, "1", 1, &err), &err);
    CHECK_EQ_STR(one.log, "put 1 {\"id\":1,\"name\":\"Rex\"};"
                          "put 1 {\"id\":1,\"name\":\"Rex\",\"age\":3};delete 1 null;");
    CHECK_EQ_INT(all.n, 4);
    CHECK(strstr(all.log, "put 2 {\"id\":2,\"name\":\"Ace\"};") != NULL);

    /* An aborted transaction and a failed write deliver nothing. */
    CHECK_OK(harper_txn_begin(h, "data", &txn, &err), &err);
    CHECK_OK(harper_txn_write(txn, t, HARPER_WRITE_PUT, NULL, 0, "{\"id\":1}", 8, NULL, NULL,
                              &err),
             &err);
    harper_txn_abort(txn);
    CHECK_OK(harper_txn_begin(h, "data", &txn, &err), &err);
    CHECK_ERR(harper_txn_write(txn, t, HARPER_WRITE_INSERT, NULL, 0, "{\"id\":2}", 8, NULL, NULL,
                               &err),
              HARPER_EEXIST, &err, NULL);
    CHECK_OK(harper_txn_write(txn, t, HARPER_WRITE_INSERT, NULL, 0, "{\"id\":3}", 8, NULL, NULL,
                              &err),
             &err);
    CHECK_EQ_INT(all.n, 4);                     /* nothing before the commit */
    CHECK_OK(harper_txn_commit(txn, &err), &err);
    CHECK_EQ_INT(all.n, 5);
    CHECK(strstr(all.log, "put 3 {\"id\":3};") != NULL);

    /* A closed subscription hears nothing more; open ones keep the root busy. */
    harper_subscription_close(s_all);
    CHECK_OK(harper_table_put(t, "{\"id\":1}", 8, &err), &err);
    CHECK_EQ_INT(all.n, 5);
    CHECK_EQ_INT(one.n, 4);
    harper_table_close(t);
    CHECK_EQ_INT(harper_close(h), HARPER_EBUSY);
    harper_subscription_close(s_one);
    CHECK_OK(harper_close(h), NULL);
}

TEST(pubsub_messages_are_delivered_and_logged_not_stored)
{
    harper *h;
    harper_table *t = dog_table(&h);
    struct seen all = SEEN_INIT, one = SEEN_INIT, other = SEEN_INIT;
    harper_subscription *s[3];
    harper_audit_cursor *ac;
    harper_error err;
    const char *row;
    size_t len;
    char *json;
    int n_messages = 0;

    CHECK_OK(harper_table_put(t, "{\"id\":1,\"name\":\"Rex\"}", 21, &err), &err);
    CHECK_OK(harper_table_subscribe(t, NULL, 0, on_event, &all, &s[0], &err), &err);
    CHECK_OK(harper_table_subscribe(t, "1", 1, on_event, &one, &s[1], &err), &err);
    CHECK_OK(harper_table_subscribe(t, "2", 1, on_event, &other, &s[2], &err), &err);
    CHECK_OK(harper_table_publish(t, "1", 1, "{\"bark\":true}", 13, &err), &err);
    CHECK_OK(harper_table_publish(t, "1", 1, "not json", 8, &err), &err);
    CHECK_EQ_STR(one.log, "message 1 {\"bark\":true};message 1 not json;");
    CHECK_EQ_INT(all.n, 2);
    CHECK_EQ_INT(other.n, 0);
    CHECK_OK(harper_table_get(t, "1", 1, &json, &len, &err), &err);
    CHECK_EQ_STR(json, "{\"id\":1,\"name\":\"Rex\"}");
    harper_free(json);
    CHECK_OK(harper_audit_open(t, 0, 0, &ac, &err), &err);
    while (harper_audit_next(ac, &row, &len, &err) == 1)
        if (strstr(row, "\"operation\":\"message\"") != NULL) {
            n_messages++;
            CHECK(strstr(row, "\"record\":\"not json\"") != NULL ||
                  strstr(row, "\"record\":{\"bark\":true}") != NULL);
        }
    harper_audit_close(ac);
    CHECK_EQ_INT(n_messages, 2);
    for (int i = 0; i < 3; i++)
        harper_subscription_close(s[i]);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}

struct writer {
    harper_table *t;
    int from;
};

static void *patch_many(void *arg)
{
    struct writer *w = arg;
    harper_error err;
    char rec[64];

    for (int i = 0; i < 300; i++) {
        snprintf(rec, sizeof rec, "{\"id\":1,\"age\":%d}", w->from + i);
        if (harper_table_patch(w->t, rec, strlen(rec), &err) != HARPER_OK)
            return (void *)1;
    }
    return NULL;
}

/* Writers of one record race; its subscriber sees each writer's writes in order and ends on
 * the value the record has: the commit order. */
TEST(pubsub_one_record_in_commit_order)
{
    harper *h;
    harper_table *t = dog_table(&h);
    struct seen one = SEEN_INIT;
    harper_subscription *s;
    struct writer w[2] = {{NULL, 0}, {NULL, 1000}};
    pthread_t th[2];
    harper_error err;
    void *rc;

    CHECK_OK(harper_table_subscribe(t, "1", 1, on_event, &one, &s, &err), &err);
    for (int i = 0; i < 2; i++) {
        w[i].t = t;
        CHECK_EQ_INT(pthread_create(&th[i], NULL, patch_many, &w[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(pthread_join(th[i], &rc), 0);
        CHECK(rc == NULL);
    }
    CHECK_EQ_INT(one.n, 600);
    CHECK_EQ_INT(one.out_of_order, 0);
    {
        char *json;
        size_t len;

        CHECK_OK(harper_table_get(t, "1", 1, &json, &len, &err), &err);
        CHECK_EQ_STR(json, one.last_value);
        harper_free(json);
    }
    harper_subscription_close(s);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}
