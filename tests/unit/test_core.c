/* test_core.c: parsing, buffers, arena, hash map, config and the allocation wrapper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/hmap.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "core/banned.h"

static int64_t ts(const char *s)
{
        int64_t t = 0;
        struct cxg_error e;

        assert_int_equal(cxg_parse_time(s, strlen(s), &t, &e), CXG_OK);
        return t;
}

static void test_time_accepts_iso_dates_datetimes_zones_and_unix_seconds(void **state)
{
        (void)state;
        assert_int_equal(ts("1970-01-01"), 0);
        assert_int_equal(ts("2024-03-01"), 1709251200);
        assert_int_equal(ts("2024-03-01T09:30:00Z"), 1709251200 + 9 * CXG_HOUR + 30 * CXG_MINUTE);
        assert_int_equal(ts("2024-03-01 09:30"), 1709251200 + 9 * CXG_HOUR + 30 * CXG_MINUTE);
        assert_int_equal(ts("2024-03-01T09:30:00.123+02:00"),
                         1709251200 + 7 * CXG_HOUR + 30 * CXG_MINUTE);
        assert_int_equal(ts("2024-03-01T09:30:00-0500"),
                         1709251200 + 14 * CXG_HOUR + 30 * CXG_MINUTE);
        assert_int_equal(ts("  1709251200 "), 1709251200);
        assert_int_equal(ts("2024-02-29"), 1709164800);
        assert_int_equal(ts("-86400"), -CXG_DAY);
}

static void test_time_rejects_impossible_and_malformed_values(void **state)
{
        static const char *const bad[] = {
            "2023-02-29",       "2024-13-01", "2024-04-31",  "yesterday", "2024-03-01T25:00",
            "2024-03-01T10:61", "2024/03/01", "2024-03-01X", "",          "2024-03-01T10:00+15"};
        struct cxg_error e;
        int64_t t;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cxg_error_clear(&e);
                assert_int_equal(cxg_parse_time(bad[i], strlen(bad[i]), &t, &e), CXG_ERR_PARSE);
                assert_true(e.msg[0] != '\0');
        }
}

static void test_time_format_round_trips(void **state)
{
        char buf[32];

        (void)state;
        assert_string_equal(cxg_time_format(1709251200 + 3661, buf), "2024-03-01T01:01:01Z");
        assert_string_equal(cxg_date_format(1709251200, buf), "2024-03-01");
        assert_string_equal(cxg_time_format(-1, buf), "1969-12-31T23:59:59Z");
        assert_int_equal(cxg_month_index(ts("2024-03-15")), (2024 - 1970) * 12 + 2);
        assert_int_equal(cxg_month_start(cxg_month_index(ts("2024-03-15"))), ts("2024-03-01"));
        assert_int_equal(cxg_month_index(-1), -1);
}

static void test_bool_accepts_common_spellings_any_case(void **state)
{
        static const char *const yes[] = {"yes", "YES", "True", "1", " y ", "T"};
        static const char *const no[] = {"no", "No", "FALSE", "0", "n", "f"};
        int v;

        (void)state;
        for (size_t i = 0; i < 6; i++) {
                assert_int_equal(cxg_parse_bool(yes[i], strlen(yes[i]), &v, NULL), CXG_OK);
                assert_int_equal(v, 1);
                assert_int_equal(cxg_parse_bool(no[i], strlen(no[i]), &v, NULL), CXG_OK);
                assert_int_equal(v, 0);
        }
        assert_int_equal(cxg_parse_bool("maybe", 5, &v, NULL), CXG_ERR_PARSE);
        assert_int_equal(cxg_parse_bool("", 0, &v, NULL), CXG_ERR_PARSE);
}

static void test_numbers_are_strict(void **state)
{
        int64_t i;
        double d;

        (void)state;
        assert_int_equal(cxg_parse_int64("-42", 3, &i, NULL), CXG_OK);
        assert_int_equal(i, -42);
        assert_int_equal(cxg_parse_int64("9223372036854775807", 19, &i, NULL), CXG_OK);
        assert_int_equal(cxg_parse_int64("9223372036854775808", 19, &i, NULL), CXG_ERR_PARSE);
        assert_int_equal(cxg_parse_int64("-9223372036854775808", 20, &i, NULL), CXG_OK);
        assert_true(i == INT64_MIN);
        assert_int_equal(cxg_parse_int64("12a", 3, &i, NULL), CXG_ERR_PARSE);
        assert_int_equal(cxg_parse_double("29.85", 5, &d, NULL), CXG_OK);
        assert_true(fabs(d - 29.85) < 1e-12);
        assert_int_equal(cxg_parse_double("1e3", 3, &d, NULL), CXG_OK);
        assert_true(d == 1000.0);
        assert_int_equal(cxg_parse_double("nan", 3, &d, NULL), CXG_ERR_PARSE);
        assert_int_equal(cxg_parse_double("1e999", 5, &d, NULL), CXG_ERR_PARSE);
        assert_int_equal(cxg_parse_double(" ", 1, &d, NULL), CXG_ERR_PARSE);
        assert_int_equal(cxg_parse_double("0x10", 4, &d, NULL), CXG_ERR_PARSE);
}

static void test_utf8_validation(void **state)
{
        (void)state;
        assert_true(cxg_utf8_valid("caf\xc3\xa9", 5));
        assert_true(cxg_utf8_valid("\xe2\x82\xac", 3));
        assert_false(cxg_utf8_valid("\xc3", 1));
        assert_false(cxg_utf8_valid("\xc0\xaf", 2));     /* overlong */
        assert_false(cxg_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
        assert_false(cxg_utf8_valid("\xff", 1));
}

