/* clock.c: the hybrid logical clock (see clock.h). */
#include "clock.h"

#include <stdatomic.h>
#include <time.h>

static uint64_t wall_version(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000) << HARPER__CLOCK_SHIFT;
}

uint64_t harper__clock_next(harper__clock *c)
{
    uint64_t wall = wall_version();
    uint64_t last = atomic_load(&c->last);
    uint64_t next;

    do {
        next = wall > last ? wall : last + 1;
    } while (!atomic_compare_exchange_weak(&c->last, &last, next));
    return next;
}

void harper__clock_observe(harper__clock *c, uint64_t seen)
{
    uint64_t last = atomic_load(&c->last);

    while (seen > last && !atomic_compare_exchange_weak(&c->last, &last, seen))
        ;
}

double harper__version_ms(uint64_t version)
{
    return (double)version / (double)(1u << HARPER__CLOCK_SHIFT);
}

uint64_t harper__version_from_ms(double ms)
{
    if (ms <= 0)
        return 0;
    return (uint64_t)(ms * (double)(1u << HARPER__CLOCK_SHIFT));
}
