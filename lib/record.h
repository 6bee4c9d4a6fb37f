/* record.h: the stored form of a record: a fixed header, then the JSON text exactly as it is
 * served, so a read is a RocksDB get and a copy.
 *   byte 0      format (1)
 *   byte 1      flags (reserved, 0)
 *   bytes 2-9   version, big-endian (see clock.h)
 *   bytes 10-17 expiry in epoch ms, big-endian; 0 = never */
#ifndef HARPER_RECORD_H
#define HARPER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define HARPER__REC_FORMAT 1
#define HARPER__REC_HEADER 18

typedef struct harper__rec_view {
    uint64_t version;
    uint64_t expires_ms;
    const char *json;       /* points into the stored value, not NUL-terminated */
    size_t json_len;
} harper__rec_view;

/* Appends a header to `out`; the caller appends the JSON after it. */
void harper__rec_header(harper__buf *out, uint64_t version, uint64_t expires_ms);

/* Splits a stored value. HARPER_ECORRUPT if it is too short or of an unknown format. */
int harper__rec_parse(const char *value, size_t len, harper__rec_view *out);

#endif
