/* keylock.c: the record-key lock table (see keylock.h). Keys hash to one of a fixed number of
 * stripes; a stripe is a mutex, a condition variable its waiters sleep on, and a list of the
 * locked keys that hash there. Uncontended, taking a lock is one mutex round trip and one
 * allocation.
 *
 * Deadlocks: before sleeping, a waiter records the edge "I wait for owner X" in a small global
 * list and follows the edges from X; reaching itself means a cycle, and it gives up. The list
 * only holds the edges of owners asleep right now, so it stays as short as the thread count.
 * An edge may outlive the lock it was about (the lock changed hands while its waiter slept):
 * that can report a deadlock that is no longer there, never miss one for longer than the
 * time-out. Lock order: a stripe's mutex, then the edge list's. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "harper.h"
#include "keylock.h"

#define N_STRIPES 1024
#define MAX_CHAIN 64

struct harper__keylock {
    harper__keylock *next;      /* in its stripe */
    uint64_t hash;
    uint64_t owner;
    size_t len;
    char key[];
};

struct stripe {
    pthread_mutex_t mu;
    pthread_cond_t released;
    harper__keylock *locks;
};

struct edge {
    uint64_t waiter;
    uint64_t owner;
};

struct harper__keylocks {
    struct stripe stripes[N_STRIPES];
    pthread_mutex_t edges_mu;
    struct edge *edges;
    size_t n_edges;
    size_t cap_edges;
};

harper__keylocks *harper__keylocks_new(void)
{
    harper__keylocks *kl = calloc(1, sizeof *kl);
    pthread_condattr_t attr;

    if (kl == NULL)
        return NULL;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    for (size_t i = 0; i < N_STRIPES; i++) {
        pthread_mutex_init(&kl->stripes[i].mu, NULL);
        pthread_cond_init(&kl->stripes[i].released, &attr);
    }
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&kl->edges_mu, NULL);
    return kl;
}

void harper__keylocks_free(harper__keylocks *kl)
{
    if (kl == NULL)
        return;
    for (size_t i = 0; i < N_STRIPES; i++) {
        harper__keylock *l = kl->stripes[i].locks;

        while (l != NULL) {
            harper__keylock *next = l->next;

            free(l);
            l = next;
        }
        pthread_mutex_destroy(&kl->stripes[i].mu);
        pthread_cond_destroy(&kl->stripes[i].released);
    }
    pthread_mutex_destroy(&kl->edges_mu);
    free(kl->edges);
    free(kl);
}

static int held_add(harper__held_locks *held, harper__keylock *l)
{
    if (held->n == held->cap) {
        size_t cap = held->cap != 0 ? held->cap * 2 : 16;
        harper__keylock **grown = realloc(held->locks, cap * sizeof *grown);

        if (grown == NULL)
            return HARPER_ENOMEM;
        held->locks = grown;
        held->cap = cap;
    }
    held->locks[held->n++] = l;
    return HARPER_OK;
}

/* Records that `waiter` waits for `owner`, unless that closes a cycle: then returns false. */
static bool wait_edge_add(harper__keylocks *kl, uint64_t waiter, uint64_t owner)
{
    bool ok = true;
    uint64_t at = owner;

    pthread_mutex_lock(&kl->edges_mu);
    for (int steps = 0; steps < MAX_CHAIN && ok; steps++) {
        size_t i = 0;

        while (i < kl->n_edges && kl->edges[i].waiter != at)
            i++;
        if (i == kl->n_edges)
            break;
        at = kl->edges[i].owner;
        ok = at != waiter;
    }
    if (ok && kl->n_edges == kl->cap_edges) {
        size_t cap = kl->cap_edges != 0 ? kl->cap_edges * 2 : 16;
        struct edge *grown = realloc(kl->edges, cap * sizeof *grown);

        /* Without room for the edge, waiting would hide a possible cycle: give up instead. */
        if (grown == NULL)
            ok = false;
        else {
            kl->edges = grown;
            kl->cap_edges = cap;
        }
    }
    if (ok)
        kl->edges[kl->n_edges++] = (struct edge){waiter, owner};
    pthread_mutex_unlock(&kl->edges_mu);
    return ok;
}

static void wait_edge_remove(harper__keylocks *kl, uint64_t waiter)
{
    pthread_mutex_lock(&kl->edges_mu);
    for (size_t i = 0; i < kl->n_edges; i++) {
        if (kl->edges[i].waiter == waiter) {
            kl->edges[i] = kl->edges[--kl->n_edges];
            break;
        }
    }
    pthread_mutex_unlock(&kl->edges_mu);
}

int harper__keylock_take(harper__keylocks *kl, uint64_t owner, const char *key, size_t len,
                         int timeout_ms, harper__held_locks *held)
{
    uint64_t h = harper__hash(key, len);
    struct stripe *s = &kl->stripes[h % N_STRIPES];
    struct timespec deadline;
    harper__keylock *l;
    int rc = HARPER_OK;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (l = s->locks; l != NULL; l = l->next)
            if (l->hash == h && l->len == len && memcmp(l->key, key, len) == 0)
                break;
        if (l == NULL || l->owner == owner)
            break;
        if (!wait_edge_add(kl, owner, l->owner)) {
            rc = HARPER_EBUSY;
            break;
        }
        int waited = pthread_cond_timedwait(&s->released, &s->mu, &deadline);

        wait_edge_remove(kl, owner);
        if (waited == ETIMEDOUT) {
            rc = HARPER_EBUSY;
            break;
        }
    }
    if (rc == HARPER_OK && l == NULL) {
        l = malloc(sizeof *l + len);
        if (l == NULL || held_add(held, l) != HARPER_OK) {
            free(l);
            rc = HARPER_ENOMEM;
        } else {
            l->hash = h;
            l->owner = owner;
            l->len = len;
            memcpy(l->key, key, len);
            l->next = s->locks;
            s->locks = l;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void harper__keylock_release_from(harper__keylocks *kl, harper__held_locks *held, size_t keep)
{
    while (held->n > keep) {
        harper__keylock *l = held->locks[--held->n];
        struct stripe *s = &kl->stripes[l->hash % N_STRIPES];
        harper__keylock **at;

        pthread_mutex_lock(&s->mu);
        for (at = &s->locks; *at != NULL && *at != l; at = &(*at)->next)
            ;
        if (*at != NULL)
            *at = l->next;
        pthread_cond_broadcast(&s->released);
        pthread_mutex_unlock(&s->mu);
        free(l);
    }
}

void harper__keylock_release(harper__keylocks *kl, harper__held_locks *held)
{
    harper__keylock_release_from(kl, held, 0);
    free(held->locks);
    held->locks = NULL;
    held->cap = 0;
}
