/* log.c: timestamped log lines on stderr; one fprintf per line keeps lines whole. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/parse.h"
#include "core/banned.h"

static enum cxg_log_level min_level = CXG_LOG_INFO;

void cxg_log_set_level(enum cxg_log_level level)
{
        min_level = level;
}

int cxg_log_level_parse(const char *s)
{
        static const char *const names[] = {"debug", "info", "warn", "error", "off"};

        for (int i = 0; i < 5; i++)
                if (strcmp(s, names[i]) == 0)
                        return i;
        return -1;
}

void cxg_log(enum cxg_log_level level, const char *fmt, ...)
{
        static const char *const names[] = {"debug", "info", "warn", "error", "off"};
        char line[2048], ts[24];
        va_list ap;
        int n;

        if (level < min_level)
                return;
        cxg_time_format((int64_t)time(NULL), ts);
        n = snprintf(line, sizeof(line), "%s %s ", ts, names[level]);
        va_start(ap, fmt);
        if (n > 0 && (size_t)n < sizeof(line))
                vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        fprintf(stderr, "%s\n", line);
}
