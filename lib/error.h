/* error.h: filling a caller's harper_error. */
#ifndef HARPER_ERROR_H
#define HARPER_ERROR_H

#include "harper.h"

/* Sets err (if not NULL) to `code` and the formatted message; returns `code` so that a caller
 * can write `return harper__error_set(err, HARPER_EINVAL, "...")`. */
int harper__error_set(harper_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
