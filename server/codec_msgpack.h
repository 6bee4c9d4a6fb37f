/* codec_msgpack.h: application/x-msgpack bodies. Pure: bytes in, bytes or tree out.
 *
 * Writing uses msgpack-c's packer and follows msgpackr as Harper uses it (records off; rules
 * shared with CBOR in codec.h): the shortest form for every length and integer (fixint up to
 * 127, str8 from 32 bytes), integers in the uint32/int32 range as integers, other numbers as
 * float64, objects as maps in key order. A collection is a sequence of concatenated values,
 * not an array: encode each element after the last, with nothing before or after.
 *
 * Reading is done here, not by msgpack-c's unpacker, which allocates a declared array length
 * up front (five bytes can ask for gigabytes) and stops at 32 levels. It gives the cJSON tree
 * of codec.h's rules and also:
 *   - the timestamp extension (-1) becomes the ISO text JSON.stringify gives a Date, null
 *     when out of range; msgpackr's undefined (fixext 1, type 0) reads as null;
 *   - binary values and other extensions are refused: JSON has no binary value;
 *   - exactly one value: bytes after it are an error, as in msgpackr.
 * Messages are msgpackr's where it has one ("Unexpected end of MessagePack data"). */
#ifndef HARPER_SERVER_CODEC_MSGPACK_H
#define HARPER_SERVER_CODEC_MSGPACK_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

#define CODEC_MSGPACK_TYPE "application/x-msgpack"

/* Appends the MessagePack encoding of `v` to out. 0, or -1 with a message in err (may be
 * NULL) and out unchanged. Thread-safety: safe. */
int codec_msgpack_encode(const cJSON *v, harper__buf *out, char *err, size_t err_size);

/* The same from JSON text json[0..len), such as a stored record, without building a tree;
 * -1 also for text that is not one JSON value. Thread-safety: safe. */
int codec_msgpack_encode_json(const char *json, size_t len, harper__buf *out, char *err,
                              size_t err_size);

/* Decodes the value data[0..len) into a new tree in *out (cJSON_Delete). 0, or -1 with *out
 * NULL and a message in err (may be NULL). Never reads outside data[0..len).
 * Thread-safety: safe. */
int codec_msgpack_decode(const void *data, size_t len, cJSON **out, char *err,
                         size_t err_size);

#endif
