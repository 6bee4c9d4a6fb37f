/* codec.c: the walk from a cJSON tree or JSON text to a binary format's writer, and UTF-8
 * checks (rules in codec.h). The tree builder the decoders feed is in codec_build.c; the
 * formats themselves live in codec_cbor.c and codec_msgpack.c. */
#include "codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

size_t codec_utf8_next(const char *s, size_t n, bool *valid)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    size_t len;
    size_t k = 1;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;

    *valid = false;
    if (c < 0x80) {
        *valid = true;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 1;
    /* The second byte's range is what rules out overlong forms, surrogates and > U+10FFFF. */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (n >= 2 && p[1] >= lo && p[1] <= hi) {
        k = 2;
        while (k < len && k < n && (p[k] & 0xc0) == 0x80)
            k++;
    }
    *valid = k == len;
    return k;
}

bool codec_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    bool valid = true;

    while (i < n && valid)
        i += p[i] < 0x80 ? 1 : codec_utf8_next(s + i, n - i, &valid);
    return valid;
}

void codec_utf8_repair(harper__buf *out, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        bool valid;
        size_t k = codec_utf8_next(s + i, n - i, &valid);

        if (valid)
            harper__buf_append(out, s + i, k);
        else
            harper__buf_append(out, "\xef\xbf\xbd", 3);
        i += k;
    }
}

void codec_utf8_put(harper__buf *out, uint32_t cp)
{
    char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    harper__buf_append(out, b, n);
}

/* Hands s[0..n) to the format, repaired through `scratch` when it is not valid UTF-8. */
static void put_string(const struct codec_format *f, harper__buf *out, harper__buf *scratch,
                       const char *s, size_t n)
{
    if (codec_utf8_valid(s, n)) {
        f->string(out, s, n);
        return;
    }
    harper__buf_reset(scratch);
    codec_utf8_repair(scratch, s, n);
    if (scratch->failed)
        out->failed = 1;
    else
        f->string(out, scratch->data, scratch->len);
}

/* ---- writing from a tree -------------------------------------------------------------------- */

struct walk {
    const struct codec_format *f;
    harper__buf *out;
    harper__buf scratch;
    char *err;
    size_t err_size;
};

static int tree_value(struct walk *w, const cJSON *v, int depth)
{
    size_t start;
    size_t count = 0;

    switch (v->type & 0xff) {
    case cJSON_NULL: w->f->null_value(w->out); return 0;
    case cJSON_False: w->f->boolean(w->out, false); return 0;
    case cJSON_True: w->f->boolean(w->out, true); return 0;
    case cJSON_Number: w->f->number(w->out, v->valuedouble); return 0;
    case cJSON_String:
        put_string(w->f, w->out, &w->scratch, v->valuestring != NULL ? v->valuestring : "",
                   v->valuestring != NULL ? strlen(v->valuestring) : 0);
        return 0;
    case cJSON_Array:
    case cJSON_Object:
        break;
    default:
        harper__format(w->err, w->err_size, "a raw or invalid item has no encoding");
        return -1;
    }
    if (depth >= CODEC_MAX_DEPTH) {
        harper__format(w->err, w->err_size, "nesting deeper than %d levels", CODEC_MAX_DEPTH);
        return -1;
    }
    start = w->out->len;
    harper__buf_byte(w->out, 0);
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        if (cJSON_IsObject(v)) {
            const char *name = c->string != NULL ? c->string : "";

            put_string(w->f, w->out, &w->scratch, name, strlen(name));
        }
        if (tree_value(w, c, depth + 1) != 0)
            return -1;
        count++;
    }
    if (!w->out->failed)
        w->f->head(w->out, start, cJSON_IsObject(v), count);
    return 0;
}

int codec_encode_tree(const struct codec_format *f, const cJSON *v, harper__buf *out, char *err,
                      size_t err_size)
{
    struct walk w = {f, out, HARPER__BUF_INIT, err, err_size};
    size_t mark = out->len;
    int rc;

    if (v == NULL) {
        harper__format(err, err_size, "no value to encode");
        return -1;
    }
    rc = tree_value(&w, v, 0);
    if (rc == 0 && out->failed) {
        harper__format(err, err_size, "out of memory");
        rc = -1;
    }
    harper__buf_free(&w.scratch);
    if (rc != 0 && !out->failed)
        out->len = mark;
    return rc;
}

/* ---- writing from JSON text ----------------------------------------------------------------- */

struct text {
    struct walk w;
    const char *s;
    size_t len;
    size_t pos;
};

struct open_container {
    size_t start;       /* where its placeholder head is in out */
    size_t count;
    bool is_map;
};

static int text_fail(struct text *t, const char *what)
{
    harper__format(t->w.err, t->w.err_size, "%s at position %zu of the JSON text", what, t->pos);
    return -1;
}

