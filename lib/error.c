/* error.c: error codes, their texts, and the caller's error struct. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *harper_strerror(int code)
{
    switch (code) {
#define HARPER_ERRNO_TEXT(name, value, text) \
    case HARPER_##name:                      \
        return text;
        HARPER_ERRNO_MAP(HARPER_ERRNO_TEXT)
#undef HARPER_ERRNO_TEXT
    }
    return "unknown error";
}

int harper__error_set(harper_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void harper_free(void *p)
{
    free(p);
}

const char *harper_version(void)
{
#define HARPER_STR2(x) #x
#define HARPER_STR(x) HARPER_STR2(x)
    return HARPER_STR(HARPER_VERSION_MAJOR) "." HARPER_STR(HARPER_VERSION_MINOR) "." HARPER_STR(
        HARPER_VERSION_PATCH);
}
