/* test_shard.c: shard keys (FNV-1a 32, values from the FNV reference test vectors) and sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "model/shard.h"
#include "core/banned.h"

static void test_key_is_fnv1a_32(void **state)
{
        (void)state;
        assert_int_equal(cxg_shard_key(""), 0x811c9dc5u);
        assert_int_equal(cxg_shard_key("a"), 0xe40c292cu);
        assert_int_equal(cxg_shard_key("foobar"), 0xbf9cf968u);
        /* bytes, not characters: "é" is 0xc3 0xa9 */
        assert_int_equal(cxg_shard_key("\xc3\xa9"),
                         ((0x811c9dc5u ^ 0xc3u) * 16777619u ^ 0xa9u) * 16777619u);
        assert_int_equal(cxg_shard_of("foobar", 64), 0xbf9cf968u % 64);
        assert_int_equal(cxg_shard_of("foobar", 1), 0);
}

static void test_sets(void **state)
{
        struct cxg_shardset s, t;
        char buf[64];

        (void)state;
        cxg_shardset_init(&s, 64, 0);
        assert_int_equal(cxg_shardset_count(&s), 0);
        cxg_shardset_add(&s, 0);
        cxg_shardset_add(&s, 1);
        cxg_shardset_add(&s, 2);
        cxg_shardset_add(&s, 7);
        cxg_shardset_add(&s, 63);
        cxg_shardset_add(&s, 64); /* out of range: ignored */
        assert_int_equal(cxg_shardset_count(&s), 5);
        assert_true(cxg_shardset_has(&s, 63));
        assert_false(cxg_shardset_has(&s, 64));
        assert_string_equal(cxg_shardset_format(&s, buf, sizeof(buf)), "0-2,7,63");
        cxg_shardset_del(&s, 1);
        assert_string_equal(cxg_shardset_format(&s, buf, sizeof(buf)), "0,2,7,63");
        cxg_shardset_init(&t, 64, 1);
        assert_int_equal(cxg_shardset_count(&t), 64);
        assert_string_equal(cxg_shardset_format(&t, buf, sizeof(buf)), "0-63");
        assert_false(cxg_shardset_equal(&s, &t));
        cxg_shardset_init(&t, 64, 0);
        cxg_shardset_add(&t, 0);
        cxg_shardset_add(&t, 2);
        cxg_shardset_add(&t, 7);
        cxg_shardset_add(&t, 63);
        assert_true(cxg_shardset_equal(&s, &t));
        /* too long for the buffer: cut with "..." */
        cxg_shardset_init(&t, 1024, 0);
        for (uint32_t i = 0; i < 1024; i += 2)
                cxg_shardset_add(&t, i);
        cxg_shardset_format(&t, buf, 16);
        assert_string_equal(buf + 12, "...");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_key_is_fnv1a_32),
            cmocka_unit_test(test_sets),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