static void test_buf_caps_growth_and_quotes_json_and_csv(void **state)
{
        struct cxg_buf b;

        (void)state;
        cxg_buf_init(&b, 16);
        assert_int_equal(cxg_buf_puts(&b, "0123456789"), CXG_OK);
        assert_int_equal(cxg_buf_puts(&b, "0123456789"), CXG_ERR_LIMIT);
        assert_int_equal(b.len, 10);
        cxg_buf_release(&b);

        cxg_buf_init(&b, 0);
        assert_int_equal(cxg_buf_json_str(&b, "a\"b\\c\n\x01", 7), CXG_OK);
        assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
        cxg_buf_clear(&b);
        assert_int_equal(cxg_buf_csv_field(&b, "plain", 5), CXG_OK);
        assert_int_equal(cxg_buf_putc(&b, ','), CXG_OK);
        assert_int_equal(cxg_buf_csv_field(&b, "say \"hi\", ok", 12), CXG_OK);
        assert_string_equal(b.data, "plain,\"say \"\"hi\"\", ok\"");
        cxg_buf_clear(&b);
        assert_int_equal(cxg_buf_printf(&b, "%d-%s", 7, "x"), CXG_OK);
        assert_string_equal(b.data, "7-x");
        cxg_buf_release(&b);
}

static void test_arena_aligns_and_caps(void **state)
{
        struct cxg_arena a;
        char *p, *q;

        (void)state;
        cxg_arena_init(&a, 64, 256);
        p = cxg_arena_alloc(&a, 3);
        q = cxg_arena_alloc(&a, 5);
        assert_non_null(p);
        assert_non_null(q);
        assert_int_equal((uintptr_t)q % 16, 0);
        assert_ptr_not_equal(p, q);
        assert_null(cxg_arena_alloc(&a, 1000)); /* over the cap */
        assert_string_equal(cxg_arena_strdup(&a, "abc"), "abc");
        cxg_arena_clear(&a);
        assert_int_equal(a.used, 0);
        assert_non_null(cxg_arena_alloc(&a, 200));
        cxg_arena_release(&a);
}

static void test_hmap_interns_and_grows(void **state)
{
        struct cxg_hmap m;
        char key[32];
        uint64_t v;
        int found;

        (void)state;
        cxg_hmap_init(&m);
        for (int i = 0; i < 10000; i++) {
                int n = snprintf(key, sizeof(key), "k%d", i);

                v = (uint64_t)i * 3;
                assert_int_equal(cxg_hmap_intern(&m, key, (size_t)n, &v, &found, NULL), CXG_OK);
                assert_int_equal(found, 0);
        }
        assert_int_equal(m.count, 10000);
        assert_true(cxg_hmap_get(&m, "k1234", 5, &v));
        assert_int_equal(v, 3702);
        assert_false(cxg_hmap_get(&m, "k10000", 6, &v));
        v = 99;
        assert_int_equal(cxg_hmap_intern(&m, "k5", 2, &v, &found, NULL), CXG_OK);
        assert_int_equal(found, 1);
        assert_int_equal(v, 15);
        assert_int_equal(cxg_hmap_put(&m, "k5", 2, 7), CXG_OK);
        assert_true(cxg_hmap_get(&m, "k5", 2, &v));
        assert_int_equal(v, 7);
        cxg_hmap_release(&m);
}

