/*
 * test_regress.c: regression tests for what the fuzzers (tests/fuzz/) and the reliability
 * tests found, one test per finding, named for the behaviour that was wrong. docs/operations.md
 * lists the findings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/csv.h"

/*
 * fuzz_csv: a quoted field that is never closed, opened on a later line of a record that
 * spans lines, reported the quote's line instead of the record's (so the rejects file named
 * a line where no record starts).
 */
static void test_csv_unclosed_quote_in_multiline_record_names_the_record_line(void **state)
{
        struct ingest_csv r;
        struct cxg_error err;
        const char s[] = "id,name\r\nA1,\"muame\r\nA1,\"multi,\"say \"\"hli\"\"\r\n";
        int got;

        (void)state;
        assert_int_equal(ingest_csv_init(&r, "t.csv", s, sizeof(s) - 1, 0, 0, &err), CXG_OK);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(got, 1);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_ERR_PARSE);
        assert_int_equal(r.rec_line, 2);
        assert_int_equal(err.line, 2);
        /* the message still says where the quote was opened */
        assert_non_null(strstr(err.msg, "opened on line 3 is never closed"));
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(got, 0);
        ingest_csv_release(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_csv_unclosed_quote_in_multiline_record_names_the_record_line),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
