/*
 * test_oom.c: out of memory during imports. For every kind, a CSV file, a JSON-lines file
 * and a JSON batch are imported with the k-th allocation failing, for k = 1, 2, ... until
 * the import succeeds: each attempt must end with CXG_ERR_NOMEM (and nothing of the batch
 * written) or succeed with the same counts as an import without failures. Then each
 * allocation of a full import fails alone (the later ones succeed), with the same rule. The
 * sanitizer build checks that no attempt leaks or touches freed memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/alloc.h"
#include "ingest/import.h"
#include "store/store.h"

#define MAX_K 20000

struct sample {
        enum ingest_kind kind;
        const char *csv;
        const char *jsonl;
        const char *batch; /* JSON array for ingest_json_batch */
};

/* three or four rows per kind, one of them rejected, one with an attribute where kept */
static const struct sample samples[] = {
    {INGEST_ACCOUNTS, "id,name,mrr,tier\nA3,Acme,10,gold\nA4,\"Bee, Inc\",5,\nAx,bad,-1,\n",
     "{\"id\":\"A3\",\"name\":\"Acme\",\"mrr\":10,\"tier\":\"gold\"}\n"
     "{\"id\":\"A4\",\"name\":\"Bee\",\"mrr\":5}\n{\"id\":\"Ax\",\"mrr\":-1}\n",
     "[{\"id\":\"A3\",\"mrr\":10,\"tier\":\"gold\"},{\"id\":\"A4\"},{\"id\":\"Ax\",\"mrr\":-1}]"},
    {INGEST_PEOPLE,
     "id,account_id,email,role,team\nP3,A1,c@x.io,CEO,x\nP4,A2,d@x.io,Engineer,\nP5,A9,,,\n",
     "{\"id\":\"P3\",\"account_id\":\"A1\",\"email\":\"c@x.io\",\"role\":\"CEO\",\"team\":\"x\"}\n"
     "{\"id\":\"P4\",\"account_id\":\"A2\"}\n{\"id\":\"P5\",\"account_id\":\"A9\"}\n",
     "[{\"id\":\"P3\",\"account_id\":\"A1\",\"role\":\"VP Sales\"},{\"id\":\"P4\","
     "\"account_id\":\"A2\"},{\"id\":\"P5\",\"account_id\":\"A9\"}]"},
    {INGEST_SUBSCRIPTIONS,
     "account_id,plan,mrr,started_at\nA1,Pro,10,2024-01-01\nA2,Free,0,2024-02-01\nA9,Pro,1,"
     "2024-01-01\n",
     "{\"account_id\":\"A1\",\"plan\":\"Pro\",\"mrr\":10,\"started_at\":\"2024-01-01\"}\n"
     "{\"account_id\":\"A2\",\"plan\":\"Free\",\"mrr\":0,\"started_at\":\"2024-02-01\"}\n"
     "{\"account_id\":\"A9\",\"plan\":\"Pro\",\"mrr\":1,\"started_at\":\"2024-01-01\"}\n",
     "[{\"account_id\":\"A1\",\"plan\":\"Pro\",\"mrr\":10,\"started_at\":\"2024-01-01\"},"
     "{\"account_id\":\"A9\",\"plan\":\"Pro\",\"mrr\":1,\"started_at\":\"2024-01-01\"}]"},
    {INGEST_INTERACTIONS,
     "id,person_id,ts,type,channel,note\nI1,P1,2024-01-01,login,web,a\n,P2,2024-01-02,like,app,"
     "b\n,P1,2024-01-03,like,,\n,P9,2024-01-03,like,,\n",
     "{\"id\":\"I1\",\"person_id\":\"P1\",\"ts\":\"2024-01-01\",\"type\":\"login\",\"note\":\"a\"}"
     "\n{\"person_id\":\"P2\",\"ts\":1704153600,\"type\":\"like\",\"channel\":\"app\"}\n"
     "{\"person_id\":\"P1\",\"ts\":\"2024-01-03\",\"type\":\"like\"}\n"
     "{\"person_id\":\"P9\",\"ts\":\"2024-01-03\",\"type\":\"like\"}\n",
     "[{\"id\":\"I1\",\"person_id\":\"P1\",\"ts\":\"2024-01-01\",\"type\":\"login\"},"
     "{\"person_id\":\"P2\",\"ts\":1704153600,\"type\":\"like\",\"x\":[1,{\"y\":2}]},"
     "{\"person_id\":\"P9\",\"ts\":\"2024-01-03\",\"type\":\"like\"}]"},
    {INGEST_FEEDBACK,
     "person_id,ts,kind,score,comment\nP1,2024-01-01,nps,9,\"great, really\"\nP2,2024-01-02,csat,"
     "4,ok\nP1,2024-01-03,nps,11,bad\n",
     "{\"person_id\":\"P1\",\"ts\":\"2024-01-01\",\"kind\":\"nps\",\"score\":9,\"comment\":\"g\"}\n"
     "{\"person_id\":\"P2\",\"ts\":\"2024-01-02\",\"kind\":\"csat\",\"score\":4}\n"
     "{\"person_id\":\"P1\",\"ts\":\"2024-01-03\",\"kind\":\"nps\",\"score\":11}\n",
     "[{\"id\":\"F1\",\"person_id\":\"P1\",\"ts\":\"2024-01-01\",\"kind\":\"nps\",\"score\":9},"
     "{\"person_id\":\"P1\",\"ts\":\"2024-01-03\",\"kind\":\"nps\",\"score\":11}]"},
    {INGEST_OBJECTIVES,
     "id,account_id,person_id,title,capabilities\nO1,A1,P1,Grow,C1;C2\nO2,A2,,Save,\nO3,A9,,x,"
     "\n",
     "{\"id\":\"O1\",\"account_id\":\"A1\",\"person_id\":\"P1\",\"title\":\"Grow\","
     "\"capabilities\":[\"C1\",\"C2\"]}\n{\"id\":\"O2\",\"account_id\":\"A2\",\"title\":\"Save\"}"
     "\n{\"id\":\"O3\",\"account_id\":\"A9\",\"title\":\"x\"}\n",
     "[{\"id\":\"O1\",\"account_id\":\"A1\",\"title\":\"Grow\",\"capabilities\":\"C1|C2\"},"
     "{\"id\":\"O3\",\"account_id\":\"A9\",\"title\":\"x\"}]"},
    {INGEST_CAPABILITIES,
     "id,name,plans,interaction_types\nC1,Search,Pro|Free,search\nC2,Export,Pro,export;share\nC3,"
     ",Pro,\n",
     "{\"id\":\"C1\",\"name\":\"Search\",\"plans\":[\"Pro\",\"Free\"],\"interaction_types\":"
     "[\"search\"]}\n{\"id\":\"C2\",\"name\":\"Export\",\"plans\":\"Pro\"}\n{\"id\":\"C3\"}\n",
     "[{\"id\":\"C1\",\"name\":\"Search\",\"plans\":[\"Pro\"]},{\"id\":\"C3\"}]"},
};

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        fclose(f);
}

