/*
 * scan.c: the engine's scans: every row of an entity in internal-id order, handed to a
 * callback with its strings borrowed from SQLite for the duration of the call. Each scan
 * prepares its own statement, so a callback may use the store (even start another scan).
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "store/store_int.h"

/* Any callback type; converted back to its own type before the call. */
typedef void (*any_cb)(void);

/* One row of a scan: fill the entity from the statement and call the callback. */
typedef enum cxg_err (*row_fn)(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                               struct cxg_error *err);

/*
 * Run sql (its parameters, when it has them: p1, p2) and hand each row to fn. Returns the
 * first non-zero value of a callback, or a store error.
 */
static enum cxg_err scan(struct store *s, const char *sql, int64_t p1, int64_t p2, row_fn fn,
                         any_cb cb, void *ctx, const char *what, struct cxg_error *err)
{
        struct sdb_stmt *st = NULL;
        enum cxg_err rc = CXG_OK;
        int src = sdb_prepare(s, sql, &st);

        if (src != SDB_OK) {
                sdb_finalize(st);
                return store_db_err(s, src, what, err);
        }
        if (sdb_bind_parameter_count(st) >= 1)
                sdb_bind_int64(st, 1, p1);
        if (sdb_bind_parameter_count(st) >= 2)
                sdb_bind_int64(st, 2, p2);
        while ((src = sdb_step(st)) == SDB_ROW) {
                if ((rc = fn(s, st, cb, ctx, err)))
                        break;
        }
        if (!rc && src != SDB_DONE)
                rc = store_db_err(s, src, what, err);
        sdb_finalize(st);
        return rc;
}

static int col_int(struct sdb_stmt *st, int i, int absent)
{
        if (sdb_column_type(st, i) == SDB_NULL)
                return absent;
        return sdb_column_int(st, i);
}

/* ---- accounts ---- */

static enum cxg_err account_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                                struct cxg_error *err)
{
        struct account a;

        (void)s;
        (void)err;
        model_account_init(&a);
        a.id = store_col_text(st, 1);
        a.name = store_col_text(st, 2);
        a.plan = store_col_text(st, 3);
        a.mrr = store_col_double(st, 4);
        a.currency = store_col_text(st, 5);
        a.created_at = store_col_ts(st, 6);
        a.churned_at = store_col_ts(st, 7);
        a.churned = sdb_column_int(st, 8);
        a.owner = store_col_text(st, 9);
        a.attributes = store_col_text(st, 10);
        return ((store_account_cb)cb)(ctx, sdb_column_int64(st, 0), &a);
}

enum cxg_err store_scan_accounts(struct store *s, int64_t after_id, store_account_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        return scan(s,
                    "SELECT id, ext_id, name, plan, mrr, currency, created_at, churned_at,"
                    " churned, owner, attributes FROM accounts WHERE id > ? ORDER BY id",
                    after_id, 0, account_row, (any_cb)cb, ctx, "scan accounts", err);
}

/* ---- people ---- */

static enum cxg_err person_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                               struct cxg_error *err)
{
        struct person p;

        (void)s;
        (void)err;
        model_person_init(&p);
        p.id = store_col_text(st, 1);
        p.account_id = store_col_text(st, 3);
        p.name = store_col_text(st, 4);
        p.email = store_col_text(st, 5);
        p.role = store_col_text(st, 6);
        p.seniority = sdb_column_int(st, 7);
        p.created_at = store_col_ts(st, 8);
        p.left_at = store_col_ts(st, 9);
        p.attributes = store_col_text(st, 10);
        return ((store_person_cb)cb)(ctx, sdb_column_int64(st, 0), sdb_column_int64(st, 2), &p);
}

enum cxg_err store_scan_people(struct store *s, int64_t after_id, store_person_cb cb, void *ctx,
                               struct cxg_error *err)
{
        return scan(s,
                    "SELECT p.id, p.ext_id, p.account_id, a.ext_id, p.name, p.email, p.role,"
                    " p.seniority, p.created_at, p.left_at, p.attributes"
                    " FROM people p JOIN accounts a ON a.id = p.account_id"
                    " WHERE p.id > ? ORDER BY p.id",
                    after_id, 0, person_row, (any_cb)cb, ctx, "scan people", err);
}

