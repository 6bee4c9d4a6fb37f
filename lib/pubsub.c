/* pubsub.c: subscriptions to a table's records and the delivery of committed writes and
 * published messages to them (the API is in harper.h). A table keeps its subscriptions in a
 * list under a mutex; delivery holds that mutex, so a closed subscription never runs again and
 * events of one table reach a subscriber one at a time. Matching is by the encoded primary
 * key, the same bytes the store uses, so 1 and "1" are different records here too.
 * Protocol-level topic filters (MQTT's `+`, multi-part ids) are the caller's: a subscription
 * here is a whole table or one record. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "keycodec.h"
#include "pubsub.h"
#include "txn.h"

struct harper_subscription {
    harper_subscription *next;
    harper_table *t;            /* referenced */
    harper_event_fn fn;
    void *ctx;
    size_t pk_len;              /* 0: every record */
    char pk[];                  /* encoded primary key */
};

bool harper__pubsub_wanted(harper_table *t)
{
    return atomic_load(&t->n_subs) > 0;
}

int harper_table_subscribe(harper_table *t, const char *id, size_t id_len, harper_event_fn fn,
                           void *ctx, harper_subscription **out, harper_error *err)
{
    harper__buf pk = HARPER__BUF_INIT;
    harper_subscription *s;
    char msg[128];

    if (t == NULL || fn == NULL || out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table, a callback and an output are "
                                                     "required");
    *out = NULL;
    if (id != NULL) {
        cJSON *k = cJSON_ParseWithLength(id, id_len);
        int rc = k != NULL ? harper__key_encode_pk(&pk, k, msg, sizeof msg) : HARPER_EINVAL;

        cJSON_Delete(k);
        if (rc != HARPER_OK || pk.failed) {
            harper__buf_free(&pk);
            return harper__error_set(err, pk.failed ? HARPER_ENOMEM : HARPER_EINVAL, "%s",
                                     pk.failed ? "out of memory"
                                     : k == NULL ? "the id is not valid JSON" : msg);
        }
    }
    s = calloc(1, sizeof *s + pk.len);
    if (s == NULL) {
        harper__buf_free(&pk);
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    s->t = t;
    s->fn = fn;
    s->ctx = ctx;
    s->pk_len = pk.len;
    if (pk.len > 0)
        memcpy(s->pk, pk.data, pk.len);
    harper__buf_free(&pk);
    harper__table_ref(t);
    atomic_fetch_add(&t->db->root->open_handles, 1);
    pthread_mutex_lock(&t->subs_lock);
    s->next = t->subs;
    t->subs = s;
    atomic_fetch_add(&t->n_subs, 1);
    pthread_mutex_unlock(&t->subs_lock);
    *out = s;
    return HARPER_OK;
}

void harper_subscription_close(harper_subscription *s)
{
    harper_table *t;
    harper_subscription **at;

    if (s == NULL)
        return;
    t = s->t;
    pthread_mutex_lock(&t->subs_lock);
    for (at = &t->subs; *at != NULL && *at != s; at = &(*at)->next)
        ;
    if (*at != NULL) {
        *at = s->next;
        atomic_fetch_sub(&t->n_subs, 1);
    }
    pthread_mutex_unlock(&t->subs_lock);
    atomic_fetch_sub(&t->db->root->open_handles, 1);
    harper__table_unref(t);
    free(s);
}

void harper__events_add(harper__events *e, harper_table *t, int kind, const char *pk,
                        size_t pk_len, const char *id, size_t id_len, const char *val,
                        size_t val_len, bool has_val)
{
    harper__event_rec *r;

    if (e->failed)
        return;
    if (e->n == e->cap) {
        size_t cap = e->cap != 0 ? e->cap * 2 : 16;
        harper__event_rec *grown = realloc(e->v, cap * sizeof *grown);

        if (grown == NULL) {
            e->failed = true;
            return;
        }
        e->v = grown;
        e->cap = cap;
    }
    r = &e->v[e->n];
    *r = (harper__event_rec){t, kind, e->bytes.len, pk_len, 0, id_len, 0, val_len, has_val};
    harper__buf_append(&e->bytes, pk, pk_len);
    r->id_at = e->bytes.len;
    harper__buf_append(&e->bytes, id, id_len);
    r->val_at = e->bytes.len;
    if (has_val && val_len > 0)
        harper__buf_append(&e->bytes, val, val_len);
    if (e->bytes.failed)
        e->failed = true;
    else
        e->n++;
}

void harper__events_truncate(harper__events *e, size_t keep)
{
    if (keep < e->n) {
        e->bytes.len = e->v[keep].pk_at;
        e->n = keep;
    }
}

void harper__events_deliver(harper__events *e, double time_ms)
{
    if (e->failed) {
        if (e->n > 0)
            HARPER__LOG(&e->v[0].t->db->root->log, HARPER_LOG_ERROR, "pubsub",
                        "out of memory: events of a committed transaction were not delivered");
        return;
    }
    for (size_t i = 0; i < e->n; i++) {
        const harper__event_rec *r = &e->v[i];
        const harper__table_def *def = r->t->def;
        const char *pk = e->bytes.data + r->pk_at;
        harper_event ev = {r->kind, def->db, def->name, e->bytes.data + r->id_at, r->id_len,
                           r->has_val ? e->bytes.data + r->val_at : NULL, r->val_len, time_ms};

        pthread_mutex_lock(&r->t->subs_lock);
        for (harper_subscription *s = r->t->subs; s != NULL; s = s->next)
            if (s->pk_len == 0 || (s->pk_len == r->pk_len && memcmp(s->pk, pk, r->pk_len) == 0))
                s->fn(s->ctx, &ev);
        pthread_mutex_unlock(&r->t->subs_lock);
    }
}

void harper__events_free(harper__events *e)
{
    harper__buf_free(&e->bytes);
    free(e->v);
    *e = (harper__events)HARPER__EVENTS_INIT;
}

int harper_table_publish(harper_table *t, const char *id, size_t id_len, const char *msg,
                         size_t len, harper_error *err)
{
    harper_txn *txn;
    int rc;

    if (t == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a table is required");
    rc = harper_txn_begin(t->db->root, t->db->name, &txn, err);
    if (rc != HARPER_OK)
        return rc;
    rc = harper__txn_message(txn, t, id, id_len, msg, len, err);
    if (rc == HARPER_OK)
        return harper_txn_commit(txn, err);
    harper_txn_abort(txn);
    return rc;
}
