/* codec_build.c: the cJSON tree builder the binary decoders feed, with the depth limit and
 * JavaScript's key rules (codec.h), and the Date text that timestamps read as. The writers are
 * in codec.c. */
#include "codec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* ---- dates ---------------------------------------------------------------------------------- */

int codec_iso_date(double ms, char out[32])
{
    int64_t t;
    int64_t days;
    int64_t ms_of_day;
    int64_t z;
    int64_t era;
    int64_t doe;
    int64_t yoe;
    int64_t doy;
    int64_t mp;
    int64_t year;
    int month;
    int day;

    if (!(fabs(ms) <= 8.64e15))
        return -1;
    t = (int64_t)ms;
    days = t / 86400000;
    ms_of_day = t % 86400000;
    if (ms_of_day < 0) {
        ms_of_day += 86400000;
        days--;
    }
    /* Civil date from a day count (Howard Hinnant's days_from_civil, inverted). */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    day = (int)(doy - (153 * mp + 2) / 5 + 1);
    month = (int)(mp < 10 ? mp + 3 : mp - 9);
    year = yoe + era * 400 + (month <= 2);
    if (year >= 0 && year <= 9999)
        snprintf(out, 32, "%04d", (int)year);
    else
        snprintf(out, 32, "%c%06lld", year < 0 ? '-' : '+', (long long)llabs(year));
    snprintf(out + strlen(out), 32 - strlen(out), "-%02d-%02dT%02d:%02d:%02d.%03dZ", month, day,
             (int)(ms_of_day / 3600000), (int)(ms_of_day / 60000 % 60),
             (int)(ms_of_day / 1000 % 60), (int)(ms_of_day % 1000));
    return 0;
}

/* ---- building a tree ------------------------------------------------------------------------ */

/* Once a map has this many keys, repeated keys are found through a hash, not a scan. */
#define INDEX_FROM 16

struct codec_keyindex {
    cJSON **slots;
    size_t cap;     /* a power of two */
    size_t n;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static cJSON **index_slot(const struct codec_keyindex *ix, const char *key)
{
    size_t i = (size_t)hash_key(key) & (ix->cap - 1);

    while (ix->slots[i] != NULL && strcmp(ix->slots[i]->string, key) != 0)
        i = (i + 1) & (ix->cap - 1);
    return &ix->slots[i];
}

static int index_add(struct codec_keyindex *ix, cJSON *item)
{
    if ((ix->n + 1) * 2 > ix->cap) {
        struct codec_keyindex bigger = {NULL, ix->cap > 0 ? ix->cap * 2 : 64, ix->n};

        bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
        if (bigger.slots == NULL)
            return -1;
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->slots[i] != NULL)
                *index_slot(&bigger, ix->slots[i]->string) = ix->slots[i];
        free(ix->slots);
        *ix = bigger;
    }
    *index_slot(ix, item->string) = item;
    ix->n++;
    return 0;
}

static void index_free(struct codec_keyindex *ix)
{
    if (ix != NULL)
        free(ix->slots);
    free(ix);
}

void codec_builder_init(struct codec_builder *b, const char *format, char *err, size_t err_size)
{
    b->format = format;
    b->root = NULL;
    b->depth = 0;
    b->done = false;
    b->failed = false;
    b->err = err;
    b->err_size = err_size;
    if (err != NULL && err_size > 0)
        err[0] = '\0';
}

int codec_builder_fail(struct codec_builder *b, const char *fmt, ...)
{
    va_list ap;

    if (!b->failed && b->err != NULL && b->err_size > 0) {
        va_start(ap, fmt);
        vsnprintf(b->err, b->err_size, fmt, ap);
        va_end(ap);
    }
    b->failed = true;
    return -1;
}

static int out_of_memory(struct codec_builder *b)
{
    return codec_builder_fail(b, "Out of memory decoding %s data", b->format);
}

bool codec_builder_at_key(const struct codec_builder *b)
{
    const struct codec_frame *f = b->depth > 0 ? &b->frames[b->depth - 1] : NULL;

    return f != NULL && f->is_map && f->key == NULL;
}

cJSON *codec_number(double d)
{
    return isfinite(d) ? cJSON_CreateNumber(d) : cJSON_CreateNull();
}

