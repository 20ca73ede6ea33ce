/*
 * test_json.c: the contract of core/json.h, whatever decoder backs it: types and values,
 * nested lookups, iteration in document order, what is rejected (duplicate keys, invalid UTF-8,
 * integers beyond int64, bad syntax) with a line and column, NUL bytes in strings, parser reuse,
 * a large document, and cxg_jwrite's compact re-encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"

static struct cxg_jparser *P;

static int setup(void **state)
{
        (void)state;
        P = cxg_jparser_new();
        return P ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        cxg_jparser_free(P);
        return 0;
}

static struct cxg_jval parse_ok(const char *text)
{
        struct cxg_jval root;
        struct cxg_error err = {0};

        if (cxg_jparse(P, text, strlen(text), &root, &err) != CXG_OK)
                fail_msg("rejected %s: %s", text, err.msg);
        return root;
}

/* the error message of rejecting text (n bytes), which must fail with CXG_ERR_PARSE */
static const char *parse_bad(const char *text, size_t n, long *line)
{
        static struct cxg_error err;
        struct cxg_jval root;

        memset(&err, 0, sizeof(err));
        assert_int_equal(cxg_jparse(P, text, n, &root, &err), CXG_ERR_PARSE);
        assert_int_equal(cxg_jpresent(root), 0);
        if (line)
                *line = err.line;
        return err.msg;
}

static void expect_write(struct cxg_jval v, const char *want)
{
        struct cxg_buf b;

        cxg_buf_init(&b, 0);
        assert_int_equal(cxg_jwrite(v, &b), CXG_OK);
        assert_int_equal(cxg_buf_putc(&b, '\0'), CXG_OK);
        assert_string_equal(b.data, want);
        cxg_buf_release(&b);
}

static void test_types_and_values(void **state)
{
        struct cxg_jval r = parse_ok(
                            " {\"s\":\"h\\u00e9\",\"i\":-42,\"r\":2.5,\"e\":1e2,\"t\":true,"
                            "\"f\":false,\"n\":null,\"a\":[1],\"o\":{}} "),
                        v;
        const char *s;
        size_t n;
        int64_t i = 0;
        double d;
        int b;

        (void)state;
        assert_int_equal(cxg_jtype(r), CXG_J_OBJECT);
        assert_int_equal(cxg_jsize(r), 9);
        assert_true(cxg_jget(r, "s", &v));
        assert_int_equal(cxg_jtype(v), CXG_J_STRING);
        assert_non_null(s = cxg_jstr(v, &n));
        assert_int_equal(n, 3);
        assert_string_equal(s, "h\xc3\xa9");
        assert_true(cxg_jget(r, "i", &v) && cxg_jint(v, &i));
        assert_int_equal(cxg_jtype(v), CXG_J_INT);
        assert_int_equal(i, -42);
        assert_true(cxg_jnum(v, &d));
        assert_true(d == -42.0);
        assert_true(cxg_jget(r, "r", &v) && cxg_jnum(v, &d));
        assert_int_equal(cxg_jtype(v), CXG_J_REAL);
        assert_false(cxg_jint(v, &i));
        assert_true(d == 2.5);
        assert_true(cxg_jget(r, "e", &v));
        assert_int_equal(cxg_jtype(v), CXG_J_REAL); /* an exponent makes a real, as in jansson */
        assert_true(cxg_jget(r, "t", &v) && cxg_jbool(v, &b) && b == 1);
        assert_true(cxg_jget(r, "f", &v) && cxg_jbool(v, &b) && b == 0);
        assert_int_equal(cxg_jtype(v), CXG_J_BOOL);
        assert_true(cxg_jget(r, "n", &v));
        assert_int_equal(cxg_jtype(v), CXG_J_NULL);
        assert_true(cxg_jpresent(v)); /* null is present, a missing key is not */
        assert_false(cxg_jbool(v, &b));
        assert_null(cxg_jstr(v, &n));
        assert_false(cxg_jget(r, "missing", &v));
        assert_false(cxg_jpresent(v));
        assert_int_equal(cxg_jtype(v), CXG_J_NULL);
        assert_true(cxg_jget(r, "a", &v));
        assert_int_equal(cxg_jtype(v), CXG_J_ARRAY);
        assert_int_equal(cxg_jsize(v), 1);
        assert_false(cxg_jget(v, "0", &v)); /* not an object */
        assert_true(cxg_jget(r, "o", &v));
        assert_int_equal(cxg_jtype(v), CXG_J_OBJECT);
        assert_int_equal(cxg_jsize(v), 0);
        /* scalars at the top level are documents too */
        assert_int_equal(cxg_jtype(parse_ok("\"x\"")), CXG_J_STRING);
        assert_int_equal(cxg_jtype(parse_ok("7")), CXG_J_INT);
        assert_true(cxg_jpresent(parse_ok("null")));
}