/* ---- subscriptions ---- */

static enum cxg_err subscription_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                                     struct cxg_error *err)
{
        struct subscription sub;

        (void)s;
        (void)err;
        model_subscription_init(&sub);
        sub.account_id = store_col_text(st, 2);
        sub.plan = store_col_text(st, 3);
        sub.mrr = store_col_double(st, 4);
        sub.started_at = store_col_ts(st, 5);
        sub.ended_at = store_col_ts(st, 6);
        return ((store_subscription_cb)cb)(ctx, sdb_column_int64(st, 0), sdb_column_int64(st, 1),
                                           &sub);
}

enum cxg_err store_scan_subscriptions(struct store *s, int64_t after_id, store_subscription_cb cb,
                                      void *ctx, struct cxg_error *err)
{
        return scan(s,
                    "SELECT s.id, s.account_id, a.ext_id, s.plan, s.mrr, s.started_at,"
                    " s.ended_at FROM subscriptions s JOIN accounts a ON a.id = s.account_id"
                    " WHERE s.id > ? ORDER BY s.id",
                    after_id, 0, subscription_row, (any_cb)cb, ctx, "scan subscriptions", err);
}

/* ---- interactions ---- */

static enum cxg_err interaction_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                                    struct cxg_error *err)
{
        struct store_interaction r;

        (void)s;
        (void)err;
        r.id = sdb_column_int64(st, 0);
        r.person_id = sdb_column_int64(st, 1);
        r.account_id = sdb_column_int64(st, 2);
        r.ts = sdb_column_int64(st, 3);
        r.channel = (uint8_t)sdb_column_int(st, 4);
        r.type_id = (int32_t)sdb_column_int(st, 5);
        r.duration_ms = sdb_column_type(st, 6) == SDB_NULL ? -1 : sdb_column_int64(st, 6);
        r.outcome = (uint8_t)sdb_column_int(st, 7);
        r.value = store_col_double(st, 8);
        r.ext_id = store_col_text(st, 9);
        r.attributes = store_col_text(st, 10);
        return ((store_interaction_cb)cb)(ctx, &r);
}

enum cxg_err store_scan_interactions(struct store *s, int64_t after_id, store_interaction_cb cb,
                                     void *ctx, struct cxg_error *err)
{
        return scan(s,
                    "SELECT id, person_id, account_id, ts, channel, type_id, duration_ms,"
                    " outcome, value, ext_id, attributes FROM interactions WHERE id > ?"
                    " ORDER BY id",
                    after_id, 0, interaction_row, (any_cb)cb, ctx, "scan interactions", err);
}

/* ---- feedback ---- */

static enum cxg_err feedback_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        struct feedback f;

        (void)s;
        (void)err;
        model_feedback_init(&f);
        f.id = store_col_text(st, 1);
        f.person_id = store_col_text(st, 4);
        f.account_id = store_col_text(st, 5);
        f.ts = store_col_ts(st, 6);
        f.kind = sdb_column_int(st, 7);
        f.score = store_col_double(st, 8);
        f.comment = store_col_text(st, 9);
        f.topic = store_col_text(st, 10);
        f.channel = col_int(st, 11, -1);
        return ((store_feedback_cb)cb)(ctx, sdb_column_int64(st, 0), sdb_column_int64(st, 2),
                                       sdb_column_int64(st, 3), &f);
}

