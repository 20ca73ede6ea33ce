/* test_testdb.c: tests/unit/testdb.h: a fixture address rewritten to name a test's database,
 * and testdb_path on the backend CXG_TEST_BACKEND chose (a fresh database each call). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdb.h"
#include "core/banned.h"

static void test_url_names_the_database(void **state)
{
        char u[256];

        (void)state;
        assert_int_equal(testdb_pg_url(u, sizeof(u),
                                       "postgresql:///postgres?host=/tmp/x&port=5&user=postgres",
                                       "t1"),
                         0);
        assert_string_equal(u, "postgresql:///t1?host=/tmp/x&port=5&user=postgres");
        assert_int_equal(testdb_pg_url(u, sizeof(u), "postgres://u:pw@h:5432/db", "t2"), 0);
        assert_string_equal(u, "postgres://u:pw@h:5432/t2");
        assert_int_equal(testdb_pg_url(u, sizeof(u), "postgresql://h?port=5", "t3"), 0);
        assert_string_equal(u, "postgresql://h/t3?port=5");
        assert_int_equal(testdb_pg_url(u, sizeof(u), "postgresql://h", "t4"), 0);
        assert_string_equal(u, "postgresql://h/t4");
        assert_int_equal(testdb_pg_url(u, sizeof(u), "not a uri", "t5"), -1);
}

/* two calls give two empty databases of the chosen backend, usable outside the store */
static void test_path_is_fresh_each_call(void **state)
{
        char a[TESTDB_PATH_MAX], b[TESTDB_PATH_MAX];
        int64_t v = -1;

        (void)state;
        assert_int_equal(testdb_path(a, sizeof(a), "testdb"), 0);
        assert_int_equal(testdb_path(b, sizeof(b), "testdb"), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(testdb_is_url(a), testdb_is_pg());
        assert_int_equal(testdb_exec(a, "CREATE TABLE t (x INTEGER)"), 0);
        assert_int_equal(testdb_exec(a, "INSERT INTO t VALUES (41); INSERT INTO t VALUES (1)"), 0);
        assert_int_equal(testdb_int(a, "SELECT sum(x) FROM t", &v), 1);
        assert_int_equal(v, 42);
        assert_int_equal(testdb_int(a, "SELECT x FROM t WHERE x > 100", &v), 0);
        assert_int_equal(testdb_int(a, "SELECT NULL", &v), 1);
        assert_true(v == TESTDB_NULL);
        assert_int_equal(testdb_int(b, "SELECT count(*) FROM t", &v), -1); /* b is empty */
        if (!testdb_is_pg()) {
                unlink(a);
                unlink(b);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_url_names_the_database),
            cmocka_unit_test(test_path_is_fresh_each_call),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
