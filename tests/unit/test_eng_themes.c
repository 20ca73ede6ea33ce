/* test_eng_themes.c: the UTF-8 tokenizer, stopwords, stemming, bigrams, the weighted log-odds
 * with an informative Dirichlet prior on hand-computed cases, and themes on a small corpus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "engine/themes.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void near(double got, double want, double tol)
{
        if (!(fabs(got - want) <= tol))
                fail_msg("got %.6f, want %.6f (+- %g)", got, want, tol);
}

/* Words of s joined by '|', with '#' before a word preceded by a clause break. */
static void words(const char *s, size_t n, char *out, size_t cap)
{
        char w[ENG_THEMES_MAX_TOKEN + 1];
        size_t pos = 0, len, used = 0;
        int brk;

        out[0] = '\0';
        while ((len = eng_themes_next_word(s, n, &pos, w, sizeof(w), &brk)) > 0) {
                assert_true(used + len + 3 < cap);
                if (used)
                        out[used++] = '|';
                if (brk)
                        out[used++] = '#';
                memcpy(out + used, w, len + 1);
                used += len;
        }
}

static void test_next_word_lowercases_utf8_and_splits_on_emoji_and_punctuation(void **state)
{
        const char *s = "Café ÉCLAIR\xe2\x80\x94na\xc3\xafve \xf0\x9f\x98\x80 don\xe2\x80\x99t "
                        "stop! x ŁÓDŹ 2FA, São Paulo";
        char out[256];

        (void)state;
        words(s, strlen(s), out, sizeof(out));
        assert_string_equal(out, "café|éclair|#naïve|don't|stop|#x|łódź|2fa|#são|paulo");
}

static void test_next_word_survives_invalid_utf8_and_long_runs(void **state)
{
        char s[128], out[256];

        (void)state;
        words("ab\xff"
              "cd \xc3",
              7, out, sizeof(out));
        assert_string_equal(out, "ab|cd");
        words("\xe2\x82", 2, out, sizeof(out)); /* truncated sequence only */
        assert_string_equal(out, "");
        words("it's 'quoted' rock'n'roll'", 26, out, sizeof(out));
        assert_string_equal(out, "it's|quoted|rock'n'roll");
        /* a run of 70 letters (a URL-like blob) is skipped, the next word kept */
        memset(s, 'a', 70);
        memcpy(s + 70, " ok", 4);
        words(s, strlen(s), out, sizeof(out));
        assert_string_equal(out, "ok");
        /* an overlong encoding of '/' is not a letter and not a separator trick */
        words("a\xc0\xaf"
              "b",
              4, out, sizeof(out));
        assert_string_equal(out, "a|b");
}

static void test_tokenizer_drops_stopwords_and_short_words_and_stems(void **state)
{
        struct eng_tokenizer t;
        struct cxg_error e;
        const char *s = "The slowness is a problem: it was SLOW, pricing and prices I";

        (void)state;
        assert_int_equal(eng_themes_tokenizer_init(&t, NULL, 0, &e), CXG_OK);
        assert_int_equal(eng_themes_tokenize(&t, s, strlen(s), NULL), CXG_OK);
        assert_int_equal(t.n, 5);
        assert_string_equal(t.tok[0].surface, "slowness");
        assert_string_equal(t.tok[0].stem, "slow");
        assert_string_equal(t.tok[1].stem, "problem");
        assert_true(t.tok[1].brk); /* "is a" dropped between slowness and problem */
        assert_string_equal(t.tok[2].surface, "slow");
        assert_string_equal(t.tok[2].stem, "slow");
        assert_true(t.tok[2].brk); /* the colon and the dropped words break the bigram */
        assert_string_equal(t.tok[3].surface, "pricing");
        assert_string_equal(t.tok[3].stem, "price");
        assert_string_equal(t.tok[4].surface, "prices");
        assert_string_equal(t.tok[4].stem, "price");
        assert_true(t.tok[4].brk); /* "and" was dropped between them */
        eng_themes_tokenizer_release(&t);
        assert_true(eng_themes_is_stopword("english", "the"));
        assert_false(eng_themes_is_stopword("english", "not"));
        assert_true(eng_themes_is_stopword("portuguese", "não") == 0);
        assert_true(eng_themes_is_stopword("portuguese", "você"));
}

