/* auth_cache.h: who an Authorization header value authenticated as, remembered for
 * authentication.cacheTTL milliseconds as Harper remembers it, so that a request with known
 * credentials reads no user record. Any change to users or roles forgets everything.
 * Thread-safe. */
#ifndef HARPER_SERVER_AUTH_CACHE_H
#define HARPER_SERVER_AUTH_CACHE_H

#include <stdbool.h>
#include <stddef.h>

/* Sets how long an entry lives (0 or less: nothing is remembered). */
void auth_cache_set_ttl(long ttl_ms);

/* true and the user when `header` authenticated within the TTL. */
bool auth_cache_get(const char *header, char *user, size_t user_size, bool *super);

void auth_cache_put(const char *header, const char *user, bool super);

/* Forgets every entry (users or roles changed). */
void auth_cache_forget(void);

#endif