enum cxg_err store_scan_feedback(struct store *s, int64_t after_id, store_feedback_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        /* PostgreSQL: the person's ext id from the small people_keys (scripts/check-citus) */
        return scan(
            s,
            store_sql(s,
                      "SELECT f.id, f.ext_id, f.person_id, f.account_id, p.ext_id,"
                      " a.ext_id, f.ts, f.kind, f.score, f.comment, f.topic, f.channel"
                      " FROM feedback f JOIN people p ON p.id = f.person_id"
                      " JOIN accounts a ON a.id = f.account_id WHERE f.id > ? ORDER BY f.id",
                      "SELECT f.id, f.ext_id, f.person_id, f.account_id, p.ext_id,"
                      " a.ext_id, f.ts, f.kind, f.score, f.comment, f.topic, f.channel"
                      " FROM feedback f JOIN people_keys p ON p.id = f.person_id"
                      " JOIN accounts a ON a.id = f.account_id WHERE f.id > ? ORDER BY f.id"),
            after_id, 0, feedback_row, (any_cb)cb, ctx, "scan feedback", err);
}

/* ---- interaction types ---- */

static enum cxg_err type_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                             struct cxg_error *err)
{
        (void)s;
        (void)err;
        return ((store_type_cb)cb)(ctx, (int32_t)sdb_column_int(st, 0), store_col_text(st, 1));
}

enum cxg_err store_scan_types(struct store *s, store_type_cb cb, void *ctx, struct cxg_error *err)
{
        return scan(s, "SELECT id, name FROM interaction_types ORDER BY id", 0, 0, type_row,
                    (any_cb)cb, ctx, "scan interaction types", err);
}

/* ---- JSON lists of objectives and capabilities ---- */

struct str_list {
        json_t *json;
        const char **v;
        size_t n;
};

static void str_list_release(struct str_list *l)
{
        json_decref(l->json);
        cxg_free(l->v);
        l->json = NULL;
        l->v = NULL;
        l->n = 0;
}

/*
 * jansson failed for want of memory: an allocation failed during the call (failed counted
 * cxg_alloc_failures() before it; jansson may then report a syntax error), or it says so in
 * the error code, or its lexer could not even start (NULL with an empty message).
 */
static int json_oom(const json_error_t *e, unsigned long failed)
{
        return cxg_alloc_failures() != failed || e->text[0] == '\0' ||
               json_error_code(e) == json_error_out_of_memory;
}

/* Parse the JSON array text of strings into l (borrowed from l->json). */
static enum cxg_err str_list_parse(struct str_list *l, const char *text, const char *what,
                                   const char *path, struct cxg_error *err)
{
        json_error_t je;
        unsigned long failed;
        size_t i;

        l->json = NULL;
        l->v = NULL;
        l->n = 0;
        failed = cxg_alloc_failures();
        l->json = json_loads(text ? text : "[]", 0, &je);
        if (!l->json && json_oom(&je, failed))
                return cxg_error_set(err, CXG_ERR_NOMEM, "%s: %s: out of memory", what, path);
        if (!l->json || !json_is_array(l->json))
                goto bad;
        l->n = json_array_size(l->json);
        /* one slot more so that an empty list is still a non-NULL array */
        l->v = cxg_calloc(l->n + 1, sizeof(*l->v));
        if (!l->v) {
                str_list_release(l);
                return cxg_error_set(err, CXG_ERR_NOMEM, "%s: %s: out of memory", what, path);
        }
        for (i = 0; i < l->n; i++) {
                l->v[i] = json_string_value(json_array_get(l->json, i));
                if (!l->v[i])
                        goto bad;
        }
        return CXG_OK;
bad:
        str_list_release(l);
        return cxg_error_set(err, CXG_ERR_STORE,
                             "%s: %s: a stored list is not a JSON array of "
                             "strings (the database was edited by hand?)",
                             what, path);
}

/* ---- objectives ---- */

static enum cxg_err objective_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                                  struct cxg_error *err)
{
        struct objective o;
        struct str_list caps;
        enum cxg_err rc;

        model_objective_init(&o);
        if ((rc = str_list_parse(&caps, store_col_text(st, 9), "scan objectives", s->path, err)))
                return rc;
        o.id = store_col_text(st, 1);
        o.account_id = store_col_text(st, 4);
        o.person_id = store_col_text(st, 5);
        o.title = store_col_text(st, 6);
        o.importance = sdb_column_int(st, 7);
        o.status = store_col_text(st, 8);
        o.capabilities = caps.v;
        o.n_capabilities = caps.n;
        rc = ((store_objective_cb)cb)(ctx, sdb_column_int64(st, 0), sdb_column_int64(st, 2),
                                      col_int(st, 3, 0) ? sdb_column_int64(st, 3) : 0, &o);
        str_list_release(&caps);
        return rc;
}