static void test_tokenizer_portuguese_and_unknown_language(void **state)
{
        struct eng_tokenizer t;
        struct cxg_error e;
        const char *s = "O sistema é lento, muito lento; lentamente não funciona";
        int trunc = 0;

        (void)state;
        assert_int_equal(eng_themes_tokenizer_init(&t, "portuguese", 0, &e), CXG_OK);
        assert_int_equal(eng_themes_tokenize(&t, s, strlen(s), &trunc), CXG_OK);
        assert_int_equal(t.n, 6);
        assert_string_equal(t.tok[0].stem, "sistem");
        assert_string_equal(t.tok[1].stem, "lent");
        assert_string_equal(t.tok[3].surface, "lentamente");
        assert_string_equal(t.tok[3].stem, "lent");
        assert_string_equal(t.tok[4].surface, "não");
        assert_false(trunc);
        eng_themes_tokenizer_release(&t);

        /* comments are cut at the cap, on a character boundary */
        assert_int_equal(eng_themes_tokenizer_init(&t, "english", 9, &e), CXG_OK);
        assert_int_equal(eng_themes_tokenize(&t, "slow caf\xc3\xa9s", 11, &trunc), CXG_OK);
        assert_true(trunc);
        assert_int_equal(t.n, 2);
        assert_string_equal(t.tok[1].surface, "caf");
        eng_themes_tokenizer_release(&t);

        assert_int_equal(eng_themes_tokenizer_init(&t, "klingon", 0, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "unknown language 'klingon'"));
        assert_non_null(strstr(e.msg, "portuguese"));
}

static struct eng_themes_doc doc(const char *s, int group, double w)
{
        struct eng_themes_doc d = {s, strlen(s), group, w};

        return d;
}

/*
 * A: "slow", "slow", "fast"; B: "fast", "fast", "slow". Binary counts y_slow = (2, 1),
 * n_A = n_B = 3, N = 6, a0 = N = 6, a_slow = 6 * 3 / 6 = 3.
 * delta = log(5 / (3 + 6 - 2 - 3)) - log(4 / (3 + 6 - 1 - 3)) = 2 log 1.25 = 0.44629,
 * var = 1/5 + 1/4 = 0.45, z = 0.44629 / 0.67082 = 0.66529; "fast" mirrors it.
 */
static void test_log_odds_with_dirichlet_prior_by_hand(void **state)
{
        struct eng_themes_doc d[6];
        struct eng_themes_cfg cfg;
        struct eng_themes_result r;
        struct cxg_error e;

        (void)state;
        d[0] = doc("slow", 0, 3);
        d[1] = doc("Slow!", 0, 3);
        d[2] = doc("fast", 0, 1);
        d[3] = doc("fast", 1, 1);
        d[4] = doc("fast, fast", 1, 1);
        d[5] = doc("slow", 1, 1);
        eng_themes_cfg_init(&cfg);
        cfg.min_docs = 1;
        assert_int_equal(eng_themes_compute(&cfg, d, 6, &r, &e), CXG_OK);
        assert_int_equal(r.n_a, 1);
        assert_int_equal(r.n_b, 1);
        assert_string_equal(r.a[0].term, "slow");
        near(r.a[0].delta, 0.44629, 1e-5);
        near(r.a[0].z, 0.66529, 1e-5);
        near(r.a[0].count_a, 2, 1e-12);
        near(r.a[0].count_b, 1, 1e-12);
        assert_string_equal(r.b[0].term, "fast");
        near(r.b[0].z, -0.66529, 1e-5);
        assert_int_equal(r.a[0].n_examples, 2);
        assert_int_equal(r.a[0].examples[0], 0);
        assert_int_equal(r.a[0].examples[1], 1);
        near(r.a0, 6, 1e-12);
        eng_themes_result_release(&r);

        /* a fixed prior total: a0 = 100, a_slow = 50: delta 0.03884, z 0.19706 */
        cfg.a0 = 100;
        assert_int_equal(eng_themes_compute(&cfg, d, 6, &r, &e), CXG_OK);
        near(r.a[0].z, 0.19706, 1e-5);
        eng_themes_result_release(&r);

        /*
         * Weighted: the "slow" comments of A weigh 3, the rest 1: sum w = 10, sum w^2 = 22, so
         * each weight is scaled by 10/22 and slow counts (6, 1) * 10/22. Hand computation:
         * z_slow = 1.06323 (unweighted z 0.66529 reported beside it).
         */
        cfg.a0 = 0;
        cfg.weighted = 1;
        assert_int_equal(eng_themes_compute(&cfg, d, 6, &r, &e), CXG_OK);
        assert_string_equal(r.a[0].term, "slow");
        near(r.a[0].count_a, 60.0 / 22.0, 1e-9);
        near(r.a[0].z, 1.06323, 1e-5);
        near(r.a[0].z_unweighted, 0.66529, 1e-5);
        assert_int_equal(r.a[0].docs_a, 2);
        near(r.b[0].z, -0.71222, 1e-5);
        eng_themes_result_release(&r);
}

static const char *const detractors[] = {
    "The app is so slow, and the price is too high.",
    "Slow reports and a steep price.",
    "Too slow lately. The price went up again!",
    "Everything is slow; price hikes every year.",
    "Support was helpful but the app is slow and the price is high.",
    "Customer support never answers and the pricing is unfair.",
};
static const char *const promoters[] = {
    "Easy to use and the team loves it.", "Really easy, clean design; support was helpful.",
    "Easy setup, great reports.",         "So easy to share reports with the team.",
    "Great support, easy onboarding.",    "Customer support is great and the app is easy.",
};

