/* keylock.h: exclusive locks on record keys, held by a transaction from its first read of a
 * record until it is written to RocksDB or abandoned. They make writers of one record take
 * turns, so the index entries a write removes are those of the value it replaces.
 *
 * A lock names its owner by a transaction id (never reused), not a pointer. A wait that would
 * close a cycle of waiting owners fails at once with HARPER_EBUSY; any other wait gives up with
 * HARPER_EBUSY after the time-out. Thread-safe. */
#ifndef HARPER_KEYLOCK_H
#define HARPER_KEYLOCK_H

#include <stddef.h>
#include <stdint.h>

typedef struct harper__keylocks harper__keylocks;
typedef struct harper__keylock harper__keylock;

/* The locks a transaction holds, released together. */
typedef struct harper__held_locks {
    harper__keylock **locks;
    size_t n;
    size_t cap;
} harper__held_locks;

harper__keylocks *harper__keylocks_new(void);
void harper__keylocks_free(harper__keylocks *kl);

/* Takes the lock on `key` for `owner`, waiting up to timeout_ms for another owner to release
 * it. Taking a lock the owner already holds succeeds without a second entry in `held`.
 * HARPER_OK, HARPER_EBUSY (deadlock or time-out) or HARPER_ENOMEM. */
int harper__keylock_take(harper__keylocks *kl, uint64_t owner, const char *key, size_t len,
                         int timeout_ms, harper__held_locks *held);

/* Releases every lock in `held`, waking their waiters, and empties it. */
void harper__keylock_release(harper__keylocks *kl, harper__held_locks *held);

/* Releases the locks taken after the first `keep` of `held` (a rolled-back write's). */
void harper__keylock_release_from(harper__keylocks *kl, harper__held_locks *held, size_t keep);

#endif
