/*
 * fuzz_json_batch.c: libFuzzer harness for ingest_json_batch (the API's batch ingest) on an
 * in-memory database seeded once with accounts A1, A2 and people P1, P2 (renewed every 512
 * runs so it stays small). The first byte picks the kind (bits 0-2) and INGEST_JSON_PARTIAL
 * (bit 3); the rest is the request body. Checks: the answer is OK, INVALID (nothing written)
 * or PARSE (no row errors), every row is accounted for, and the table grew by exactly the
 * rows reported inserted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "ingest/import.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken promise: name the check, then crash so libFuzzer keeps the input */
#define FAIL() fail_at(__LINE__)

static void fail_at(int line)
{
        fprintf(stderr, "%s:%d: check failed\n", __FILE__, line);
        __builtin_trap();
}

static struct store *db;
static unsigned long uses;

static void seed(void)
{
        struct account a;
        struct person p;
        struct cxg_error err;

        if (store_open(":memory:", 0, &db, &err))
                FAIL();
        model_account_init(&a);
        a.id = "A1";
        if (store_put_account(db, &a, NULL, NULL, &err))
                FAIL();
        a.id = "A2";
        if (store_put_account(db, &a, NULL, NULL, &err))
                FAIL();
        model_person_init(&p);
        p.id = "P1";
        p.account_id = "A1";
        if (store_put_person(db, &p, NULL, NULL, &err))
                FAIL();
        p.id = "P2";
        p.account_id = "A2";
        if (store_put_person(db, &p, NULL, NULL, &err))
                FAIL();
}

static int64_t total(void)
{
        struct store_counts c;
        struct cxg_error err;

        if (store_counts(db, &c, &err))
                FAIL();
        return c.accounts + c.people + c.subscriptions + c.interactions + c.feedback +
               c.objectives + c.capabilities;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ingest_row_error *errs = NULL;
        struct ingest_summary sum;
        struct cxg_error err;
        enum ingest_kind kind;
        unsigned flags;
        size_t n_errs = 0;
        int64_t before, after;
        enum cxg_err rc;

        if (size < 1)
                return 0;
        if (!db || ++uses % 512 == 0) {
                store_close(db);
                db = NULL;
                seed();
        }
        kind = (enum ingest_kind)((data[0] & 7) % INGEST_KIND__COUNT);
        flags = data[0] & 8 ? INGEST_JSON_PARTIAL : 0;
        before = total();
        cxg_error_clear(&err);
        rc = ingest_json_batch(db, kind, (const char *)data + 1, size - 1, flags, &errs, &n_errs,
                               &sum, &err);
        after = total();
        switch (rc) {
        case CXG_OK:
                if (n_errs != sum.rejected || sum.read != sum.valid + sum.rejected ||
                    sum.committed != sum.inserted + sum.updated || sum.committed != sum.valid ||
                    after - before != (int64_t)sum.inserted || (n_errs && !errs))
                        FAIL();
                break;
        case CXG_ERR_INVALID:
                if (flags || !n_errs || !errs || after != before || sum.committed)
                        FAIL();
                break;
        case CXG_ERR_PARSE:
                if (errs || n_errs || after != before)
                        FAIL();
                break;
        default:
                FAIL();
        }
        for (size_t i = 0; i < n_errs; i++)
                if (!errs[i].reason[0] || errs[i].index >= sum.read)
                        FAIL();
        cxg_free(errs);
        return 0;
}