static void test_planted_words_rank_first_with_examples_and_bigrams(void **state)
{
        struct eng_themes_doc d[NELEM(detractors) + NELEM(promoters) + 1];
        struct eng_themes_cfg cfg;
        struct eng_themes_result r;
        struct cxg_error e;
        size_t n = 0;
        int found_bigram = 0;

        (void)state;
        for (size_t i = 0; i < NELEM(detractors); i++)
                d[n++] = doc(detractors[i], 0, 1);
        for (size_t i = 0; i < NELEM(promoters); i++)
                d[n++] = doc(promoters[i], 1, 1);
        d[n++] = doc("A passive comment about reports.", 2, 1);
        eng_themes_cfg_init(&cfg);
        assert_int_equal(eng_themes_compute(&cfg, d, n, &r, &e), CXG_OK);
        assert_int_equal(r.docs_a, 6);
        assert_int_equal(r.docs_b, 6);
        assert_int_equal(r.docs_other, 1);
        assert_true(r.n_a >= 2);
        /* "price" (6 detractor comments: price, pricing) and "slow" (5) lead */
        assert_string_equal(r.a[0].stem, "price");
        assert_string_equal(r.a[0].term, "price");
        assert_int_equal(r.a[0].docs_a, 6);
        assert_int_equal(r.a[0].docs_b, 0);
        assert_string_equal(r.a[1].term, "slow");
        assert_true(r.a[0].z > r.a[1].z && r.a[1].z > 1.0);
        assert_int_equal(r.a[0].n_examples, 3);
        assert_int_equal(r.a[0].examples[0], 0);
        assert_int_equal(r.a[0].examples[2], 2);
        /* promoters: "easy" first */
        assert_true(r.n_b >= 1);
        assert_string_equal(r.b[0].term, "easy");
        assert_int_equal(r.b[0].docs_b, 6);
        assert_true(r.b[0].z < -1.0);
        for (size_t i = 0; i < r.n_b; i++)
                if (strcmp(r.b[i].term, "customer support") == 0)
                        found_bigram = 1;
        /* "customer support" appears on both sides once: not a theme of either */
        assert_false(found_bigram);
        for (size_t i = 0; i < r.n_a; i++) {
                assert_true(r.a[i].docs_a >= 3);
                assert_true(r.a[i].z > 0);
        }
        eng_themes_result_release(&r);

        /* bigrams of adjacent stems are themes too when they discriminate */
        cfg.min_docs = 2;
        d[0] = doc("Customer support never answers.", 0, 1);
        d[1] = doc("customer support: slow again", 0, 1);
        assert_int_equal(eng_themes_compute(&cfg, d, n, &r, &e), CXG_OK);
        for (size_t i = 0; i < r.n_a; i++)
                if (strcmp(r.a[i].stem, "custom support") == 0) {
                        found_bigram = 1;
                        assert_string_equal(r.a[i].term, "customer support");
                        assert_int_equal(r.a[i].ngram, 2);
                        assert_int_equal(r.a[i].docs_a, 3);
                }
        assert_true(found_bigram);
        eng_themes_result_release(&r);
}

static void test_vocabulary_cap_and_allocation_failures(void **state)
{
        struct eng_themes_doc d[4];
        struct eng_themes_cfg cfg;
        struct eng_themes_result r;
        struct cxg_error e;
        enum cxg_err rc;
        unsigned long k;

        (void)state;
        d[0] = doc("alpha beta gamma delta", 0, 1);
        d[1] = doc("alpha epsilon", 0, 1);
        d[2] = doc("zeta eta theta", 1, 1);
        d[3] = doc("alpha", 1, 1);
        eng_themes_cfg_init(&cfg);
        cfg.max_terms = 3;
        cfg.min_docs = 1;
        assert_int_equal(eng_themes_compute(&cfg, d, 4, &r, &e), CXG_OK);
        assert_int_equal(r.vocab, 3);
        assert_true(r.dropped_terms > 0);
        eng_themes_result_release(&r);
        /* every allocation failure is reported, nothing leaks (checked by ASan) */
        cfg.max_terms = 0;
        for (k = 1; k < 400; k++) {
                cxg_alloc_fail_at(k);
                rc = eng_themes_compute(&cfg, d, 4, &r, &e);
                cxg_alloc_fail_at(0);
                if (rc == CXG_OK) {
                        eng_themes_result_release(&r);
                        break;
                }
                assert_int_equal(rc, CXG_ERR_NOMEM);
                assert_null(r.a);
        }
        assert_true(k > 1 && k < 400);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_next_word_lowercases_utf8_and_splits_on_emoji_and_punctuation),
            cmocka_unit_test(test_next_word_survives_invalid_utf8_and_long_runs),
            cmocka_unit_test(test_tokenizer_drops_stopwords_and_short_words_and_stems),
            cmocka_unit_test(test_tokenizer_portuguese_and_unknown_language),
            cmocka_unit_test(test_log_odds_with_dirichlet_prior_by_hand),
            cmocka_unit_test(test_planted_words_rank_first_with_examples_and_bigrams),
            cmocka_unit_test(test_vocabulary_cap_and_allocation_failures),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
