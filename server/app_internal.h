/* app_internal.h: what app.c and app_files.c share and nothing else needs: the `files`
 * option and the folder walk, and small string-list helpers. */
#ifndef HARPER_SERVER_APP_INTERNAL_H
#define HARPER_SERVER_APP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "buf.h"

/* Reads a `files` option into f (app_files_free it whatever the result). `new_style` checks
 * patterns as the static plugin does (a leading '/' refused, `.` meaning everything), else as
 * graphqlSchema and jsResource do (a leading '/' dropped). 0; 1 with Harper's message
 * appended to msg when the option is wrong; -1 out of memory. */
int app_files_parse(const cJSON *files, bool new_style, app_files *f, harper__buf *msg);
void app_files_free(app_files *f);

/* The regular files under `dir` that f matches (and no ignore pattern does), relative to it
 * and sorted bytewise, into a new array *out of *n strings (app_names_free). Links are
 * followed while they stay within real_dir; hidden folders are entered only on the way to a
 * pattern's base folder. 0; 1 with a message in msg past APP_MAX_FILES; -1 out of memory. */
int app_files_list(const char *dir, const char *real_dir, const app_files *f, char ***out,
                   size_t *n, harper__buf *msg);

/* Appends a copy of s to *list of *n strings. 0, or -1 out of memory (list unchanged). */
int app_strings_push(char ***list, size_t *n, const char *s);
/* qsort comparator for an array of strings, bytewise. */
int app_strings_compare(const void *a, const void *b);

#endif
