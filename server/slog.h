/* slog.h: harper-server's log: <root>/log/hdb.log in Harper's line format
 *   2025-02-12T16:50:59.123Z [main/0] [notify]: HarperDB successfully started.
 * (spec/configuration.md section 6), filtered by logging.level, copied to stderr when
 * logging.stdStreams is on. Safe from any thread. */
#ifndef HARPER_SERVER_SLOG_H
#define HARPER_SERVER_SLOG_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

enum slog_level {
    SLOG_TRACE = 0, SLOG_DEBUG, SLOG_INFO, SLOG_WARN, SLOG_ERROR, SLOG_FATAL, SLOG_NOTIFY
};

typedef struct server_log server_log;

/* Opens (appending, creating folders) the log at `path`. NULL `path`: stderr only. */
server_log *slog_open(const char *path, int level, bool std_streams);
void slog_close(server_log *log);

/* Level from Harper's name ("warn"), or -1. */
int slog_level_from_name(const char *name);
/* Harper's name of a level ("warn"), or NULL out of range. Static. */
const char *slog_level_name(int level);

/* One line; `tag` (may be NULL) is the optional [tag] after the level. Lines below the log's
 * level cost one compare. */
void slog_write(server_log *log, int level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A libharper log callback (user = the server_log). */
void slog_from_library(int level, const char *module, const char *message, void *user);

/* read_log: parses the log file into Harper's objects {"level","timestamp","thread","tags",
 * "message"} and filters them by `query` (read_log's start, limit, level, from, until, order,
 * filter). A new array (cJSON_Delete), or NULL with err set. */
cJSON *slog_read(const char *path, const cJSON *query, char *err, size_t err_size);


#endif
