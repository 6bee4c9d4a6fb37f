/* pubsub.h: the events a transaction collects for subscribers, delivered after its commit
 * (pubsub.c). A transaction adds an event per write only when the table has subscribers. */
#ifndef HARPER_PUBSUB_H
#define HARPER_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "store.h"

typedef struct harper__event_rec {
    harper_table *t;            /* the transaction holds a reference until delivery */
    int kind;                   /* enum harper_event_kind */
    size_t pk_at, pk_len;       /* encoded primary key (keycodec), in bytes */
    size_t id_at, id_len;       /* primary key as JSON */
    size_t val_at, val_len;     /* value; has_val false for a delete */
    bool has_val;
} harper__event_rec;

typedef struct harper__events {
    harper__buf bytes;
    harper__event_rec *v;
    size_t n;
    size_t cap;
    bool failed;                /* out of memory: the events are lost, not the commit */
} harper__events;

#define HARPER__EVENTS_INIT {HARPER__BUF_INIT, NULL, 0, 0, false}

/* Whether writes to t need their events collected. */
bool harper__pubsub_wanted(harper_table *t);

void harper__events_add(harper__events *e, harper_table *t, int kind, const char *pk,
                        size_t pk_len, const char *id, size_t id_len, const char *val,
                        size_t val_len, bool has_val);

/* Drops the events added after the first `keep` (a failed write's). */
void harper__events_truncate(harper__events *e, size_t keep);

/* Delivers every event, in the order added, to the matching subscribers. */
void harper__events_deliver(harper__events *e, double time_ms);

void harper__events_free(harper__events *e);

#endif
