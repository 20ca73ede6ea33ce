/* log.h: one-line structured logs on stderr. */
#ifndef CXG_LOG_H
#define CXG_LOG_H

enum cxg_log_level { CXG_LOG_DEBUG, CXG_LOG_INFO, CXG_LOG_WARN, CXG_LOG_ERROR, CXG_LOG_OFF };

/* Messages below level are dropped. Default: CXG_LOG_INFO. */
void cxg_log_set_level(enum cxg_log_level level);
/* Parse "debug", "info", "warn", "error", "off"; returns -1 when unknown. */
int cxg_log_level_parse(const char *s);
/* Write "2024-03-01T09:30:00Z level message" to stderr, one line, thread-safe. */
void cxg_log(enum cxg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
