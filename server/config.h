/* config.h: harperdb-config.yaml: Harper's option names and defaults (spec/configuration.md),
 * the dev overlay, overrides from the environment (flattened names such as
 * OPERATIONSAPI_NETWORK_PORT, HARPER_SET_CONFIG, HARPER_DEFAULT_CONFIG), reads by path, and
 * set_configuration. The configuration is one nested cJSON tree; unknown keys are kept. */
#ifndef HARPER_SERVER_CONFIG_H
#define HARPER_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct server_config server_config;

/* Writes <root>/harperdb-config.yaml (making <root>) from Harper's template with the dev
 * overlay when `dev` (plain HTTP 9925/9926, authorizeLocal, logging.level info, stdStreams),
 * then the environment's overrides as Harper's install applies them (a plain port given nulls
 * its securePort), rootPath, and the paths under <root> (componentsRoot, logging.root,
 * storage.path, tls.privateKey, operationsApi.network.domainSocket). ROOTPATH and HDB_ROOT
 * are not written: `root` is the root. Does nothing if the file exists. 0 or -1 with a
 * message in err. */
int config_install(const char *root, bool dev, char *err, size_t err_size);

/* Reads <root>/harperdb-config.yaml, fills Harper's defaults for absent keys, and applies the
 * environment's overrides: HARPER_DEFAULT_CONFIG and HARPER_SET_CONFIG (bookkept in
 * <root>/backup/.harper-config-state.json), then flattened names. If an override changed
 * something, the old file is copied to <root>/backup/ and the new one written; otherwise the
 * file is left as it is. -1 and a message on a malformed file ("<file>: did not find expected
 * key at line 3, column 2") or value ("<file>: HarperDB config file validation error: ...").
 * Thread-safety: the result is read-only after load, except through config_set. */
int config_load(const char *root, server_config **out, char *err, size_t err_size);
void config_free(server_config *c);

/* The value at a dotted path ("operationsApi.network.port", "http.corsAccessList.0"), or NULL.
 * Paths the file lacks but spec section 3 gives a default for (http.headersTimeout,
 * storage.blobPaths, ...) read as that default. Borrowed: valid until the next config_set. */
const cJSON *config_get(const server_config *c, const char *path);
/* Typed reads with a default for absent or null values (and for values of another type). */
long config_int(const server_config *c, const char *path, long def);
bool config_bool(const server_config *c, const char *path, bool def);
const char *config_string(const server_config *c, const char *path, const char *def);

/* The whole configuration as a new cJSON tree (cJSON_Delete), for get_configuration: the
 * file's settings with Harper's computed values (threads.count, paths under rootPath). */
cJSON *config_snapshot(const server_config *c);

/* set_configuration: every member of `flat` whose name is a flattened config key (any case,
 * '_' between segments, legacy aliases, or a component's <name>_port / <name>_package) is
 * cast as Harper casts ("9927" is a number), validated and set; unknown names are ignored.
 * The file is rewritten after a backup, unless nothing changed. 0, or -1 with Harper's
 * message ("HarperDB config file validation error: 'http.cors' must be a boolean") in err and
 * nothing changed. Thread-safety: callers serialize. */
int config_set(server_config *c, const cJSON *flat, char *err, size_t err_size);

#endif
