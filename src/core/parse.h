/* parse.h: strict parsing of the scalar values users type: timestamps, booleans, numbers. */
#ifndef CXG_PARSE_H
#define CXG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Marks an absent timestamp (a NULL in the store). */
#define CXG_TS_NONE INT64_MIN

/*
 * Parse a timestamp of n bytes into unix seconds (UTC). Accepts ISO 8601 dates
 * ("2024-03-01"), date-times with 'T' or a space, optional seconds and fraction, and a zone
 * (Z, +hh, +hh:mm, +hhmm); no zone means UTC. Also accepts unix seconds (an integer of up to
 * 11 digits, optionally negative). Surrounding blanks are ignored. Returns CXG_ERR_PARSE with
 * a message in err on anything else, including impossible dates like 2023-02-30.
 */
enum cxg_err cxg_parse_time(const char *s, size_t n, int64_t *out, struct cxg_error *err) CXG_WUR;

/* Format unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
char *cxg_time_format(int64_t t, char *out);
/* Format unix seconds as "YYYY-MM-DD" into out (at least 11 bytes). */
char *cxg_date_format(int64_t t, char *out);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t cxg_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of cxg_days_from_civil. */
void cxg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Months since 1970-01 of the timestamp (0 for January 1970), for monthly buckets. */
int64_t cxg_month_index(int64_t t);
/* Unix seconds of the first instant of month index mi. */
int64_t cxg_month_start(int64_t mi);

/* yes/no, true/false, 1/0, y/n, t/f (any case, blanks ignored) -> 1/0; else CXG_ERR_PARSE. */
enum cxg_err cxg_parse_bool(const char *s, size_t n, int *out, struct cxg_error *err) CXG_WUR;
/* Whole decimal integer, optional sign, blanks ignored; overflow is an error. */
enum cxg_err cxg_parse_int64(const char *s, size_t n, int64_t *out, struct cxg_error *err) CXG_WUR;
/* Finite decimal number ("12", "-3.5", "1e3"), blanks ignored; nan/inf are errors. */
enum cxg_err cxg_parse_double(const char *s, size_t n, double *out, struct cxg_error *err) CXG_WUR;

/* 1 when the n bytes are empty or only blanks. */
int cxg_is_blank(const char *s, size_t n);
/* Trim blanks (space, tab, CR, LF) on both ends of [*s, *s + *n). */
void cxg_trim(const char **s, size_t *n);
/* Case-insensitive comparison of n bytes of s with the NUL-terminated word w (ASCII). */
int cxg_ieq(const char *s, size_t n, const char *w);
/* 1 when the n bytes are valid UTF-8. */
int cxg_utf8_valid(const char *s, size_t n);

#endif
