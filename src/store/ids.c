/*
 * ids.c: the handle's id caches (accounts, people, interaction types by external id), loaded
 * lazily and dropped when a rollback may have undone what they hold; the reference lookups and
 * the interaction-type upsert that use them. Both backends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/grow.h"
#include "core/banned.h"
#include "store/store_int.h"

/* Longest external id or type name echoed back in a message. */
#define ECHO_MAX 64

static int echo_len(size_t n)
{
        return n > ECHO_MAX ? ECHO_MAX : (int)n;
}

void store_cache_drop(struct store *s)
{
        cxg_hmap_release(&s->accounts);
        cxg_hmap_release(&s->people);
        cxg_hmap_release(&s->types);
        cxg_hmap_init(&s->accounts);
        cxg_hmap_init(&s->people);
        cxg_hmap_init(&s->types);
        s->accounts_loaded = s->people_loaded = s->types_loaded = 0;
        s->n_wide = 0;
}

/* ---- id caches ---- */

void store_cache_touch(struct store *s)
{
        if (s->in_tx)
                s->cache_dirty |= UINT64_C(1) << s->savepoint_depth;
}

/* Forget one cache after a failed insert into it; it reloads on its next use. */
static void forget(struct cxg_hmap *m, int *loaded)
{
        cxg_hmap_release(m);
        cxg_hmap_init(m);
        *loaded = 0;
}

void store_cache_account(struct store *s, const char *ext_id, size_t n, int64_t id)
{
        if (s->accounts_loaded && cxg_hmap_put(&s->accounts, ext_id, n, (uint64_t)id))
                forget(&s->accounts, &s->accounts_loaded);
}

static enum cxg_err pack_person(struct store *s, int64_t pid, int64_t aid, uint64_t *val)
{
        if (pid > 0 && pid <= INT32_MAX && aid > 0 && aid <= (int64_t)UINT32_MAX) {
                *val = (uint64_t)pid << 32 | (uint64_t)aid;
                return CXG_OK;
        }
        /* no cap of its own: it holds a pair per cached person, and the people cache has none */
        if (CXG_GROW(s->people_wide, s->n_wide + 2, s->cap_wide, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        s->people_wide[s->n_wide] = pid;
        s->people_wide[s->n_wide + 1] = aid;
        *val = STORE_PEOPLE_WIDE | (uint64_t)s->n_wide;
        s->n_wide += 2;
        return CXG_OK;
}

static void unpack_person(const struct store *s, uint64_t val, int64_t *pid, int64_t *aid)
{
        if (val & STORE_PEOPLE_WIDE) {
                size_t i = (size_t)(val & ~STORE_PEOPLE_WIDE);

                *pid = s->people_wide[i];
                *aid = s->people_wide[i + 1];
                return;
        }
        *pid = (int64_t)(val >> 32);
        *aid = (int64_t)(val & 0xffffffffu);
}

void store_cache_person(struct store *s, const char *ext_id, size_t n, int64_t person_id,
                        int64_t account_id)
{
        uint64_t v;

        if (!s->people_loaded)
                return;
        if (pack_person(s, person_id, account_id, &v) || cxg_hmap_put(&s->people, ext_id, n, v)) {
                forget(&s->people, &s->people_loaded);
                s->n_wide = 0;
        }
}

/*
 * Fill a cache from sql (columns: key text, id, [account id]). On failure the map is left
 * empty and not loaded.
 */
static enum cxg_err load_cache(struct store *s, const char *sql, int people, struct cxg_hmap *m,
                               int *loaded, const char *what, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        while ((src = sdb_step(st)) == SDB_ROW) {
                const char *k = (const char *)sdb_column_text(st, 0);
                int kn = sdb_column_bytes(st, 0);
                int64_t id = sdb_column_int64(st, 1);
                uint64_t v = (uint64_t)id;

                if (!k)
                        continue;
                if (people && (rc = pack_person(s, id, sdb_column_int64(st, 2), &v)))
                        break;
                if ((rc = cxg_hmap_put(m, k, (size_t)kn, v)))
                        break;
        }
        sdb_reset(st);
        if (rc == CXG_OK && src != SDB_DONE)
                rc = store_db_err(s, src, what, err);
        else if (rc)
                cxg_error_set(err, rc, "%s: %s: out of memory", what, s->path);
        if (rc) {
                cxg_hmap_release(m);
                cxg_hmap_init(m);
                if (people)
                        s->n_wide = 0;
                return rc;
        }
        *loaded = 1;
        return CXG_OK;
}

/* Look up one row by key with sql (one text parameter; columns id, [account id]). */
static enum cxg_err lookup_row(struct store *s, const char *sql, const char *key, size_t n,
                               int64_t *a, int64_t *b, int *found, const char *what,
                               struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);
        int rc;

        *found = 0;
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_text(st, 1, key, (int)n, SDB_STATIC);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                *found = 1;
                *a = sdb_column_int64(st, 0);
                if (b)
                        *b = sdb_column_int64(st, 1);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, what, err);
        return CXG_OK;
}

