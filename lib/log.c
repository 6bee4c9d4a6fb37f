/* log.c: formats a line and hands it to the embedder's callback. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void harper__log(const harper__logger *lg, int level, const char *module, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (lg->fn == NULL || level > lg->max_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg->fn(level, module, line, lg->user);
}
