/* auth_cache.c: a small table of recent logins (see auth_cache.h). Slots are chosen by a hash
 * of the header value; a collision replaces the older entry, which only costs a login. The
 * header is compared whole, so two values never share an entry. An epoch counter makes
 * forgetting O(1): entries of an older epoch are misses. */
#include "auth_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

#define SLOTS 256
#define MAX_HEADER 512
#define MAX_USER 256

struct entry {
    char header[MAX_HEADER];
    char user[MAX_USER];
    bool super;
    uint64_t epoch;
    int64_t expires_ms;
};

static struct {
    pthread_mutex_t lock;
    struct entry slots[SLOTS];
    long ttl_ms;
    _Atomic uint64_t epoch;     /* starts at 1: a zeroed slot is never current */
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER, .epoch = 1};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void auth_cache_set_ttl(long ttl_ms)
{
    pthread_mutex_lock(&cache.lock);
    cache.ttl_ms = ttl_ms;
    pthread_mutex_unlock(&cache.lock);
}

static struct entry *slot_of(const char *header)
{
    return &cache.slots[harper__hash(header, strlen(header)) % SLOTS];
}

bool auth_cache_get(const char *header, char *user, size_t user_size, bool *super)
{
    struct entry *e;
    bool hit;

    if (header == NULL || strlen(header) >= MAX_HEADER)
        return false;
    pthread_mutex_lock(&cache.lock);
    e = slot_of(header);
    hit = cache.ttl_ms > 0 && e->epoch == atomic_load(&cache.epoch) &&
          e->expires_ms > now_ms() && strcmp(e->header, header) == 0 &&
          strlen(e->user) < user_size;
    if (hit) {
        memcpy(user, e->user, strlen(e->user) + 1);
        *super = e->super;
    }
    pthread_mutex_unlock(&cache.lock);
    return hit;
}

void auth_cache_put(const char *header, const char *user, bool super)
{
    struct entry *e;

    if (header == NULL || user == NULL || strlen(header) >= MAX_HEADER ||
        strlen(user) >= MAX_USER)
        return;
    pthread_mutex_lock(&cache.lock);
    if (cache.ttl_ms > 0) {
        e = slot_of(header);
        memcpy(e->header, header, strlen(header) + 1);
        memcpy(e->user, user, strlen(user) + 1);
        e->super = super;
        e->epoch = atomic_load(&cache.epoch);
        e->expires_ms = now_ms() + cache.ttl_ms;
    }
    pthread_mutex_unlock(&cache.lock);
}

void auth_cache_forget(void)
{
    atomic_fetch_add(&cache.epoch, 1);
}
