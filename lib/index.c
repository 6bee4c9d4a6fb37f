/* index.c: index entries of records (layout in store.h). An attribute's index holds one entry
 * per distinct value: each element of an array, the value itself otherwise; objects are not
 * indexed. A write deletes the entries its old value had and the new one lacks, and adds the
 * reverse, so an unchanged attribute costs nothing. */
#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "keycodec.h"

/* The encoded index values of one attribute value, end to end, with their offsets. */
struct value_set {
    harper__buf enc;
    size_t *ends;
    size_t n;
    size_t cap;
};

static int set_contains(const struct value_set *s, const char *enc, size_t len)
{
    for (size_t i = 0, start = 0; i < s->n; start = s->ends[i++])
        if (s->ends[i] - start == len && memcmp(s->enc.data + start, enc, len) == 0)
            return 1;
    return 0;
}

static int set_add(const char *enc, size_t len, void *arg)
{
    struct value_set *s = arg;

    if (set_contains(s, enc, len))
        return HARPER_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        size_t *grown = realloc(s->ends, cap * sizeof *grown);

        if (grown == NULL)
            return HARPER_ENOMEM;
        s->ends = grown;
        s->cap = cap;
    }
    harper__buf_append(&s->enc, enc, len);
    if (s->enc.failed)
        return HARPER_ENOMEM;
    s->ends[s->n++] = s->enc.len;
    return HARPER_OK;
}

static void set_clear(struct value_set *s)
{
    harper__buf_reset(&s->enc);
    s->n = 0;
}

static void set_free(struct value_set *s)
{
    harper__buf_free(&s->enc);
    free(s->ends);
}

int harper__index_values(const cJSON *v, int (*fn)(const char *enc, size_t len, void *arg),
                         void *arg)
{
    struct value_set set = {HARPER__BUF_INIT, NULL, 0, 0};
    harper__buf one = HARPER__BUF_INIT;
    int rc = HARPER_OK;

    if (cJSON_IsObject(v))
        return HARPER_OK;
    if (!cJSON_IsArray(v)) {
        if (harper__key_encode(&one, v) == HARPER_OK)
            rc = one.failed ? HARPER_ENOMEM : fn(one.data, one.len, arg);
        harper__buf_free(&one);
        return rc;
    }
    /* An array indexes each distinct element once: ["a","a"] is one entry. */
    for (const cJSON *e = v->child; e != NULL && rc == HARPER_OK; e = e->next) {
        harper__buf_reset(&one);
        if (cJSON_IsObject(e) || harper__key_encode(&one, e) != HARPER_OK)
            continue;
        rc = one.failed ? HARPER_ENOMEM : set_add(one.data, one.len, &set);
    }
    for (size_t i = 0, start = 0; i < set.n && rc == HARPER_OK; start = set.ends[i++])
        rc = fn(set.enc.data + start, set.ends[i] - start, arg);
    harper__buf_free(&one);
    set_free(&set);
    return rc;
}

static int collect(struct value_set *s, const cJSON *rec, const char *name)
{
    const cJSON *v = rec != NULL ? cJSON_GetObjectItemCaseSensitive(rec, name) : NULL;

    set_clear(s);
    return v != NULL ? harper__index_values(v, set_add, s) : HARPER_OK;
}

/* Deletes (put = 0) or adds (put = 1) the entries of `from` that `other` lacks. */
static int apply(harper__wset *w, harper__buf *key, size_t prefix_len,
                 const struct value_set *from, const struct value_set *other, int put,
                 const char *pk, size_t pk_len, harper_error *err)
{
    for (size_t i = 0, start = 0; i < from->n; start = from->ends[i++]) {
        const char *enc = from->enc.data + start;
        size_t len = from->ends[i] - start;

        if (set_contains(other, enc, len))
            continue;
        key->len = prefix_len;
        harper__buf_append(key, enc, len);
        harper__buf_append(key, pk, pk_len);
        if (key->failed)
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        harper__wset_add(w, put ? HARPER__W_PUT : HARPER__W_DELETE, HARPER__CF_INDEX, key->data,
                         key->len, NULL, 0, false);
        if (w->failed)
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    return HARPER_OK;
}

int harper__index_update(harper__wset *w, const harper__table_def *def, const cJSON *old_rec,
                         const cJSON *new_rec, const char *pk, size_t pk_len, harper_error *err)
{
    struct value_set olds = {HARPER__BUF_INIT, NULL, 0, 0};
    struct value_set news = {HARPER__BUF_INIT, NULL, 0, 0};
    harper__buf key = HARPER__BUF_INIT;
    int rc = HARPER_OK;

    for (size_t i = 0; i < def->n_attrs && rc == HARPER_OK; i++) {
        const harper__attr *a = &def->attrs[i];

        if (!a->indexed || a->is_primary_key)
            continue;
        rc = collect(&olds, old_rec, a->name);
        if (rc == HARPER_OK)
            rc = collect(&news, new_rec, a->name);
        if (rc != HARPER_OK) {
            rc = harper__error_set(err, rc, "out of memory");
            break;
        }
        key.len = 0;
        harper__key_index_prefix(&key, def->id, a->id);
        rc = apply(w, &key, key.len, &olds, &news, 0, pk, pk_len, err);
        if (rc == HARPER_OK)
            rc = apply(w, &key, 8, &news, &olds, 1, pk, pk_len, err);
    }
    set_free(&olds);
    set_free(&news);
    harper__buf_free(&key);
    return rc;
}
