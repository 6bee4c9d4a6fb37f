/* json.h: writing JSON text the way Harper (JavaScript) writes it, into a harper__buf. */
#ifndef HARPER_JSON_H
#define HARPER_JSON_H

#include <stddef.h>

#include "buf.h"

/* Appends s[0..n) as a JSON string literal with JSON.stringify's escapes. */
void harper__json_string(harper__buf *out, const char *s, size_t n);

/* Appends a number as JavaScript prints it (Number::toString): the shortest digits that read
 * back as the same double, plain from 1e-6 up to 21 integer digits, exponent form (1e+21,
 * 1.5e-7) outside; -0 as 0; NaN and infinities as null, as JSON.stringify does. */
void harper__json_number(harper__buf *out, double d);
#include <cjson/cJSON.h>

/* Appends `v` as compact JSON, numbers as harper__json_number writes them. HARPER_EINVAL for
 * a value nested deeper than 1000 (cJSON never builds one; this guards hand-made trees). */
int harper__json_value(harper__buf *out, const cJSON *v);
#endif
