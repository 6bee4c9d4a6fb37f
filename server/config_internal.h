/* config_internal.h: what config.c, config_env.c and config_check.c share; not for other
 * modules, whose contract is config.h. Paths are dotted ("operationsApi.network.port"). */
#ifndef HARPER_SERVER_CONFIG_INTERNAL_H
#define HARPER_SERVER_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* ---- config.c: the tree and files ---- */

/* Formats a message into err (when there is room) and returns -1, for `return config_fail()`. */
int config_fail(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The value at a dotted path (a segment of digits indexes an array), or NULL. Borrowed. */
cJSON *config_path_get(const cJSON *tree, const char *path);
/* The object holding the last segment of `path` (NULL if there is none), and that segment in
 * *key (pointing into path). */
cJSON *config_path_parent(const cJSON *tree, const char *path, const char **key);
/* Sets the value at `path`, taking it (also on failure), making missing parents. 0 or -1. */
int config_path_set(cJSON *tree, const char *path, cJSON *value);
void config_path_delete(cJSON *tree, const char *path);
/* Adds every leaf of `v` (arrays are leaves) to `out` as {dotted path: copy}. 0 or -1. */
int config_flatten(const cJSON *v, const char *prefix, cJSON *out);
/* mkdir -p with private new folders. 0 or -1 with errno. */
int config_make_dirs(const char *dir);
/* Replaces `path` whole through a renamed temporary file. 0 or -1 with errno. */
int config_write_file(const char *path, const char *data, size_t len);

/* ---- config_env.c: names, casting and overrides ---- */

/* The dotted path a flattened name or alias stands for, any case (a new string), or NULL. */
char *config_key_path(const char *name, bool components);
/* A decimal number as JavaScript's Number() reads one. */
bool config_parse_number(const char *s, double *out);
/* One flattened setting, cast and applied as Harper's updateConfigValue does. 0 or -1. */
int config_apply_setting(cJSON *tree, const char *path, const cJSON *raw);
/* The environment's flattened settings as {dotted path: text}, or NULL out of memory. */
cJSON *config_env_settings(void);
/* HARPER_DEFAULT_CONFIG and HARPER_SET_CONFIG with their state file. 0 or -1 and err. */
int config_apply_env_json(cJSON *tree, const char *root, bool install, char *err,
                          size_t err_size);
/* The environment's flattened settings but those HARPER_SET_CONFIG sets. 0 or -1 and err. */
int config_apply_env_settings(cJSON *tree, char *err, size_t err_size);

/* ---- config_check.c: computed values and validation ---- */

/* `threads: 4` (or null) becomes `threads: {count: 4}`. 0 or -1. */
int config_normalize_threads(cJSON *tree);
/* Fills what Harper's validator computes: thread count, paths under rootPath. 0 or -1. */
int config_compute_defaults(cJSON *tree);
/* Nulls a plain port equal to its securePort. 0 or -1. */
int config_settle_ports(cJSON *tree);
/* Checks (and converts text in) the whole tree. 0, or -1 with Harper's message in err. */
int config_validate(cJSON *tree, char *err, size_t err_size);

#endif
