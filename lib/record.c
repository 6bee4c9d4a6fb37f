/* record.c: the record header (see record.h). */
#include "record.h"

#include "harper.h"

void harper__rec_header(harper__buf *out, uint64_t version, uint64_t expires_ms)
{
    harper__buf_byte(out, HARPER__REC_FORMAT);
    harper__buf_byte(out, 0);
    harper__buf_u64be(out, version);
    harper__buf_u64be(out, expires_ms);
}

int harper__rec_parse(const char *value, size_t len, harper__rec_view *out)
{
    if (len < HARPER__REC_HEADER || (uint8_t)value[0] != HARPER__REC_FORMAT)
        return HARPER_ECORRUPT;
    out->version = harper__get_u64be(value + 2);
    out->expires_ms = harper__get_u64be(value + 10);
    out->json = value + HARPER__REC_HEADER;
    out->json_len = len - HARPER__REC_HEADER;
    return HARPER_OK;
}