/* A fresh in-memory database with accounts A1, A2 and people P1 (of A1), P2 (of A2). */
static struct store *seeded(void)
{
        struct store *s = NULL;
        struct cxg_error err;
        struct account a;
        struct person p;

        assert_int_equal(store_open(":memory:", 0, &s, &err), CXG_OK);
        model_account_init(&a);
        a.id = "A1";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &err), CXG_OK);
        a.id = "A2";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &err), CXG_OK);
        model_person_init(&p);
        p.id = "P1";
        p.account_id = "A1";
        assert_int_equal(store_put_person(s, &p, NULL, NULL, &err), CXG_OK);
        p.id = "P2";
        p.account_id = "A2";
        assert_int_equal(store_put_person(s, &p, NULL, NULL, &err), CXG_OK);
        return s;
}

static int64_t rows(struct store *s)
{
        struct store_counts c;
        struct cxg_error err;

        assert_int_equal(store_counts(s, &c, &err), CXG_OK);
        return c.accounts + c.people + c.subscriptions + c.interactions + c.feedback +
               c.objectives + c.capabilities + c.interaction_types;
}

enum mode { M_CSV, M_JSONL, M_BATCH };

/* One import of sample x in mode m into s; the summary in *sum. */
static struct cxg_error err; /* of the last import, for failure messages */

static enum cxg_err import_once(struct store *s, const struct sample *x, enum mode m,
                                const char *path, struct ingest_summary *sum)
{
        struct ingest_opts o;
        struct ingest_row_error *errs = NULL;
        size_t n_errs = 0;
        enum cxg_err rc;

        cxg_error_clear(&err);
        if (m == M_BATCH) {
                rc = ingest_json_batch(s, x->kind, x->batch, strlen(x->batch), INGEST_JSON_PARTIAL,
                                       &errs, &n_errs, sum, &err);
                if (rc == CXG_OK)
                        assert_int_equal(n_errs, sum->rejected);
                cxg_free(errs);
                return rc;
        }
        ingest_opts_init(&o, x->kind);
        o.threads = 1;
        return ingest_file(s, path, &o, sum, &err);
}

