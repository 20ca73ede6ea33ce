/*
 * fuzz_rows.c: libFuzzer harness for each importer's row conversion and validation, through
 * the whole file path of ingest_file (header mapping, attributes, rejects file, batches,
 * upserts). The first byte picks the kind; the second: bit 0 a dry run without a database
 * (else a real import into an in-memory database seeded with accounts A1, A2 and people P1,
 * P2), bit 1 the canonical header of the kind put in front of the input, bits 2-4 the batch
 * size (1-8 rows). The rest is the CSV file. Checks: a finished import accounts for every row
 * (read = valid + rejected, committed = inserted + updated = valid), and the table grew by
 * exactly the rows reported inserted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
static char path[64], rejects[80];

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

static int64_t count_of(enum ingest_kind k)
{
        struct store_counts c;
        struct cxg_error err;

        if (store_counts(db, &c, &err))
                FAIL();
        switch (k) {
        case INGEST_ACCOUNTS:
                return c.accounts;
        case INGEST_PEOPLE:
                return c.people;
        case INGEST_SUBSCRIPTIONS:
                return c.subscriptions;
        case INGEST_INTERACTIONS:
                return c.interactions;
        case INGEST_FEEDBACK:
                return c.feedback;
        case INGEST_OBJECTIVES:
                return c.objectives;
        default:
                return c.capabilities;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ingest_opts o;
        struct ingest_summary sum;
        struct cxg_error err;
        enum ingest_kind kind;
        enum cxg_err rc;
        int64_t before = 0;
        FILE *f;

        if (size < 2)
                return 0;
        if (!path[0]) {
                snprintf(path, sizeof(path), "/tmp/cxg-fuzz-rows-%ld.csv", (long)getpid());
                snprintf(rejects, sizeof(rejects), "%s.rejects.csv", path);
        }
        /* a fresh database now and then keeps its size (and the time per run) bounded */
        if (!db || ++uses % 512 == 0) {
                store_close(db);
                db = NULL;
                seed();
        }
        kind = (enum ingest_kind)(data[0] % INGEST_KIND__COUNT);
        ingest_opts_init(&o, kind);
        o.dry_run = data[1] & 1;
        o.batch = (size_t)((data[1] >> 2) & 7) + 1;
        o.threads = 1;
        o.format = INGEST_FMT_CSV;
        f = fopen(path, "wb");
        if (!f)
                FAIL();
        if (data[1] & 2) {
                const char *h = ingest_kind_fields(kind);

                for (; *h; h++)
                        fputc(*h == ' ' ? ',' : *h, f);
                fputc('\n', f);
        }
        fwrite(data + 2, 1, size - 2, f);
        fclose(f);
        if (!o.dry_run)
                before = count_of(kind);
        cxg_error_clear(&err);
        rc = ingest_file(o.dry_run ? NULL : db, path, &o, &sum, &err);
        if (rc == CXG_OK) {
                if (sum.read != sum.valid + sum.rejected)
                        FAIL();
                if (!o.dry_run &&
                    (sum.committed != sum.inserted + sum.updated || sum.committed != sum.valid ||
                     count_of(kind) - before != (int64_t)sum.inserted))
                        FAIL();
                if (o.dry_run && (sum.inserted || sum.updated || sum.committed))
                        FAIL();
                if ((sum.rejected > 0) != (sum.rejects_path[0] != '\0'))
                        FAIL();
        } else if (rc != CXG_ERR_USAGE || sum.read != 0) {
                /* only a bad header (nothing read) may stop an import of a file */
                FAIL();
        }
        unlink(rejects);
        return 0;
}
