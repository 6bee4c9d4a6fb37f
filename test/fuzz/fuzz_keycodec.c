/* fuzz_keycodec.c: libFuzzer target for the key decoder (lib/keycodec.c).
 * Feeds arbitrary bytes to harper__key_skip and harper__key_decode, one value after another
 * as in a composite key, and aborts when an invariant breaks:
 *   - skip stays within the input, and decode fails (HARPER_ECORRUPT) exactly when skip does;
 *   - a decoded value re-encodes to exactly the bytes it came from: the decoder accepts only
 *     canonical encodings (no -0, NaN or infinity), so this is stronger than asking that
 *     encode(decode(x)) be a fixed point;
 *   - a value decode cannot represent (HARPER_EINVAL: a string with a NUL) is still well formed;
 *   - harper__key_encode_pk, given a decoded value, writes the same bytes as
 *     harper__key_encode or refuses with a message and leaves the buffer as it was, and never
 *     accepts a key over HARPER__KEY_MAX_PK bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harper.h"
#include "keycodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t offset)
{
    fprintf(stderr, "fuzz_keycodec: %s at offset %zu\n", what, offset);
    abort();
}

/* Checks harper__key_encode_pk on a decoded value: when it accepts, its bytes must be the
 * plain encoding; when it refuses, `out` must be unchanged. */
static void check_pk(const cJSON *v, const harper__buf *plain, size_t offset)
{
    harper__buf pk = HARPER__BUF_INIT;
    char msg[128];
    int rc;

    harper__buf_byte(&pk, 0xAA);
    rc = harper__key_encode_pk(&pk, v, msg, sizeof msg);
    if (rc == HARPER_OK) {
        if (pk.len != plain->len + 1 || memcmp(pk.data + 1, plain->data, plain->len) != 0)
            fail("pk encoding differs from the plain encoding", offset);
        if (plain->len > HARPER__KEY_MAX_PK)
            fail("pk over the size limit accepted", offset);
    } else if (rc == HARPER_EINVAL) {
        if (pk.len != 1)
            fail("refused pk changed the buffer", offset);
        if (msg[0] == '\0')
            fail("refused pk without a message", offset);
    } else if (rc != HARPER_ENOMEM) {
        fail("unexpected pk result", offset);
    }
    harper__buf_free(&pk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t offset = 0;

    /* A composite key is values back to back; walk them as store.c and query.c will. */
    while (offset < size) {
        const uint8_t *p = data + offset;
        size_t len = size - offset;
        size_t n = harper__key_skip(p, len);
        size_t used = 0;
        cJSON *v = NULL;
        harper__buf re = HARPER__BUF_INIT;
        int rc = harper__key_decode(p, len, &used, &v);

        if (n > len)
            fail("skip past the end", offset);
        if (n == 0) {
            if (rc != HARPER_ECORRUPT)
                fail("skip refused what decode did not", offset);
            return 0;
        }
        if (rc == HARPER_OK) {
            if (used != n)
                fail("decode and skip disagree on the length", offset);
            if (harper__key_encode(&re, v) != HARPER_OK)
                fail("decoded value does not encode", offset);
            if (re.len != n || memcmp(re.data, p, n) != 0)
                fail("re-encoding differs from the input", offset);
            check_pk(v, &re, offset);
        } else if (rc != HARPER_EINVAL && rc != HARPER_ENOMEM) {
            fail("decode refused what skip accepted", offset);
        }
        harper__buf_free(&re);
        cJSON_Delete(v);
        offset += n;
    }
    return 0;
}