enum cxg_err store_scan_objectives(struct store *s, store_objective_cb cb, void *ctx,
                                   struct cxg_error *err)
{
        return scan(s,
                    "SELECT o.id, o.ext_id, o.account_id, o.person_id, a.ext_id, p.ext_id,"
                    " o.title, o.importance, o.status, o.capabilities FROM objectives o"
                    " JOIN accounts a ON a.id = o.account_id"
                    " LEFT JOIN people p ON p.id = o.person_id ORDER BY o.id",
                    0, 0, objective_row, (any_cb)cb, ctx, "scan objectives", err);
}

/* ---- capabilities ---- */

static enum cxg_err capability_row(struct store *s, struct sdb_stmt *st, any_cb cb, void *ctx,
                                   struct cxg_error *err)
{
        struct capability c;
        struct str_list plans, types;
        enum cxg_err rc;

        model_capability_init(&c);
        if ((rc = str_list_parse(&plans, store_col_text(st, 3), "scan capabilities", s->path, err)))
                return rc;
        if ((rc = str_list_parse(&types, store_col_text(st, 4), "scan capabilities", s->path,
                                 err))) {
                str_list_release(&plans);
                return rc;
        }
        c.id = store_col_text(st, 1);
        c.name = store_col_text(st, 2);
        c.plans = plans.v;
        c.n_plans = plans.n;
        c.interaction_types = types.v;
        c.n_interaction_types = types.n;
        rc = ((store_capability_cb)cb)(ctx, sdb_column_int64(st, 0), &c);
        str_list_release(&plans);
        str_list_release(&types);
        return rc;
}

enum cxg_err store_scan_capabilities(struct store *s, store_capability_cb cb, void *ctx,
                                     struct cxg_error *err)
{
        return scan(s,
                    "SELECT id, ext_id, name, plans, interaction_types FROM capabilities"
                    " ORDER BY id",
                    0, 0, capability_row, (any_cb)cb, ctx, "scan capabilities", err);
}

/* ---- id ranges (the change log's) ---- */

enum cxg_err store_scan_accounts_range(struct store *s, int64_t lo, int64_t hi, store_account_cb cb,
                                       void *ctx, struct cxg_error *err)
{
        if (hi < lo)
                return CXG_OK;
        return scan(s,
                    "SELECT id, ext_id, name, plan, mrr, currency, created_at, churned_at,"
                    " churned, owner, attributes FROM accounts WHERE id BETWEEN ?1 AND ?2"
                    " ORDER BY id",
                    lo, hi, account_row, (any_cb)cb, ctx, "scan accounts", err);
}

enum cxg_err store_scan_people_range(struct store *s, int64_t lo, int64_t hi, store_person_cb cb,
                                     void *ctx, struct cxg_error *err)
{
        if (hi < lo)
                return CXG_OK;
        return scan(s,
                    "SELECT p.id, p.ext_id, p.account_id, a.ext_id, p.name, p.email, p.role,"
                    " p.seniority, p.created_at, p.left_at, p.attributes"
                    " FROM people p JOIN accounts a ON a.id = p.account_id"
                    " WHERE p.id BETWEEN ?1 AND ?2 ORDER BY p.id",
                    lo, hi, person_row, (any_cb)cb, ctx, "scan people", err);
}

enum cxg_err store_scan_interactions_range(struct store *s, int64_t lo, int64_t hi,
                                           store_interaction_cb cb, void *ctx,
                                           struct cxg_error *err)
{
        if (hi < lo)
                return CXG_OK;
        return scan(s,
                    "SELECT id, person_id, account_id, ts, channel, type_id, duration_ms,"
                    " outcome, value, ext_id, attributes FROM interactions"
                    " WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
                    lo, hi, interaction_row, (any_cb)cb, ctx, "scan interactions", err);
}