static void oom_loop(enum mode m, int once)
{
        static const char *const ext[] = {"to_oom.csv", "to_oom.jsonl", ""};
        char rejects[64];

        snprintf(rejects, sizeof(rejects), "%s.rejects.csv", ext[m]);
        for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
                const struct sample *x = &samples[i];
                struct ingest_summary want, got;
                struct store *s;
                int64_t base, full;
                unsigned long k, total = 0;
                enum cxg_err rc = CXG_ERR_NOMEM;

                if (m != M_BATCH)
                        write_file(ext[m], m == M_CSV ? x->csv : x->jsonl);
                /* the reference: no failure */
                s = seeded();
                base = rows(s);
                assert_int_equal(import_once(s, x, m, ext[m], &want), CXG_OK);
                assert_true(want.inserted >= 1);
                assert_int_equal(want.rejected, 1);
                full = rows(s);
                store_close(s);
                /* once: every allocation of a full run fails alone, in turn */
                if (once) {
                        s = seeded();
                        cxg_alloc_fail_once(ULONG_MAX);
                        assert_int_equal(import_once(s, x, m, ext[m], &got), CXG_OK);
                        total = cxg_alloc_count();
                        cxg_alloc_fail_at(0);
                        store_close(s);
                }
                for (k = 1; k < MAX_K && (once ? k <= total : rc != CXG_OK); k++) {
                        s = seeded();
                        if (once)
                                cxg_alloc_fail_once(k);
                        else
                                cxg_alloc_fail_at(k);
                        rc = import_once(s, x, m, ext[m], &got);
                        cxg_alloc_fail_at(0);
                        if (rc != CXG_OK && rc != CXG_ERR_NOMEM)
                                fail_msg("kind %s, mode %d, failing allocation %lu: %s: %s",
                                         ingest_kind_name(x->kind), (int)m, k, cxg_strerror(rc),
                                         err.msg);
                        if (rc == CXG_OK) {
                                /* an import that succeeded did everything */
                                assert_int_equal(got.read, want.read);
                                assert_int_equal(got.inserted, want.inserted);
                                assert_int_equal(got.rejected, want.rejected);
                                assert_int_equal(rows(s), full);
                        } else {
                                /* one batch: nothing of it, or all of it, never a part */
                                int64_t now = rows(s);

                                if (now != base && now != full)
                                        fail_msg("kind %s, mode %d, failing allocation %lu: %lld "
                                                 "rows, expected %lld or %lld",
                                                 ingest_kind_name(x->kind), (int)m, k,
                                                 (long long)now, (long long)base, (long long)full);
                        }
                        store_close(s);
                }
                if (!once) {
                        assert_int_equal(rc, CXG_OK);
                        assert_true(k > 2); /* the loop did fail allocations before succeeding */
                }
                print_message("%s, mode %d%s: %lu failure points\n", ingest_kind_name(x->kind),
                              (int)m, once ? ", one failure" : "", k - 1);
        }
        if (m != M_BATCH) {
                unlink(ext[m]);
                unlink(rejects);
        }
}

static void test_oom_csv_import_of_every_kind_fails_cleanly(void **state)
{
        (void)state;
        oom_loop(M_CSV, 0);
}

static void test_oom_jsonl_import_of_every_kind_fails_cleanly(void **state)
{
        (void)state;
        oom_loop(M_JSONL, 0);
}

static void test_oom_json_batch_of_every_kind_fails_cleanly(void **state)
{
        (void)state;
        oom_loop(M_BATCH, 0);
}

/* one allocation fails and the next succeed: what survives the failure must still be right */
static void test_one_failed_allocation_never_gives_a_wrong_import(void **state)
{
        (void)state;
        oom_loop(M_CSV, 1);
        oom_loop(M_JSONL, 1);
        oom_loop(M_BATCH, 1);
}

int main(void)
{
        /* jansson allocates through cxg_malloc too, so its failures are injected as well */
        json_set_alloc_funcs(cxg_malloc, cxg_free);
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_oom_csv_import_of_every_kind_fails_cleanly),
            cmocka_unit_test(test_oom_jsonl_import_of_every_kind_fails_cleanly),
            cmocka_unit_test(test_oom_json_batch_of_every_kind_fails_cleanly),
            cmocka_unit_test(test_one_failed_allocation_never_gives_a_wrong_import),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