static void test_nested_get_and_iteration_order(void **state)
{
        struct cxg_jval r =
            parse_ok("{\"z\":1,\"a\":{\"m\":[10,\"x\",{\"k\":true}],\"b\":2},\"m\":3}");
        struct cxg_jval a = {{0}}, m = {{0}}, v, k;
        struct cxg_jiter it;
        const char *key, *want[] = {"z", "a", "m"};
        size_t kn, i = 0;
        int64_t x;
        int b;

        (void)state;
        assert_true(cxg_jget(r, "a", &a) && cxg_jget(a, "m", &m));
        assert_int_equal(cxg_jsize(m), 3);
        cxg_jiter_init(r, &it);
        while (cxg_jiter_next(&it, &key, &kn, &v)) {
                assert_true(i < 3);
                assert_string_equal(key, want[i]);
                assert_int_equal(kn, strlen(want[i]));
                i++;
        }
        assert_int_equal(i, 3);
        assert_false(cxg_jiter_next(&it, &key, &kn, &v)); /* done stays done */
        cxg_jiter_init(m, &it);
        assert_true(cxg_jiter_next(&it, &key, &kn, &v));
        assert_null(key);
        assert_true(cxg_jint(v, &x) && x == 10);
        assert_true(cxg_jiter_next(&it, NULL, NULL, &v));
        assert_int_equal(cxg_jtype(v), CXG_J_STRING);
        assert_true(cxg_jiter_next(&it, NULL, NULL, &v));
        assert_true(cxg_jget(v, "k", &k) && cxg_jbool(k, &b) && b);
        assert_false(cxg_jiter_next(&it, NULL, NULL, &v));
        /* empty containers, scalars and absent values iterate nothing */
        cxg_jiter_init(parse_ok("[]"), &it);
        assert_false(cxg_jiter_next(&it, NULL, NULL, &v));
        cxg_jiter_init(parse_ok("{}"), &it);
        assert_false(cxg_jiter_next(&it, NULL, NULL, &v));
        cxg_jiter_init(parse_ok("5"), &it);
        assert_false(cxg_jiter_next(&it, NULL, NULL, &v));
        memset(&v, 0, sizeof(v));
        cxg_jiter_init(v, &it);
        assert_false(cxg_jiter_next(&it, NULL, NULL, &v));
        assert_int_equal(cxg_jsize(v), 0);
}

static void test_duplicate_keys_rejected(void **state)
{
        char big[4096];
        size_t n = 0;
        long line;

        (void)state;
        assert_non_null(strstr(parse_bad("{\"a\":1,\"a\":2}", 13, &line), "duplicate object key"));
        assert_int_equal(line, 1);
        /* nested, after a line break */
        assert_non_null(
            strstr(parse_bad("[{\"x\":1},\n {\"y\":{\"k\":1,\"j\":2,\"k\":3}}]", 38, &line),
                   "duplicate object key"));
        assert_int_equal(line, 2);
        /* a large object (sorted, not pairwise) with the repeat far from the original */
        n += (size_t)snprintf(big + n, sizeof(big) - n, "{");
        for (int i = 0; i < 100; i++)
                n += (size_t)snprintf(big + n, sizeof(big) - n, "\"k%d\":%d,", i, i);
        n += (size_t)snprintf(big + n, sizeof(big) - n, "\"k3\":0}");
        assert_non_null(strstr(parse_bad(big, n, NULL), "duplicate object key"));
        /* the same object with its last key made unique is accepted */
        memcpy(big + n - 7, "\"kk\":0}", 7);
        assert_int_equal(cxg_jsize(parse_ok(big)), 101);
        /* a NUL byte in a key is refused (keys are compared as C strings), in values it is fine */
        assert_non_null(strstr(parse_bad("{\"a\\u0000x\":1}", 15, NULL), "NUL byte in object key"));
}

