/* buf.h: a growable byte buffer, the one way lib/ builds keys and JSON text.
 * Allocation failure is sticky: once `failed` is set every append is ignored, so a caller can
 * append a whole key and check once at the end. */
#ifndef HARPER_BUF_H
#define HARPER_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct harper__buf {
    char *data;     /* NULL until the first append; not NUL-terminated unless asked */
    size_t len;
    size_t cap;
    int failed;     /* 1 after an allocation failure */
} harper__buf;

#define HARPER__BUF_INIT {NULL, 0, 0, 0}

void harper__buf_append(harper__buf *b, const void *p, size_t n);
void harper__buf_byte(harper__buf *b, uint8_t c);
void harper__buf_str(harper__buf *b, const char *s);
void harper__buf_u32be(harper__buf *b, uint32_t v);
void harper__buf_u64be(harper__buf *b, uint64_t v);
/* Appends printf-style text. */
void harper__buf_printf(harper__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends one message to a list of them, after ". " unless it is the first: how Harper joins
 * validation messages. */
void harper__buf_join(harper__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same into a fixed NUL-terminated array of `size` bytes; what does not fit is cut. */
void harper__join(char *list, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Makes room for `n` more bytes; returns a pointer to them or NULL (and sets failed). */
char *harper__buf_reserve(harper__buf *b, size_t n);
/* Appends a NUL that is not counted in len; returns data or NULL on failure. */
char *harper__buf_cstr(harper__buf *b);
void harper__buf_reset(harper__buf *b);
void harper__buf_free(harper__buf *b);
/* Hands data to the caller (who frees it with free()) and empties the buffer. NULL on failure. */
char *harper__buf_take(harper__buf *b, size_t *len);

/* printf into the fixed array out[0..size) (NUL-terminated, cut when too long); out NULL or
 * size 0 does nothing. For error texts handed back through `char *err, size_t err_size`. */
void harper__format(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The value of one hexadecimal digit (either case), or -1. */
int harper__hex_digit(int c);

/* harper__buf_printf with a va_list. */
void harper__buf_vprintf(harper__buf *b, const char *fmt, va_list ap);

/* A 64-bit FNV-1a hash: for spreading short keys over buckets, not against an attacker. */
uint64_t harper__hash(const void *p, size_t n);

uint32_t harper__get_u32be(const void *p);
uint64_t harper__get_u64be(const void *p);
void harper__put_u32be(void *p, uint32_t v);
void harper__put_u64be(void *p, uint64_t v);

#endif