static void skip_space(struct text *t)
{
    while (t->pos < t->len && (t->s[t->pos] == ' ' || t->s[t->pos] == '\t' ||
                               t->s[t->pos] == '\n' || t->s[t->pos] == '\r'))
        t->pos++;
}

static int hex4(const char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        uint32_t d;

        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* The string literal at t->pos (its opening quote), handed to the format. */
static int text_string(struct text *t)
{
    size_t begin = ++t->pos;
    harper__buf *scratch = &t->w.scratch;

    while (t->pos < t->len && t->s[t->pos] != '"' && t->s[t->pos] != '\\' &&
           (unsigned char)t->s[t->pos] >= 0x20)
        t->pos++;
    if (t->pos < t->len && t->s[t->pos] == '"') {
        put_string(t->w.f, t->w.out, scratch, t->s + begin, t->pos - begin);
        t->pos++;
        return 0;
    }
    /* Escapes: decode into scratch, then repair, since the text itself may not be UTF-8. */
    harper__buf_reset(scratch);
    harper__buf_append(scratch, t->s + begin, t->pos - begin);
    while (t->pos < t->len && t->s[t->pos] != '"') {
        unsigned char c = (unsigned char)t->s[t->pos];
        uint32_t cp;
        uint32_t low;

        if (c < 0x20)
            return text_fail(t, "control character in a string");
        if (c != '\\') {
            harper__buf_byte(scratch, c);
            t->pos++;
            continue;
        }
        if (t->pos + 1 >= t->len)
            break;
        c = (unsigned char)t->s[t->pos + 1];
        t->pos += 2;
        switch (c) {
        case '"': case '\\': case '/': harper__buf_byte(scratch, c); continue;
        case 'b': harper__buf_byte(scratch, '\b'); continue;
        case 'f': harper__buf_byte(scratch, '\f'); continue;
        case 'n': harper__buf_byte(scratch, '\n'); continue;
        case 'r': harper__buf_byte(scratch, '\r'); continue;
        case 't': harper__buf_byte(scratch, '\t'); continue;
        case 'u': break;
        default: t->pos -= 2; return text_fail(t, "bad escape in a string");
        }
        if (t->len - t->pos < 4 || hex4(t->s + t->pos, &cp) != 0)
            return text_fail(t, "bad \\u escape in a string");
        t->pos += 4;
        if (cp >= 0xd800 && cp <= 0xdbff && t->len - t->pos >= 6 && t->s[t->pos] == '\\' &&
            t->s[t->pos + 1] == 'u' && hex4(t->s + t->pos + 2, &low) == 0 && low >= 0xdc00 &&
            low <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            t->pos += 6;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
        }
        codec_utf8_put(scratch, cp);
    }
    if (t->pos >= t->len)
        return text_fail(t, "unterminated string");
    t->pos++;
    if (scratch->failed) {
        t->w.out->failed = 1;
        return 0;
    }
    if (codec_utf8_valid(scratch->data, scratch->len)) {
        t->w.f->string(t->w.out, scratch->data, scratch->len);
    } else {
        harper__buf fixed = HARPER__BUF_INIT;

        codec_utf8_repair(&fixed, scratch->data, scratch->len);
        if (fixed.failed)
            t->w.out->failed = 1;
        else
            t->w.f->string(t->w.out, fixed.data, fixed.len);
        harper__buf_free(&fixed);
    }
    return 0;
}

static size_t digits(const struct text *t, size_t i)
{
    while (i < t->len && t->s[i] >= '0' && t->s[i] <= '9')
        i++;
    return i;
}

/* The number at t->pos: JSON's grammar, an exact integer beyond 2^53 when it has no fraction
 * or exponent and fits 64 bits, else the double strtod reads. */
static int text_number(struct text *t)
{
    size_t begin = t->pos;
    size_t i = t->pos;
    bool negative = false;
    bool integral = true;
    char small[64];
    char *copy = small;
    double d;

    if (t->s[i] == '-') {
        negative = true;
        i++;
    }
    if (i >= t->len || t->s[i] < '0' || t->s[i] > '9')
        return text_fail(t, "bad number");
    i = t->s[i] == '0' ? i + 1 : digits(t, i);
    if (i < t->len && t->s[i] == '.') {
        size_t end = digits(t, i + 1);

        if (end == i + 1)
            return text_fail(t, "bad number");
        i = end;
        integral = false;
    }
    if (i < t->len && (t->s[i] == 'e' || t->s[i] == 'E')) {
        size_t end = i + 1;

        if (end < t->len && (t->s[end] == '+' || t->s[end] == '-'))
            end++;
        if (digits(t, end) == end)
            return text_fail(t, "bad number");
        i = digits(t, end);
        integral = false;
    }
    t->pos = i;
    if (integral) {
        uint64_t magnitude = 0;
        bool fits = true;

        for (size_t k = begin + negative; k < i && fits; k++) {
            unsigned d_k = (unsigned)(t->s[k] - '0');

            if (magnitude > (UINT64_MAX - d_k) / 10)
                fits = false;
            else
                magnitude = magnitude * 10 + d_k;
        }
        if (fits && magnitude > (UINT64_C(1) << 53)) {
            t->w.f->big_integer(t->w.out, negative, magnitude);
            return 0;
        }
    }
    if (i - begin >= sizeof small) {
        copy = malloc(i - begin + 1);
        if (copy == NULL) {
            t->w.out->failed = 1;
            return 0;
        }
    }
    memcpy(copy, t->s + begin, i - begin);
    copy[i - begin] = '\0';
    d = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    t->w.f->number(t->w.out, d);
    return 0;
}

static bool literal(struct text *t, const char *word)
{
    size_t n = strlen(word);

    if (t->len - t->pos < n || memcmp(t->s + t->pos, word, n) != 0)
        return false;
    t->pos += n;
    return true;
}

/* One scalar, or the opening of a container pushed on `stack`. */
static int text_value(struct text *t, struct open_container *stack, int *depth)
{
    char c;

    skip_space(t);
    if (t->pos >= t->len)
        return text_fail(t, "unexpected end");
    c = t->s[t->pos];
    if (c == '{' || c == '[') {
        if (*depth >= CODEC_MAX_DEPTH) {
            harper__format(t->w.err, t->w.err_size, "nesting deeper than %d levels",
                      CODEC_MAX_DEPTH);
            return -1;
        }
        stack[*depth].start = t->w.out->len;
        stack[*depth].count = 0;
        stack[*depth].is_map = c == '{';
        (*depth)++;
        harper__buf_byte(t->w.out, 0);
        t->pos++;
        return 0;
    }
    if (c == '"')
        return text_string(t);
    if (c == '-' || (c >= '0' && c <= '9'))
        return text_number(t);
    if (literal(t, "null"))
        t->w.f->null_value(t->w.out);
    else if (literal(t, "true"))
        t->w.f->boolean(t->w.out, true);
    else if (literal(t, "false"))
        t->w.f->boolean(t->w.out, false);
    else
        return text_fail(t, "unexpected character");
    return 0;
}

/* In an open map: the key and its colon, leaving t->pos at the value. */
static int text_key(struct text *t)
{
    skip_space(t);
    if (t->pos >= t->len || t->s[t->pos] != '"')
        return text_fail(t, "expected a property name");
    if (text_string(t) != 0)
        return -1;
    skip_space(t);
    if (t->pos >= t->len || t->s[t->pos] != ':')
        return text_fail(t, "expected ':'");
    t->pos++;
    return 0;
}

static int text_walk(struct text *t)
{
    struct open_container *stack = malloc(CODEC_MAX_DEPTH * sizeof *stack);
    int depth = 0;
    int rc = -1;

    if (stack == NULL) {
        t->w.out->failed = 1;
        return 0;
    }
    if (text_value(t, stack, &depth) != 0)
        goto done;
    while (depth > 0) {
        struct open_container *top = &stack[depth - 1];
        char closer = top->is_map ? '}' : ']';

        skip_space(t);
        if (t->pos < t->len && t->s[t->pos] == closer && top->count == 0) {
            t->pos++;
        } else {
            if (top->count > 0) {
                if (t->pos < t->len && t->s[t->pos] == closer) {
                    t->pos++;
                    goto closed;
                }
                if (t->pos >= t->len || t->s[t->pos] != ',') {
                    text_fail(t, top->is_map ? "expected ',' or '}'" : "expected ',' or ']'");
                    goto done;
                }
                t->pos++;
            }
            top->count++;
            if ((top->is_map && text_key(t) != 0) || text_value(t, stack, &depth) != 0)
                goto done;
            continue;
        }
closed:
        if (!t->w.out->failed)
            t->w.f->head(t->w.out, top->start, top->is_map, top->count);
        depth--;
    }
    skip_space(t);
    if (t->pos < t->len) {
        text_fail(t, "unexpected text after the value");
        goto done;
    }
    rc = 0;
done:
    free(stack);
    return rc;
}

int codec_encode_text(const struct codec_format *f, const char *json, size_t len,
                      harper__buf *out, char *err, size_t err_size)
{
    struct text t = {{f, out, HARPER__BUF_INIT, err, err_size}, json != NULL ? json : "", len, 0};
    size_t mark = out->len;
    int rc = json == NULL && len > 0 ? -1 : text_walk(&t);

    if (rc == 0 && out->failed) {
        harper__format(err, err_size, "out of memory");
        rc = -1;
    }
    harper__buf_free(&t.w.scratch);
    if (rc != 0 && !out->failed)
        out->len = mark;
    return rc;
}

void codec_replace_placeholder(harper__buf *out, size_t start, const unsigned char *head,
                               size_t n)
{
    if (n > 1) {
        if (harper__buf_reserve(out, n - 1) == NULL)
            return;
        memmove(out->data + start + n, out->data + start + 1, out->len - start - 1);
        out->len += n - 1;
    }
    memcpy(out->data + start, head, n);
}