static void test_bad_input_rejected_with_position(void **state)
{
        long line;
        const char *m;

        (void)state;
        m = parse_bad("{\"a\":\"\xff\"}", 9, &line);
        assert_non_null(strstr(m, "line 1, column"));
        m = parse_bad("{\"a\":\"\xc3\"}", 9, &line); /* truncated sequence */
        assert_non_null(strstr(m, "line 1"));
        m = parse_bad("\"\\ud800\"", 8, NULL); /* lone surrogate */
        assert_non_null(m);
        m = parse_bad("{\n  \"a\": 1,\n  \"b\": }", 20, &line);
        assert_int_equal(line, 3);
        assert_non_null(strstr(m, "line 3, column"));
        {
                int fl = 0, fc = 0;
                const char *why = cxg_jparser_failure(P, &fl, &fc);

                assert_int_equal(fl, 3);
                assert_true(fc >= 7 && fc <= 8); /* at the '}' where a value should be */
                assert_non_null(strstr(m, why));
                assert_null(strstr(why, "line"));
        }
        m = parse_bad("[1,]", 4, &line);
        assert_true(strncmp(m, "line 1, column ", 15) == 0);
        parse_bad("", 0, &line);
        parse_bad("   ", 3, NULL);
        parse_bad("{} {}", 5, NULL);
        parse_bad("{\"a\":1", 6, NULL);
        parse_bad("1e400", 5, NULL);
        /* the text need not be NUL-terminated: only len bytes count */
        assert_int_equal(cxg_jsize(parse_ok("[1,2]")), 2);
        {
                struct cxg_jval r;
                struct cxg_error err = {0};

                assert_int_equal(cxg_jparse(P, "[1,2]garbage", 5, &r, &err), CXG_OK);
                assert_int_equal(cxg_jsize(r), 2);
        }
}

static void test_nul_in_strings(void **state)
{
        struct cxg_jval r = parse_ok("{\"k\":\"a\\u0000b\"}"), v;
        const char *s;
        size_t n;

        (void)state;
        assert_true(cxg_jget(r, "k", &v));
        assert_non_null(s = cxg_jstr(v, &n));
        assert_int_equal(n, 3);
        assert_memory_equal(s, "a\0b", 4); /* NUL-terminated after the length too */
        expect_write(r, "{\"k\":\"a\\u0000b\"}");
}

static void test_int64_limits(void **state)
{
        struct cxg_jval r = parse_ok("[9223372036854775807,-9223372036854775808,-0,1.0]"), v;
        struct cxg_jiter it;
        int64_t i = 0;
        double d;

        (void)state;
        cxg_jiter_init(r, &it);
        assert_true(cxg_jiter_next(&it, NULL, NULL, &v) && cxg_jint(v, &i));
        assert_true(i == INT64_MAX);
        assert_true(cxg_jiter_next(&it, NULL, NULL, &v) && cxg_jint(v, &i));
        assert_true(i == INT64_MIN);
        assert_true(cxg_jiter_next(&it, NULL, NULL, &v) && cxg_jint(v, &i));
        assert_true(i == 0);
        assert_true(cxg_jiter_next(&it, NULL, NULL, &v) && cxg_jnum(v, &d));
        assert_int_equal(cxg_jtype(v), CXG_J_REAL);
        /* beyond int64 is an error, as jansson has it ("too big integer", "too big negative
         * integer") */
        assert_non_null(strstr(parse_bad("[9223372036854775808]", 21, NULL), "too big integer"));
        assert_non_null(strstr(parse_bad("-9223372036854775809", 20, NULL), "too big"));
        assert_non_null(parse_bad("123456789012345678901234567890", 30, NULL));
}