enum cxg_err store_account_ref(struct store *s, const char *ext_id, size_t n, int64_t *account_id,
                               struct cxg_error *err)
{
        uint64_t v;
        int found;
        enum cxg_err rc;

        if (!s->accounts_loaded &&
            (rc = load_cache(s, "SELECT ext_id, id FROM accounts", 0, &s->accounts,
                             &s->accounts_loaded, "load accounts", err)))
                return rc;
        if (cxg_hmap_get(&s->accounts, ext_id, n, &v)) {
                *account_id = (int64_t)v;
                return CXG_OK;
        }
        if (n > INT32_MAX)
                return cxg_error_setf(err, CXG_ERR_LIMIT, "account_id", "account id too long");
        /* another process may have added it since the cache was loaded */
        if ((rc = lookup_row(s, "SELECT id FROM accounts WHERE ext_id = ?", ext_id, n, account_id,
                             NULL, &found, "find account", err)))
                return rc;
        if (!found)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "account_id",
                                      "unknown account \"%.*s\" (import accounts first)",
                                      echo_len(n), ext_id);
        store_cache_account(s, ext_id, n, *account_id);
        return CXG_OK;
}

enum cxg_err store_person_ref(struct store *s, const char *ext_id, size_t n, int64_t *person_id,
                              int64_t *account_id, struct cxg_error *err)
{
        uint64_t v;
        int64_t pid, aid;
        int found;
        enum cxg_err rc;

        if (!s->people_loaded &&
            (rc = load_cache(s, "SELECT ext_id, id, account_id FROM people", 1, &s->people,
                             &s->people_loaded, "load people", err)))
                return rc;
        if (cxg_hmap_get(&s->people, ext_id, n, &v)) {
                unpack_person(s, v, &pid, &aid);
        } else {
                if (n > INT32_MAX)
                        return cxg_error_setf(err, CXG_ERR_LIMIT, "person_id",
                                              "person id too long");
                if ((rc = lookup_row(s, "SELECT id, account_id FROM people WHERE ext_id = ?",
                                     ext_id, n, &pid, &aid, &found, "find person", err)))
                        return rc;
                if (!found)
                        return cxg_error_setf(err, CXG_ERR_NOTFOUND, "person_id",
                                              "unknown person \"%.*s\" (import people first)",
                                              echo_len(n), ext_id);
                store_cache_person(s, ext_id, n, pid, aid);
        }
        if (person_id)
                *person_id = pid;
        if (account_id)
                *account_id = aid;
        return CXG_OK;
}

enum cxg_err store_type_id(struct store *s, const char *name, size_t n, int32_t *id,
                           struct cxg_error *err)
{
        struct sdb_stmt *st;
        uint64_t v;
        int64_t rid;
        int found, rc;
        enum cxg_err e;

        if (!s->types_loaded &&
            (e = load_cache(s, "SELECT name, id FROM interaction_types", 0, &s->types,
                            &s->types_loaded, "load interaction types", err)))
                return e;
        if (cxg_hmap_get(&s->types, name, n, &v)) {
                *id = (int32_t)v;
                return CXG_OK;
        }
        if (n == 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "type", "required, but empty");
        if (n > 256)
                return cxg_error_setf(err, CXG_ERR_INVALID, "type", "longer than 256 bytes");
        /* RETURNING gives the id of a new row (both backends); no row: it existed */
        st = store_stmt(s,
                        "INSERT INTO interaction_types(name) VALUES (?)"
                        " ON CONFLICT(name) DO NOTHING RETURNING id",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_text(st, 1, name, (int)n, SDB_STATIC);
        rc = sdb_step(st);
        found = rc == SDB_ROW;
        if (found) {
                rid = sdb_column_int64(st, 0);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "add interaction type", err);
        if (found) {
                store_cache_touch(s);
        } else {
                /* added by another process since the cache was loaded */
                if ((e = lookup_row(s, "SELECT id FROM interaction_types WHERE name = ?", name, n,
                                    &rid, NULL, &found, "add interaction type", err)))
                        return e;
                if (!found)
                        return cxg_error_set(err, CXG_ERR_INTERNAL,
                                             "add interaction type: %s: vanished", s->path);
        }
        if (rid > INT32_MAX)
                return cxg_error_set(err, CXG_ERR_LIMIT,
                                     "add interaction type: %s: more than %d types", s->path,
                                     INT32_MAX);
        if (s->types_loaded && cxg_hmap_put(&s->types, name, n, (uint64_t)rid))
                forget(&s->types, &s->types_loaded);
        *id = (int32_t)rid;
        return CXG_OK;
}