cJSON *codec_builder_string(struct codec_builder *b, const char *s, size_t n)
{
    char small[256];
    char *copy = small;
    cJSON *item;

    if (!codec_utf8_valid(s, n)) {
        codec_builder_fail(b, "Invalid UTF-8 in a %s text string", b->format);
        return NULL;
    }
    if (memchr(s, '\0', n) != NULL) {
        codec_builder_fail(b, "Strings with NUL characters are not supported");
        return NULL;
    }
    if (n >= sizeof small && (copy = malloc(n + 1)) == NULL) {
        out_of_memory(b);
        return NULL;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    item = cJSON_CreateString(copy);
    if (copy != small)
        free(copy);
    if (item == NULL)
        out_of_memory(b);
    return item;
}

/* The property name a scalar key gives in JavaScript (malloc'd), or NULL out of memory. */
static char *key_text(const cJSON *item)
{
    harper__buf text = HARPER__BUF_INIT;
    const char *word = NULL;

    if (cJSON_IsString(item))
        word = item->valuestring;
    else if (cJSON_IsTrue(item))
        word = "true";
    else if (cJSON_IsFalse(item))
        word = "false";
    else if (cJSON_IsNull(item))
        word = "null";
    if (word != NULL)
        return strdup(word);
    harper__json_number(&text, item->valuedouble);
    return harper__buf_take(&text, NULL);
}

/* Puts a finished or opened item in its place: the root, the next array element, or the
 * value of the pending key. The builder owns item either way. */
static int attach(struct codec_builder *b, cJSON *item)
{
    struct codec_frame *f;
    cJSON *old = NULL;
    cJSON **slot = NULL;

    if (b->depth == 0) {
        b->root = item;
        return 0;
    }
    f = &b->frames[b->depth - 1];
    if (!f->is_map) {
        cJSON_AddItemToArray(f->node, item);
        return 0;
    }
    if (f->key == NULL) {
        cJSON_Delete(item);
        return codec_builder_fail(b, "Invalid property name type object");
    }
    item->string = f->key;
    f->key = NULL;
    if (f->index != NULL) {
        slot = index_slot(f->index, item->string);
        old = *slot;
    } else {
        for (cJSON *c = f->node->child; c != NULL && old == NULL; c = c->next)
            if (strcmp(c->string, item->string) == 0)
                old = c;
    }
    if (old != NULL) {
        /* Frees old, so its slot is rewritten from the pointer found before. */
        cJSON_ReplaceItemViaPointer(f->node, old, item);
        if (slot != NULL)
            *slot = item;
        return 0;
    }
    cJSON_AddItemToArray(f->node, item);
    if (f->index == NULL && cJSON_GetArraySize(f->node) == INDEX_FROM) {
        f->index = calloc(1, sizeof *f->index);
        if (f->index == NULL)
            return out_of_memory(b);
        for (cJSON *c = f->node->child; c != NULL; c = c->next)
            if (index_add(f->index, c) != 0)
                return out_of_memory(b);
    } else if (f->index != NULL && index_add(f->index, item) != 0) {
        return out_of_memory(b);
    }
    return 0;
}

static void pop(struct codec_builder *b)
{
    struct codec_frame *f = &b->frames[--b->depth];

    free(f->key);
    index_free(f->index);
}

/* One element of the innermost container is complete: close the definite ones that end. */
static void element_done(struct codec_builder *b)
{
    while (b->depth > 0) {
        struct codec_frame *f = &b->frames[b->depth - 1];

        if (f->indefinite || --f->remaining > 0)
            return;
        pop(b);
    }
    b->done = true;
}

int codec_builder_scalar(struct codec_builder *b, cJSON *item)
{
    if (item == NULL && !b->failed)
        out_of_memory(b);
    if (b->failed || b->done) {
        cJSON_Delete(item);
        return b->failed ? -1 : codec_builder_fail(b, "Data read, but end of buffer not reached");
    }
    if (codec_builder_at_key(b)) {
        struct codec_frame *f = &b->frames[b->depth - 1];

        f->key = key_text(item);
        cJSON_Delete(item);
        return f->key != NULL ? 0 : out_of_memory(b);
    }
    if (attach(b, item) != 0)
        return -1;
    element_done(b);
    return 0;
}

int codec_builder_open(struct codec_builder *b, bool is_map, uint64_t count, bool indefinite)
{
    cJSON *node;
    struct codec_frame *f;

    if (b->failed)
        return -1;
    if (b->done)
        return codec_builder_fail(b, "Data read, but end of buffer not reached");
    if (b->depth >= CODEC_MAX_DEPTH)
        return codec_builder_fail(b, "Nesting deeper than %d levels in %s data",
                                  CODEC_MAX_DEPTH, b->format);
    node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
    if (node == NULL)
        return out_of_memory(b);
    if (attach(b, node) != 0)
        return -1;
    if (!indefinite && count == 0) {
        element_done(b);
        return 0;
    }
    f = &b->frames[b->depth++];
    f->node = node;
    f->remaining = count;
    f->indefinite = indefinite;
    f->is_map = is_map;
    f->key = NULL;
    f->index = NULL;
    return 0;
}

int codec_builder_break(struct codec_builder *b)
{
    struct codec_frame *f = b->depth > 0 ? &b->frames[b->depth - 1] : NULL;

    if (b->failed)
        return -1;
    if (f == NULL || !f->indefinite)
        return codec_builder_fail(b, "Unexpected break in %s data", b->format);
    if (f->key != NULL)
        return codec_builder_fail(b, "A %s map ends between a key and its value", b->format);
    pop(b);
    element_done(b);
    return 0;
}

cJSON *codec_builder_finish(struct codec_builder *b)
{
    cJSON *root = b->root;

    while (b->depth > 0)
        pop(b);
    b->root = NULL;
    if (b->failed || !b->done) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
