/* clock.h: versions. A version is a hybrid-logical-clock value, (epoch ms << 12) | counter: it
 * is unique and increasing across one root even when the wall clock stalls or steps back, and
 * version / 4096.0 is exact as a double, which is Harper's txn_time in ms with a fraction. */
#ifndef HARPER_CLOCK_H
#define HARPER_CLOCK_H

#include <stdint.h>

#define HARPER__CLOCK_SHIFT 12

typedef struct harper__clock {
    _Atomic uint64_t last;
} harper__clock;

/* A new version, greater than every one handed out before by this clock. Thread-safety: safe. */
uint64_t harper__clock_next(harper__clock *c);

/* Makes later versions exceed `seen` (a version read from disk). Thread-safety: safe. */
void harper__clock_observe(harper__clock *c, uint64_t seen);

double harper__version_ms(uint64_t version);
uint64_t harper__version_from_ms(double ms);

#endif
