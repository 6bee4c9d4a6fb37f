/* fuzz_cbor.c: arbitrary bytes as a CBOR body (codec_cbor_decode), then the tree written
 * back (codec_cbor_encode, codec_cbor_encode_json) and read again; invariants in
 * codec_check.h. */
#include "codec_cbor.h"
#include "codec_check.h"

static const struct codec_fns cbor = {
    "cbor", codec_cbor_encode, codec_cbor_encode_json, codec_cbor_decode,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return codec_check(&cbor, data, size);
}
