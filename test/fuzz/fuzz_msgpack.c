/* fuzz_msgpack.c: arbitrary bytes as a MessagePack body (codec_msgpack_decode), then the tree
 * written back (codec_msgpack_encode, codec_msgpack_encode_json) and read again; invariants
 * in codec_check.h. */
#include "codec_check.h"
#include "codec_msgpack.h"

static const struct codec_fns msgpack = {
    "msgpack", codec_msgpack_encode, codec_msgpack_encode_json, codec_msgpack_decode,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return codec_check(&msgpack, data, size);
}
