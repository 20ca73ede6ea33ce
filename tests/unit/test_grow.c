/* test_grow.c: CXG_GROW, the one capped growth helper, and the app-layer view builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "app/view.h"
#include "core/alloc.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/timeconst.h"

static void test_grow_starts_at_sixteen_and_grows_by_half(void **state)
{
        int *v = NULL;
        size_t alloc = 0;

        (void)state;
        assert_int_equal(CXG_GROW(v, 1, alloc, 1000), CXG_OK);
        assert_int_equal(alloc, 16);
        for (int i = 0; i < 16; i++)
                v[i] = i; /* ASan checks the 16 fit */
        assert_int_equal(CXG_GROW(v, 16, alloc, 1000), CXG_OK);
        assert_int_equal(alloc, 16); /* already fits: unchanged */
        assert_int_equal(CXG_GROW(v, 17, alloc, 1000), CXG_OK);
        assert_int_equal(alloc, 24);
        assert_int_equal(v[15], 15);
        assert_int_equal(CXG_GROW(v, 100, alloc, 1000), CXG_OK);
        assert_int_equal(alloc, 100); /* need beats 24 + 12 */
        cxg_free(v);
}

static void test_grow_stops_at_the_cap_and_keeps_the_array(void **state)
{
        long *v = NULL;
        size_t alloc = 0;

        (void)state;
        assert_int_equal(CXG_GROW(v, 10, alloc, 20), CXG_OK);
        assert_int_equal(alloc, 16);
        v[15] = 7;
        assert_int_equal(CXG_GROW(v, 17, alloc, 20), CXG_OK);
        assert_int_equal(alloc, 20); /* 24 clipped to the cap */
        assert_int_equal(CXG_GROW(v, 21, alloc, 20), CXG_ERR_LIMIT);
        assert_int_equal(alloc, 20);
        assert_int_equal(v[15], 7);
        cxg_free(v);
}

static void test_grow_reports_overflow_and_allocation_failure(void **state)
{
        double *v = NULL;
        size_t alloc = 0;

        (void)state;
        assert_int_equal(CXG_GROW(v, SIZE_MAX / 4, alloc, CXG_GROW_NOCAP), CXG_ERR_NOMEM);
        assert_null(v);
        assert_int_equal(alloc, 0);
        cxg_alloc_fail_at(1);
        assert_int_equal(CXG_GROW(v, 3, alloc, 100), CXG_ERR_NOMEM);
        cxg_alloc_fail_at(0);
        assert_null(v);
        assert_int_equal(alloc, 0);
}

static void test_time_constants(void **state)
{
        (void)state;
        assert_int_equal(CXG_DAY, 86400);
        assert_int_equal(CXG_WEEK, 604800);
        assert_int_equal(CXG_YEAR, 31536000);
}

static void test_views_render_absent_values_as_null(void **state)
{
        json_t *o = json_object();
        char *text;
        int bad = 0;

        (void)state;
        bad |= view_put(o, "at", view_time(1709251200));
        bad |= view_put(o, "none", view_time(CXG_TS_NONE));
        bad |= view_put(o, "s", view_str(NULL));
        bad |= view_put(o, "x", view_num(NAN));
        bad |= view_put(o, "y", view_num(1.5));
        o = view_done(o, bad);
        assert_non_null(o);
        text = view_text(o);
        assert_string_equal(text, "{\"at\":\"2024-03-01T00:00:00Z\",\"none\":null,\"s\":null,"
                                  "\"x\":null,\"y\":1.5}");
        cxg_free(text);
        json_decref(o);
        assert_null(view_done(json_object(), 1));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_grow_starts_at_sixteen_and_grows_by_half),
            cmocka_unit_test(test_grow_stops_at_the_cap_and_keeps_the_array),
            cmocka_unit_test(test_grow_reports_overflow_and_allocation_failure),
            cmocka_unit_test(test_time_constants),
            cmocka_unit_test(test_views_render_absent_values_as_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
