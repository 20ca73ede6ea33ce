/*
 * migrate.c: `cxgarden migrate` (app/migrate.h): open both stores, copy in one transaction on
 * the target while the source is read in one snapshot, verify, commit.
 */
#include <string.h>

#include "app/migrate.h"
#include "core/banned.h"

static enum cxg_err open_pair(const char *from, const char *to, unsigned to_flags, struct store **a,
                              struct store **b, struct cxg_error *err)
{
        enum cxg_err rc;

        *a = *b = NULL;
        if (strcmp(from, to) == 0)
                return cxg_error_set(err, CXG_ERR_USAGE,
                                     "migrate: the source and the target are the same store");
        if ((rc = store_open(from, STORE_READONLY, a, err)))
                return rc;
        if ((rc = store_open(to, to_flags, b, err))) {
                store_close(*a);
                *a = NULL;
        }
        return rc;
}

enum cxg_err app_migrate(const char *from, const char *to, unsigned flags,
                         struct store_migrate_report *rep, struct cxg_error *err)
{
        struct store *a, *b;
        enum cxg_err rc;

        memset(rep, 0, sizeof(*rep));
        if ((rc = open_pair(from, to, 0, &a, &b, err)))
                return rc;
        if ((rc = store_read_begin(a, err)))
                goto done;
        if ((rc = store_begin(b, err)))
                goto done;
        if ((rc = store_migrate_copy(a, b, flags, rep, err)) ||
            (rc = store_migrate_verify(a, b, rep, err))) {
                store_rollback(b);
                goto done;
        }
        rc = store_commit(b, err);
done:
        store_read_end(a);
        store_close(a);
        store_close(b);
        return rc;
}

enum cxg_err app_migrate_verify(const char *from, const char *to, struct store_migrate_report *rep,
                                struct cxg_error *err)
{
        struct store *a, *b;
        enum cxg_err rc;

        memset(rep, 0, sizeof(*rep));
        if ((rc = open_pair(from, to, STORE_READONLY, &a, &b, err)))
                return rc;
        if (!(rc = store_read_begin(a, err)) && !(rc = store_read_begin(b, err)))
                rc = store_migrate_verify(a, b, rep, err);
        store_read_end(a);
        store_read_end(b);
        store_close(a);
        store_close(b);
        return rc;
}