static void test_hmap_survives_allocation_failures(void **state)
{
        (void)state;
        for (unsigned long k = 1; k < 50; k++) {
                struct cxg_hmap m;
                enum cxg_err rc = CXG_OK;
                char key[16];

                cxg_hmap_init(&m);
                cxg_alloc_fail_at(k);
                for (int i = 0; i < 200 && rc == CXG_OK; i++) {
                        int n = snprintf(key, sizeof(key), "%d", i);

                        rc = cxg_hmap_put(&m, key, (size_t)n, (uint64_t)i);
                }
                cxg_alloc_fail_at(0);
                if (rc != CXG_OK)
                        assert_int_equal(rc, CXG_ERR_NOMEM);
                cxg_hmap_release(&m); /* no leak under ASan */
        }
}

static void test_config_reads_sections_and_reports_bad_lines(void **state)
{
        char path[] = "/tmp/cxg-test-config-XXXXXX";
        struct cxg_config c;
        struct cxg_error e;
        double d;
        long l;
        FILE *f;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        fputs("# comment\ntop = 1\n[Engine]\nHalf_Life_Days = 30\nname = \"a b\"\n"
              "[server]\nport = 99999\n",
              f);
        fclose(f);
        cxg_config_init(&c);
        assert_int_equal(cxg_config_load(&c, path, &e), CXG_OK);
        assert_string_equal(cxg_config_get(&c, "top"), "1");
        assert_string_equal(cxg_config_get(&c, "engine.name"), "a b");
        assert_int_equal(cxg_config_double(&c, "engine.half_life_days", 1, &d, &e), CXG_OK);
        assert_true(d == 30.0);
        assert_int_equal(cxg_config_long(&c, "server.port", 8080, 1, 65535, &l, &e),
                         CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, ":7:"));
        assert_int_equal(cxg_config_long(&c, "server.threads", 2, 1, 64, &l, &e), CXG_OK);
        assert_int_equal(l, 2);
        cxg_config_release(&c);

        f = fopen(path, "w");
        fputs("[ok]\njust words\n", f);
        fclose(f);
        cxg_config_init(&c);
        assert_int_equal(cxg_config_load(&c, path, &e), CXG_ERR_PARSE);
        assert_non_null(strstr(e.msg, ":2: expected 'key = value'"));
        cxg_config_release(&c);
        unlink(path);
}

/* 4096 distinct keys load; the 4097th is refused naming its line, a repeated key is not new */
static void test_config_refuses_more_than_4096_keys(void **state)
{
        char path[] = "/tmp/cxg-test-config-XXXXXX";
        struct cxg_config c;
        struct cxg_error e;
        FILE *f;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        for (int i = 0; i < 4096; i++)
                fprintf(f, "k%d = %d\n", i, i);
        fputs("k0 = again\n", f);
        fclose(f);
        cxg_config_init(&c);
        assert_int_equal(cxg_config_load(&c, path, &e), CXG_OK);
        assert_string_equal(cxg_config_get(&c, "k0"), "again");
        assert_string_equal(cxg_config_get(&c, "k4095"), "4095");
        cxg_config_release(&c);

        f = fopen(path, "a");
        fputs("one_more = 1\n", f);
        fclose(f);
        cxg_config_init(&c);
        assert_int_equal(cxg_config_load(&c, path, &e), CXG_ERR_LIMIT);
        assert_non_null(strstr(e.msg, ":4098: too many keys (at most 4096)"));
        cxg_config_release(&c);
        unlink(path);
}

static void test_error_format_names_file_line_and_field(void **state)
{
        struct cxg_error e;
        char out[256];

        (void)state;
        cxg_error_setf(&e, CXG_ERR_INVALID, "email", "not an address: \"%s\"", "bob@");
        cxg_error_at(&e, "people.csv", 118);
        assert_string_equal(cxg_error_format(&e, out, sizeof(out)),
                            "people.csv:118: field 'email': not an address: \"bob@\"");
        assert_string_equal(cxg_strerror(CXG_ERR_NOMEM), "out of memory");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_time_accepts_iso_dates_datetimes_zones_and_unix_seconds),
            cmocka_unit_test(test_time_rejects_impossible_and_malformed_values),
            cmocka_unit_test(test_time_format_round_trips),
            cmocka_unit_test(test_bool_accepts_common_spellings_any_case),
            cmocka_unit_test(test_numbers_are_strict),
            cmocka_unit_test(test_utf8_validation),
            cmocka_unit_test(test_buf_caps_growth_and_quotes_json_and_csv),
            cmocka_unit_test(test_arena_aligns_and_caps),
            cmocka_unit_test(test_hmap_interns_and_grows),
            cmocka_unit_test(test_hmap_survives_allocation_failures),
            cmocka_unit_test(test_config_reads_sections_and_reports_bad_lines),
            cmocka_unit_test(test_config_refuses_more_than_4096_keys),
            cmocka_unit_test(test_error_format_names_file_line_and_field),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
