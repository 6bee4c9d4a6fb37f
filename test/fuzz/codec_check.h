/* codec_check.h: the invariants fuzz_cbor.c and fuzz_msgpack.c share, for one binary format
 * given by its functions. A failed decode leaves no tree and a non-empty NUL-terminated
 * message. A decoded tree encodes without error (from the tree and from its JSON text), and
 * both encodings decode to a tree equal to the first. */
#ifndef HARPER_FUZZ_CODEC_CHECK_H
#define HARPER_FUZZ_CODEC_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"

struct codec_fns {
    const char *name;
    int (*encode)(const cJSON *, harper__buf *, char *, size_t);
    int (*encode_json)(const char *, size_t, harper__buf *, char *, size_t);
    int (*decode)(const void *, size_t, cJSON **, char *, size_t);
};

static void codec_die(const struct codec_fns *f, const char *what, const char *err)
{
    fprintf(stderr, "fuzz_%s: %s%s%s\n", f->name, what, err != NULL ? ": " : "",
            err != NULL ? err : "");
    abort();
}

/* Decodes bytes[0..n) and checks the result equals `tree`. */
static void codec_same_tree(const struct codec_fns *f, const harper__buf *bytes,
                            const cJSON *tree, const char *path)
{
    cJSON *again = NULL;
    char err[256];

    if (f->decode(bytes->data, bytes->len, &again, err, sizeof err) != 0)
        codec_die(f, path, err);
    if (!cJSON_Compare(tree, again, 1))
        codec_die(f, path, "decodes to a different tree");
    cJSON_Delete(again);
}

static int codec_check(const struct codec_fns *f, const uint8_t *data, size_t size)
{
    harper__buf encoded = HARPER__BUF_INIT;
    harper__buf json = HARPER__BUF_INIT;
    harper__buf from_json = HARPER__BUF_INIT;
    cJSON *tree = NULL;
    char err[256];

    memset(err, 'x', sizeof err);
    if (f->decode(data, size, &tree, err, sizeof err) != 0) {
        if (tree != NULL || memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
            codec_die(f, "failed decode left a tree or no message", NULL);
        return 0;
    }
    if (tree == NULL)
        codec_die(f, "decode succeeded without a tree", NULL);
    if (f->encode(tree, &encoded, err, sizeof err) != 0)
        codec_die(f, "encoding a decoded tree failed", err);
    codec_same_tree(f, &encoded, tree, "the tree's encoding");
    if (harper__json_value(&json, tree) != 0 || json.failed)
        codec_die(f, "a decoded tree has no JSON text", NULL);
    if (f->encode_json(json.data, json.len, &from_json, err, sizeof err) != 0)
        codec_die(f, "encoding the tree's JSON text failed", err);
    codec_same_tree(f, &from_json, tree, "the JSON text's encoding");
    harper__buf_free(&encoded);
    harper__buf_free(&json);
    harper__buf_free(&from_json);
    cJSON_Delete(tree);
    return 0;
}

#endif