static void test_reuse_and_large_document(void **state)
{
        size_t rows = 20000, cap = rows * 64 + 16, n = 0;
        char *big = cxg_malloc(cap);
        struct cxg_jval r, v, k;
        struct cxg_jiter it;
        int64_t x, sum = 0;

        (void)state;
        assert_non_null(big);
        big[n++] = '[';
        for (size_t i = 0; i < rows; i++)
                n += (size_t)snprintf(big + n, cap - n, "%s{\"i\":%zu,\"s\":\"row %zu\"}",
                                      i ? "," : "", i, i);
        big[n++] = ']';
        big[n] = '\0';
        r = parse_ok(big);
        assert_int_equal(cxg_jsize(r), rows);
        cxg_jiter_init(r, &it);
        while (cxg_jiter_next(&it, NULL, NULL, &v)) {
                assert_true(cxg_jget(v, "i", &k) && cxg_jint(k, &x));
                sum += x;
        }
        assert_true(sum == (int64_t)(rows * (rows - 1) / 2));
        /* the same parser, a small document, then a failure, then a good one again */
        assert_int_equal(cxg_jsize(parse_ok("[1]")), 1);
        parse_bad("[", 1, NULL);
        assert_true(cxg_jget(parse_ok("{\"q\":3}"), "q", &v) && cxg_jint(v, &x) && x == 3);
        cxg_free(big);
}

static void test_write_round_trip(void **state)
{
        const char *text = "{\"b\":[1,-2,2.5,1e+20,0.1,3.0,true,false,null],\"a\":{\"q\\\"\":"
                           "\"line\\nnext\\ttab/\\u00e9\"},\"e\":{},\"l\":[]}";
        struct cxg_buf b;
        struct cxg_jval r = parse_ok(text);

        (void)state;
        expect_write(r, "{\"b\":[1,-2,2.5,1e20,0.10000000000000001,3.0,true,false,null],\"a\":{"
                        "\"q\\\"\":\"line\\nnext\\ttab/\xc3\xa9\"},\"e\":{},\"l\":[]}");
        /* what it writes decodes to the same thing */
        cxg_buf_init(&b, 0);
        assert_int_equal(cxg_jwrite(r, &b), CXG_OK);
        {
                struct cxg_buf b2;
                struct cxg_jval r2 = parse_ok((cxg_buf_putc(&b, '\0') ? "" : b.data));

                cxg_buf_init(&b2, 0);
                assert_int_equal(cxg_jwrite(r2, &b2), CXG_OK);
                assert_int_equal(b2.len, b.len - 1);
                assert_memory_equal(b2.data, b.data, b2.len);
                cxg_buf_release(&b2);
        }
        cxg_buf_release(&b);
        {
                struct cxg_jval absent;

                memset(&absent, 0, sizeof(absent));
                expect_write(absent, "null");
                expect_write(parse_ok("-0.0"), "-0.0");
                expect_write(parse_ok("1.5e-7"), "1.4999999999999999e-7");
        }
}

static void test_parsers_are_independent(void **state)
{
        struct cxg_jparser *q = cxg_jparser_new();
        struct cxg_jval a = parse_ok("{\"who\":\"first\"}"), b, v;
        struct cxg_error err = {0};
        const char *s;

        (void)state;
        assert_non_null(q);
        assert_int_equal(cxg_jparse(q, "{\"who\":\"second\"}", 16, &b, &err), CXG_OK);
        assert_true(cxg_jget(a, "who", &v) && (s = cxg_jstr(v, NULL)) != NULL);
        assert_string_equal(s, "first");
        assert_true(cxg_jget(b, "who", &v) && (s = cxg_jstr(v, NULL)) != NULL);
        assert_string_equal(s, "second");
        cxg_jparser_free(q);
        cxg_jparser_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_types_and_values),
            cmocka_unit_test(test_nested_get_and_iteration_order),
            cmocka_unit_test(test_duplicate_keys_rejected),
            cmocka_unit_test(test_bad_input_rejected_with_position),
            cmocka_unit_test(test_nul_in_strings),
            cmocka_unit_test(test_int64_limits),
            cmocka_unit_test(test_reuse_and_large_document),
            cmocka_unit_test(test_write_round_trip),
            cmocka_unit_test(test_parsers_are_independent),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
