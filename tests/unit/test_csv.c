/* test_csv.c: the RFC 4180 reader, case by case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "ingest/csv.h"

/*
 * Read all of s and render the records as "line:f1|f2|...\n" (fields joined by '|', an error
 * as "line:!code\n"), so each test states the whole expected outcome in one string.
 */
static char *render(const char *s, size_t n, char delim, size_t max_record)
{
        static char out[16384];
        struct ingest_csv r;
        struct cxg_error err;
        size_t o = 0;
        int got;

        assert_int_equal(ingest_csv_init(&r, "t.csv", s, n, delim, max_record, &err), CXG_OK);
        out[0] = '\0';
        for (;;) {
                enum cxg_err rc = ingest_csv_next(&r, &got, &err);

                if (rc) {
                        o += (size_t)snprintf(out + o, sizeof(out) - o, "%ld:!%d\n", err.line,
                                              (int)rc);
                        continue;
                }
                if (!got)
                        break;
                o += (size_t)snprintf(out + o, sizeof(out) - o, "%ld:", r.rec_line);
                for (size_t i = 0; i < r.n_fields; i++)
                        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s", i ? "|" : "",
                                              (int)r.fields[i].n, r.fields[i].p);
                o += (size_t)snprintf(out + o, sizeof(out) - o, "\n");
        }
        ingest_csv_release(&r);
        return out;
}

#define R(s) render(s, sizeof(s) - 1, 0, 0)

static void test_csv_plain_records_lf_and_crlf(void **state)
{
        (void)state;
        assert_string_equal(R("a,b,c\n1,2,3\n"), "1:a|b|c\n2:1|2|3\n");
        assert_string_equal(R("a,b,c\r\n1,2,3\r\n"), "1:a|b|c\n2:1|2|3\n");
        assert_string_equal(R("a,b\r\n1,2\n3,4\r\n"), "1:a|b\n2:1|2\n3:3|4\n");
}

static void test_csv_last_line_without_newline(void **state)
{
        (void)state;
        assert_string_equal(R("a,b\n1,2"), "1:a|b\n2:1|2\n");
        assert_string_equal(R("a,b\r\n1,2\r"), "1:a|b\n2:1|2\n");
        assert_string_equal(R("a,\"b\""), "1:a|b\n");
}

static void test_csv_empty_fields(void **state)
{
        (void)state;
        assert_string_equal(R(",,\n"), "1:||\n");
        assert_string_equal(R("a,\n"), "1:a|\n");
        assert_string_equal(R("a,"), "1:a|\n");
        assert_string_equal(R("a,\"\",c\n"), "1:a||c\n");
}

static void test_csv_quoted_commas_and_doubled_quotes(void **state)
{
        (void)state;
        assert_string_equal(R("\"a,b\",c\n"), "1:a,b|c\n");
        assert_string_equal(R("\"say \"\"hi\"\"\",x\n"), "1:say \"hi\"|x\n");
        assert_string_equal(R("\"\"\"\"\n"), "1:\"\n");
        assert_string_equal(R("\"a\"\"\",\"\"\"b\"\n"), "1:a\"|\"b\n");
}

static void test_csv_embedded_newlines_keep_line_numbers(void **state)
{
        (void)state;
        assert_string_equal(R("h1,h2\n\"multi\nline\",x\nnext,y\n"),
                            "1:h1|h2\n2:multi\nline|x\n4:next|y\n");
        assert_string_equal(R("h\r\n\"a\r\nb\"\r\nc\r\n"), "1:h\n2:a\r\nb\n4:c\n");
}

static void test_csv_bom_is_stripped(void **state)
{
        (void)state;
        assert_string_equal(R("\xef\xbb\xbf"
                              "id,name\n1,x\n"),
                            "1:id|name\n2:1|x\n");
}

static void test_csv_blank_lines_are_skipped(void **state)
{
        (void)state;
        assert_string_equal(R("a\n\n\r\nb\n\n"), "1:a\n4:b\n");
        assert_string_equal(R(""), "");
        assert_string_equal(R("\n\n"), "");
}

static void test_csv_other_delimiters(void **state)
{
        const char s[] = "a;b;\"c;d\"\n1;2;3\n";

        (void)state;
        assert_string_equal(render(s, sizeof(s) - 1, ';', 0), "1:a|b|c;d\n2:1|2|3\n");
        assert_string_equal(render("a\tb,c\n", 6, '\t', 0), "1:a|b,c\n");
}

static void test_csv_bare_quotes_and_text_after_quote_are_kept(void **state)
{
        (void)state;
        assert_string_equal(R("5\"2,x\n"), "1:5\"2|x\n");
        assert_string_equal(R("\"ab\"cd,x\n"), "1:abcd|x\n");
        assert_string_equal(R("\"a\"\"b\"c\r\n"), "1:a\"bc\n");
}

