/* buf.c: growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *harper__buf_reserve(harper__buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (n > SIZE_MAX / 2 - b->len) {
        b->failed = 1;
        return NULL;
    }
    /* An empty buffer gets storage even for n == 0, so the result is never NULL + 0. */
    if (b->len + n > b->cap || b->data == NULL) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;
        while (cap < b->len + n)
            cap *= 2;
        p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = 1;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

void harper__buf_append(harper__buf *b, const void *p, size_t n)
{
    char *dst;

    if (n == 0)
        return;
    dst = harper__buf_reserve(b, n);
    if (dst == NULL)
        return;
    memcpy(dst, p, n);
    b->len += n;
}

void harper__buf_byte(harper__buf *b, uint8_t c)
{
    harper__buf_append(b, &c, 1);
}

void harper__buf_str(harper__buf *b, const char *s)
{
    harper__buf_append(b, s, strlen(s));
}

void harper__buf_u32be(harper__buf *b, uint32_t v)
{
    uint8_t p[4];

    harper__put_u32be(p, v);
    harper__buf_append(b, p, 4);
}

void harper__buf_u64be(harper__buf *b, uint64_t v)
{
    uint8_t p[8];

    harper__put_u64be(p, v);
    harper__buf_append(b, p, 8);
}

void harper__buf_vprintf(harper__buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    int n;
    char *dst;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    dst = harper__buf_reserve(b, (size_t)n + 1);
    if (dst == NULL)
        return;
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void harper__buf_printf(harper__buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    harper__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void harper__buf_join(harper__buf *b, const char *fmt, ...)
{
    va_list ap;

    if (b->len > 0)
        harper__buf_append(b, ". ", 2);
    va_start(ap, fmt);
    harper__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void harper__join(char *list, size_t size, const char *fmt, ...)
{
    size_t used = strnlen(list, size);
    va_list ap;

    if (used + 1 >= size)
        return;
    if (used > 0 && used + 3 < size) {
        memcpy(list + used, ". ", 3);
        used += 2;
    }
    va_start(ap, fmt);
    vsnprintf(list + used, size - used, fmt, ap);
    va_end(ap);
}

char *harper__buf_cstr(harper__buf *b)
{
    char *end = harper__buf_reserve(b, 1);

    if (end == NULL)
        return NULL;
    *end = '\0';
    return b->data;
}

void harper__buf_reset(harper__buf *b)
{
    b->len = 0;
}

void harper__buf_free(harper__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

char *harper__buf_take(harper__buf *b, size_t *len)
{
    char *p;

    if (harper__buf_cstr(b) == NULL) {
        harper__buf_free(b);
        return NULL;
    }
    p = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

uint32_t harper__get_u32be(const void *p)
{
    const uint8_t *s = p;

    return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
}

uint64_t harper__get_u64be(const void *p)
{
    const uint8_t *s = p;

    return (uint64_t)harper__get_u32be(s) << 32 | harper__get_u32be(s + 4);
}

void harper__put_u32be(void *p, uint32_t v)
{
    uint8_t *d = p;

    d[0] = (uint8_t)(v >> 24);
    d[1] = (uint8_t)(v >> 16);
    d[2] = (uint8_t)(v >> 8);
    d[3] = (uint8_t)v;
}

void harper__put_u64be(void *p, uint64_t v)
{
    harper__put_u32be(p, (uint32_t)(v >> 32));
    harper__put_u32be((uint8_t *)p + 4, (uint32_t)v);
}

uint64_t harper__hash(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

int harper__hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void harper__format(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (out == NULL || size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}
