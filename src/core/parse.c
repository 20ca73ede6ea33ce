/* parse.c: timestamps, booleans and numbers as users write them, parsed strictly. */
#include "core/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeconst.h"
#include "core/banned.h"

int cxg_is_blank(const char *s, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
                        return 0;
        return 1;
}

void cxg_trim(const char **s, size_t *n)
{
        const char *p = *s;
        size_t len = *n;

        while (len && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
                p++;
                len--;
        }
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' ||
                       p[len - 1] == '\n'))
                len--;
        *s = p;
        *n = len;
}

int cxg_ieq(const char *s, size_t n, const char *w)
{
        size_t i;

        for (i = 0; i < n; i++) {
                char a = s[i], b = w[i];

                if (!b)
                        return 0;
                if (a >= 'A' && a <= 'Z')
                        a = (char)(a - 'A' + 'a');
                if (b >= 'A' && b <= 'Z')
                        b = (char)(b - 'A' + 'a');
                if (a != b)
                        return 0;
        }
        return w[n] == '\0';
}

int cxg_utf8_valid(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + n;

        while (p < end) {
                unsigned c = *p;
                size_t k;
                unsigned cp, min;

                if (c < 0x80) {
                        p++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0) {
                        k = 1, cp = c & 0x1f, min = 0x80;
                } else if ((c & 0xf0) == 0xe0) {
                        k = 2, cp = c & 0x0f, min = 0x800;
                } else if ((c & 0xf8) == 0xf0) {
                        k = 3, cp = c & 0x07, min = 0x10000;
                } else {
                        return 0;
                }
                if ((size_t)(end - p) <= k)
                        return 0;
                for (size_t i = 1; i <= k; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return 0;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return 0;
                p += k + 1;
        }
        return 1;
}

int64_t cxg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
        /* Howard Hinnant's days_from_civil */
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

void cxg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
        int64_t era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        *y = yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
        *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
        *y += *m <= 2;
}

static int64_t floor_div(int64_t a, int64_t b)
{
        int64_t q = a / b;

        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t cxg_month_index(int64_t t)
{
        int64_t y;
        unsigned m, d;

        cxg_civil_from_days(floor_div(t, CXG_DAY), &y, &m, &d);
        return (y - 1970) * 12 + (m - 1);
}

int64_t cxg_month_start(int64_t mi)
{
        int64_t y = 1970 + floor_div(mi, 12);
        unsigned m = (unsigned)(mi - floor_div(mi, 12) * 12) + 1;

        return cxg_days_from_civil(y, m, 1) * CXG_DAY;
}

char *cxg_time_format(int64_t t, char *out)
{
        int64_t y, days = floor_div(t, CXG_DAY), secs = t - days * CXG_DAY;
        unsigned m, d;

        cxg_civil_from_days(days, &y, &m, &d);
        char tmp[96];

        snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
                 (int)(secs / CXG_HOUR), (int)(secs / CXG_MINUTE % 60), (int)(secs % 60));
        memcpy(out, tmp, 20);
        out[20] = '\0';
        return out;
}

char *cxg_date_format(int64_t t, char *out)
{
        int64_t y;
        unsigned m, d;

        cxg_civil_from_days(floor_div(t, CXG_DAY), &y, &m, &d);
        char tmp[96];

        snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02u", (long long)y, m, d);
        memcpy(out, tmp, 10);
        out[10] = '\0';
        return out;
}

/* read exactly k digits at s[*i] */
static int digits(const char *s, size_t n, size_t *i, int k, int *out)
{
        int v = 0;

        if (*i + (size_t)k > n)
                return 0;
        for (int j = 0; j < k; j++) {
                char c = s[*i + (size_t)j];

                if (c < '0' || c > '9')
                        return 0;
                v = v * 10 + (c - '0');
        }
        *i += (size_t)k;
        *out = v;
        return 1;
}

static int days_in_month(int y, int m)
{
        static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        return m == 2 ? 28 + leap : dm[m - 1];
}

enum cxg_err cxg_parse_time(const char *s0, size_t n0, int64_t *out, struct cxg_error *err)
{
        const char *s = s0;
        size_t n = n0, i = 0;
        int y, mo, d, hh = 0, mi = 0, ss = 0, tz = 0;
        int allnum = 1;