static void test_csv_unterminated_quote_names_its_line(void **state)
{
        struct ingest_csv r;
        struct cxg_error err;
        const char s[] = "a,b\n1,2\n3,\"open\nmore\nlines\n";
        int got;

        (void)state;
        assert_int_equal(ingest_csv_init(&r, "t.csv", s, sizeof(s) - 1, 0, 0, &err), CXG_OK);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_ERR_PARSE);
        assert_int_equal(err.line, 3);
        assert_string_equal(err.file, "t.csv");
        assert_non_null(strstr(err.msg, "opened on line 3 is never closed"));
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(got, 0);
        ingest_csv_release(&r);
}

static void test_csv_record_over_cap_is_an_error_and_reading_goes_on(void **state)
{
        const char s[] = "a,b\n0123456789,0123456789\n\"x\"\"yyyyyyyyyyyyyyyyyyyy\",1\nc,d\n";

        (void)state;
        /* cap 16 bytes: the 2nd and 3rd records are too long, the 4th is fine */
        assert_string_equal(render(s, sizeof(s) - 1, 0, 16), "1:a|b\n2:!9\n3:!9\n4:c|d\n");
}

static void test_csv_more_than_4096_fields_is_an_error(void **state)
{
        size_t n = 4097 * 2 + 4;
        char *s = malloc(n + 1), *out;
        size_t o = 0;

        (void)state;
        assert_non_null(s);
        for (int i = 0; i < 4097; i++) {
                s[o++] = 'x';
                s[o++] = i < 4096 ? ',' : '\n';
        }
        memcpy(s + o, "a,b\n", 4);
        o += 4;
        out = render(s, o, 0, 0);
        assert_string_equal(out, "1:!9\n2:a|b\n");
        /* exactly 4096 fields is fine */
        o = 0;
        for (int i = 0; i < 4096; i++) {
                s[o++] = 'x';
                s[o++] = i < 4095 ? ',' : '\n';
        }
        out = render(s, o, 0, 0);
        assert_int_equal(strlen(out), 2 + 4096 + 4095 + 1);
        free(s);
}

static void test_csv_invalid_utf8_names_the_field(void **state)
{
        struct ingest_csv r;
        struct cxg_error err;
        const char s[] = "caf\xc3\xa9,ok,\"bad \xff\"\nplain,\xe2\x82\xac,x\n";
        int got;

        (void)state;
        assert_int_equal(ingest_csv_init(&r, "t.csv", s, sizeof(s) - 1, 0, 0, &err), CXG_OK);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(ingest_csv_bad_utf8(&r), 2);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(ingest_csv_bad_utf8(&r), -1);
        ingest_csv_release(&r);
}

static void test_csv_bad_delimiter_is_a_usage_error(void **state)
{
        struct ingest_csv r;
        struct cxg_error err;

        (void)state;
        assert_int_equal(ingest_csv_init(&r, "t.csv", "a", 1, '"', 0, &err), CXG_ERR_USAGE);
        ingest_csv_release(&r);
}

static void test_csv_out_of_memory_is_reported(void **state)
{
        struct ingest_csv r;
        struct cxg_error err;
        const char s[] = "\"a\"\"b\"\n";
        int got;

        (void)state;
        cxg_alloc_fail_at(1);
        assert_int_equal(ingest_csv_init(&r, "t.csv", s, sizeof(s) - 1, 0, 0, &err), CXG_ERR_NOMEM);
        ingest_csv_release(&r);
        cxg_alloc_fail_at(2); /* the unescape buffer */
        assert_int_equal(ingest_csv_init(&r, "t.csv", s, sizeof(s) - 1, 0, 0, &err), CXG_OK);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_ERR_NOMEM);
        cxg_alloc_fail_at(0);
        ingest_csv_release(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_csv_plain_records_lf_and_crlf),
            cmocka_unit_test(test_csv_last_line_without_newline),
            cmocka_unit_test(test_csv_empty_fields),
            cmocka_unit_test(test_csv_quoted_commas_and_doubled_quotes),
            cmocka_unit_test(test_csv_embedded_newlines_keep_line_numbers),
            cmocka_unit_test(test_csv_bom_is_stripped),
            cmocka_unit_test(test_csv_blank_lines_are_skipped),
            cmocka_unit_test(test_csv_other_delimiters),
            cmocka_unit_test(test_csv_bare_quotes_and_text_after_quote_are_kept),
            cmocka_unit_test(test_csv_unterminated_quote_names_its_line),
            cmocka_unit_test(test_csv_record_over_cap_is_an_error_and_reading_goes_on),
            cmocka_unit_test(test_csv_more_than_4096_fields_is_an_error),
            cmocka_unit_test(test_csv_invalid_utf8_names_the_field),
            cmocka_unit_test(test_csv_bad_delimiter_is_a_usage_error),
            cmocka_unit_test(test_csv_out_of_memory_is_reported),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
