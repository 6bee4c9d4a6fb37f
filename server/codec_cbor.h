/* codec_cbor.h: application/cbor bodies, through libcbor. Pure: bytes in, bytes or tree out.
 *
 * Writing follows cbor-x as Harper uses it (rules shared with MessagePack in codec.h): the
 * shortest head for every length and integer, integers in the uint32/int32 range as CBOR
 * integers, other numbers as float64, objects as definite-length maps in key order. (cbor-x
 * with records off may give every map a 16-bit count; any decoder reads both.) A collection
 * is one indefinite-length array: codec_cbor_collection_begin, then one encode call per
 * element, then codec_cbor_collection_end.
 *
 * Reading gives the cJSON tree of codec.h's rules and also:
 *   - indefinite-length arrays, maps and text strings are read;
 *   - tag 0 (date text) keeps its string; tag 1 (epoch seconds) becomes the ISO text
 *     JSON.stringify gives a Date ("2023-11-14T22:13:20.000Z"), null when out of range;
 *     tags 2 and 3 (bignums) become the nearest double; any other tag is skipped and its
 *     content read as it is;
 *   - undefined reads as null (JSON has no undefined);
 *   - byte strings (outside tags 2/3) are refused: JSON has no binary value;
 *   - unassigned simple values and reserved heads are errors;
 *   - exactly one item: bytes after it are an error, as in cbor-x.
 * Messages are cbor-x's where it has one ("Unexpected end of CBOR data", "Data read, but end
 * of buffer not reached"). */
#ifndef HARPER_SERVER_CODEC_CBOR_H
#define HARPER_SERVER_CODEC_CBOR_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

#define CODEC_CBOR_TYPE "application/cbor"

/* Appends the CBOR encoding of `v` to out. 0, or -1 with a message in err (may be NULL) and
 * out unchanged (nesting deeper than CODEC_MAX_DEPTH, a raw cJSON item, out of memory).
 * Thread-safety: safe. */
int codec_cbor_encode(const cJSON *v, harper__buf *out, char *err, size_t err_size);

/* The same from JSON text json[0..len), such as a stored record, without building a tree;
 * -1 also for text that is not one JSON value. Thread-safety: safe. */
int codec_cbor_encode_json(const char *json, size_t len, harper__buf *out, char *err,
                           size_t err_size);

/* Open and close the indefinite-length array a collection is streamed as. */
void codec_cbor_collection_begin(harper__buf *out);
void codec_cbor_collection_end(harper__buf *out);

/* Decodes the CBOR item data[0..len) into a new tree in *out (cJSON_Delete). 0, or -1 with
 * *out NULL and a message in err (may be NULL). Never reads outside data[0..len).
 * Thread-safety: safe. */
int codec_cbor_decode(const void *data, size_t len, cJSON **out, char *err, size_t err_size);

#endif