        cxg_trim(&s, &n);
        if (!n)
                return cxg_error_set(err, CXG_ERR_PARSE, "empty timestamp");
        for (size_t k = 0; k < n; k++)
                if (!((s[k] >= '0' && s[k] <= '9') || (k == 0 && s[k] == '-')))
                        allnum = 0;
        if (allnum && n <= 12) {
                int64_t v;

                if (cxg_parse_int64(s, n, &v, NULL) == CXG_OK) {
                        *out = v;
                        return CXG_OK;
                }
        }
        if (!digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || !digits(s, n, &i, 2, &mo) ||
            i >= n || s[i++] != '-' || !digits(s, n, &i, 2, &d))
                goto bad;
        if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
                return cxg_error_set(err, CXG_ERR_PARSE, "no such date: \"%.*s\"", (int)n, s);
        if (i < n) {
                if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
                        goto bad;
                i++;
                if (!digits(s, n, &i, 2, &hh) || i >= n || s[i++] != ':' ||
                    !digits(s, n, &i, 2, &mi))
                        goto bad;
                if (i < n && s[i] == ':') {
                        i++;
                        if (!digits(s, n, &i, 2, &ss))
                                goto bad;
                        if (i < n && (s[i] == '.' || s[i] == ',')) {
                                i++;
                                if (i >= n || s[i] < '0' || s[i] > '9')
                                        goto bad;
                                while (i < n && s[i] >= '0' && s[i] <= '9')
                                        i++;
                        }
                }
                if (hh > 24 || mi > 59 || ss > 60 || (hh == 24 && (mi || ss)))
                        return cxg_error_set(err, CXG_ERR_PARSE, "no such time: \"%.*s\"", (int)n,
                                             s);
                if (i < n) {
                        if (s[i] == 'Z' || s[i] == 'z') {
                                i++;
                        } else if (s[i] == '+' || s[i] == '-') {
                                int sign = s[i] == '-' ? -1 : 1, th, tm = 0;

                                i++;
                                if (!digits(s, n, &i, 2, &th))
                                        goto bad;
                                if (i < n && s[i] == ':')
                                        i++;
                                if (i < n && !digits(s, n, &i, 2, &tm))
                                        goto bad;
                                if (th > 14 || tm > 59)
                                        goto bad;
                                tz = sign * (th * CXG_HOUR + tm * CXG_MINUTE);
                        } else {
                                goto bad;
                        }
                }
                if (i != n)
                        goto bad;
        }
        if (ss == 60)
                ss = 59; /* leap second: clamp */
        *out = cxg_days_from_civil(y, (unsigned)mo, (unsigned)d) * CXG_DAY + hh * CXG_HOUR +
               mi * CXG_MINUTE + ss - tz;
        return CXG_OK;
bad:
        return cxg_error_set(err, CXG_ERR_PARSE,
                             "not a timestamp: \"%.*s\" (use ISO 8601 like 2024-03-01 or "
                             "2024-03-01T09:30:00Z, or unix seconds)",
                             (int)(n > 64 ? 64 : n), s);
}

enum cxg_err cxg_parse_bool(const char *s, size_t n, int *out, struct cxg_error *err)
{
        cxg_trim(&s, &n);
        if (cxg_ieq(s, n, "yes") || cxg_ieq(s, n, "true") || cxg_ieq(s, n, "1") ||
            cxg_ieq(s, n, "y") || cxg_ieq(s, n, "t")) {
                *out = 1;
                return CXG_OK;
        }
        if (cxg_ieq(s, n, "no") || cxg_ieq(s, n, "false") || cxg_ieq(s, n, "0") ||
            cxg_ieq(s, n, "n") || cxg_ieq(s, n, "f")) {
                *out = 0;
                return CXG_OK;
        }
        return cxg_error_set(err, CXG_ERR_PARSE,
                             "not a boolean: \"%.*s\" (use yes/no, true/false or 1/0)",
                             (int)(n > 64 ? 64 : n), s);
}

enum cxg_err cxg_parse_int64(const char *s, size_t n, int64_t *out, struct cxg_error *err)
{
        size_t i = 0;
        int neg = 0;
        uint64_t v = 0, lim;

        cxg_trim(&s, &n);
        if (n && (s[0] == '-' || s[0] == '+')) {
                neg = s[0] == '-';
                i = 1;
        }
        if (i == n)
                goto bad;
        lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (; i < n; i++) {
                unsigned dgt;

                if (s[i] < '0' || s[i] > '9')
                        goto bad;
                dgt = (unsigned)(s[i] - '0');
                if (v > (lim - dgt) / 10)
                        return cxg_error_set(err, CXG_ERR_PARSE, "integer out of range: \"%.*s\"",
                                             (int)(n > 64 ? 64 : n), s);
                v = v * 10 + dgt;
        }
        *out = neg ? (int64_t)(0 - v) : (int64_t)v;
        return CXG_OK;
bad:
        return cxg_error_set(err, CXG_ERR_PARSE, "not a whole number: \"%.*s\"",
                             (int)(n > 64 ? 64 : n), s);
}

enum cxg_err cxg_parse_double(const char *s, size_t n, double *out, struct cxg_error *err)
{
        char tmp[64];
        char *end;
        double v;
        size_t i;

        cxg_trim(&s, &n);
        if (!n || n >= sizeof(tmp))
                goto bad;
        for (i = 0; i < n; i++) {
                char c = s[i];

                if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
                      c == 'E'))
                        goto bad;
        }
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        errno = 0;
        v = strtod(tmp, &end);
        if (end != tmp + n || !isfinite(v) || errno == ERANGE)
                goto bad;
        *out = v;
        return CXG_OK;
bad:
        return cxg_error_set(err, CXG_ERR_PARSE, "not a number: \"%.*s\"", (int)(n > 64 ? 64 : n),
                             s);
}
