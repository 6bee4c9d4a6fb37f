/* log.h: the library's logging, through the embedder's callback only.
 * HARPER__LOG tests the level before formatting, so a disabled line costs one compare. */
#ifndef HARPER_LOG_H
#define HARPER_LOG_H

#include "harper.h"

typedef struct harper__logger {
    harper_log_fn fn;  /* NULL: no output */
    void *user;
    int max_level;
} harper__logger;

void harper__log(const harper__logger *lg, int level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define HARPER__LOG(lg, level, module, ...)                               \
    do {                                                                  \
        if ((lg)->fn != NULL && (level) <= (lg)->max_level)               \
            harper__log((lg), (level), (module), __VA_ARGS__);            \
    } while (0)

#endif
