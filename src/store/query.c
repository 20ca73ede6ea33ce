/*
 * query.c: list, get, delete and clear for the HTTP API (store_query.h). SQL is composed only
 * from the fixed fragments below (sort fields and columns come from whitelists; every user
 * value is a bound parameter), and each composition is prepared once per handle.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"
#include "core/buf.h"
#include "store/store_int.h"
#include "store/store_query.h"

struct sortdef {
        const char *name;
        const char *expr; /* never NULL: absent values sort first */
        int num;
};

struct entdef {
        const char *from;
        const char *cols;
        const char *ext_col; /* column compared with store_query.ext_id */
        const struct sortdef *sorts;
        const char *const *sort_names;
        const char *const *clearable; /* canonical field name = column name */
};

static const struct sortdef acc_sorts[] = {
    {"id", "t.ext_id", 0},
    {"name", "COALESCE(t.name, '')", 0},
    {"plan", "COALESCE(t.plan, '')", 0},
    {"mrr", "COALESCE(t.mrr, -1e300)", 1},
    {"created_at", "COALESCE(t.created_at, -1e300)", 1},
    {"churned_at", "COALESCE(t.churned_at, -1e300)", 1},
    {NULL, NULL, 0},
};
static const char *const acc_sort_names[] = {"id",         "name",       "plan", "mrr",
                                             "created_at", "churned_at", NULL};
static const char *const acc_clear[] = {
    "name", "plan", "mrr", "currency", "created_at", "churned_at", "owner", "attributes", NULL};

static const struct sortdef ppl_sorts[] = {
    {"id", "t.ext_id", 0},
    {"name", "COALESCE(t.name, '')", 0},
    {"account_id", "a.ext_id", 0},
    {"seniority", "t.seniority", 1},
    {"created_at", "COALESCE(t.created_at, -1e300)", 1},
    {NULL, NULL, 0},
};
static const char *const ppl_sort_names[] = {"id",        "name",       "account_id",
                                             "seniority", "created_at", NULL};
static const char *const ppl_clear[] = {"name",    "email",      "role", "created_at",
                                        "left_at", "attributes", NULL};

static const struct sortdef sub_sorts[] = {
    {"id", "t.id", 1},   {"started_at", "t.started_at", 1},
    {"mrr", "t.mrr", 1}, {"plan", "t.plan", 0},
    {NULL, NULL, 0},
};
static const char *const sub_sort_names[] = {"id", "started_at", "mrr", "plan", NULL};
static const char *const sub_clear[] = {"ended_at", NULL};

static const struct sortdef obj_sorts[] = {
    {"id", "t.ext_id", 0},   {"importance", "t.importance", 1},
    {"title", "t.title", 0}, {"status", "t.status", 0},
    {NULL, NULL, 0},
};
static const char *const obj_sort_names[] = {"id", "importance", "title", "status", NULL};
static const char *const obj_clear[] = {"person_id", NULL};

static const struct sortdef cap_sorts[] = {
    {"id", "t.ext_id", 0},
    {"name", "t.name", 0},
    {NULL, NULL, 0},
};
static const char *const cap_sort_names[] = {"id", "name", NULL};
static const char *const cap_clear[] = {NULL};

static const struct entdef ents[STORE_E__COUNT] = {
    [STORE_E_ACCOUNTS] = {"accounts t",
                          "t.id, t.ext_id, t.name, t.plan, t.mrr, t.currency, t.created_at,"
                          " t.churned_at, t.churned, t.owner, t.attributes",
                          "t.ext_id", acc_sorts, acc_sort_names, acc_clear},
    [STORE_E_PEOPLE] = {"people t JOIN accounts a ON a.id = t.account_id",
                        "t.id, t.ext_id, a.ext_id, t.name, t.email, t.role, t.seniority,"
                        " t.created_at, t.left_at, t.attributes",
                        "t.ext_id", ppl_sorts, ppl_sort_names, ppl_clear},
    [STORE_E_SUBSCRIPTIONS] = {"subscriptions t JOIN accounts a ON a.id = t.account_id",
                               "t.id, a.ext_id, t.plan, t.mrr, t.started_at, t.ended_at", "t.id",
                               sub_sorts, sub_sort_names, sub_clear},
    [STORE_E_OBJECTIVES] = {"objectives t JOIN accounts a ON a.id = t.account_id"
                            " LEFT JOIN people p ON p.id = t.person_id",
                            "t.id, t.ext_id, a.ext_id, p.ext_id, t.title, t.importance, t.status,"
                            " t.capabilities",
                            "t.ext_id", obj_sorts, obj_sort_names, obj_clear},
    [STORE_E_CAPABILITIES] = {"capabilities t",
                              "t.id, t.ext_id, t.name, t.plans,"
                              " t.interaction_types",
                              "t.ext_id", cap_sorts, cap_sort_names, cap_clear},
};

void store_query_init(struct store_query *q)
{
        memset(q, 0, sizeof(*q));
        q->seniority = -1;
        q->limit = 100;
}

const char *const *store_query_sort_fields(enum store_entity e)
{
        return ents[e].sort_names;
}

static const struct sortdef *find_sort(enum store_entity e, const char *sort)
{
        if (!sort)
                return &ents[e].sorts[0];
        for (const struct sortdef *d = ents[e].sorts; d->name; d++)
                if (strcmp(d->name, sort) == 0)
                        return d;
        return NULL;
}

int store_query_sort_is_num(enum store_entity e, const char *sort)
{
        const struct sortdef *d = find_sort(e, sort);

        return d ? d->num : 0;
}

/* Fill a row of entity e from the statement's columns. */
static void fill_row(enum store_entity e, struct sdb_stmt *st, struct store_row *r,
                     struct account *acc, struct person *p, struct subscription *sub,
                     struct objective *o, struct capability *c)
{
        r->entity = e;
        r->id = sdb_column_int64(st, 0);
        switch (e) {
        case STORE_E_ACCOUNTS:
                model_account_init(acc);
                acc->id = store_col_text(st, 1);
                acc->name = store_col_text(st, 2);
                acc->plan = store_col_text(st, 3);
                acc->mrr = store_col_double(st, 4);
                acc->currency = store_col_text(st, 5);
                acc->created_at = store_col_ts(st, 6);
                acc->churned_at = store_col_ts(st, 7);
                acc->churned = sdb_column_int(st, 8);
                acc->owner = store_col_text(st, 9);
                acc->attributes = store_col_text(st, 10);
                r->account = acc;
                break;
        case STORE_E_PEOPLE:
                model_person_init(p);
                p->id = store_col_text(st, 1);
                p->account_id = store_col_text(st, 2);
                p->name = store_col_text(st, 3);
                p->email = store_col_text(st, 4);
                p->role = store_col_text(st, 5);
                p->seniority = sdb_column_int(st, 6);
                p->created_at = store_col_ts(st, 7);
                p->left_at = store_col_ts(st, 8);
                p->attributes = store_col_text(st, 9);
                r->person = p;
                break;
        case STORE_E_SUBSCRIPTIONS:
                model_subscription_init(sub);
                sub->account_id = store_col_text(st, 1);
                sub->plan = store_col_text(st, 2);
                sub->mrr = store_col_double(st, 3);
                sub->started_at = store_col_ts(st, 4);
                sub->ended_at = store_col_ts(st, 5);
                r->subscription = sub;
                break;
        case STORE_E_OBJECTIVES:
                model_objective_init(o);
                o->id = store_col_text(st, 1);
                o->account_id = store_col_text(st, 2);
                o->person_id = store_col_text(st, 3);
                o->title = store_col_text(st, 4);
                o->importance = sdb_column_int(st, 5);
                o->status = store_col_text(st, 6);
                r->list_json = store_col_text(st, 7);
                r->objective = o;
                break;
        case STORE_E_CAPABILITIES:
                model_capability_init(c);
                c->id = store_col_text(st, 1);
                c->name = store_col_text(st, 2);
                r->list_json = store_col_text(st, 3);
                r->list2_json = store_col_text(st, 4);
                r->capability = c;
                break;
        default:
                break;
        }
}

/*
 * A subscription's id from its text in the API (subscriptions have no external id): what
 * SQLite's CAST(text AS INTEGER) gives ("12" -> 12, "12x" -> 12, "x" -> 0, which no row has),
 * computed here because PostgreSQL's CAST refuses text that is not an integer.
 */
static int64_t sub_id(const char *text)
{
        return (int64_t)strtoll(text, NULL, 10);
}

/* An attribute key usable inside a JSON path '$."key"'. */
static int attr_key_ok(const char *k)
{
        size_t n = strlen(k);

        if (n == 0 || n > 100)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (k[i] == '"' || k[i] == '\\' || (unsigned char)k[i] < 0x20)
                        return 0;
        return 1;
}

enum cxg_err store_query_list(struct store *s, enum store_entity e, const struct store_query *q,
                              store_row_cb cb, void *ctx, struct cxg_error *err)
{
        const struct entdef *d;
        const struct sortdef *sd;
        struct cxg_buf sql, path;
        struct sdb_stmt *st;
        const char *binds[8];
        int nb = 0, rc, col_key, has_filter = 0, p_sub = 0, p_sen = 0, p_after = 0, p_lim;
        enum cxg_err ret = CXG_OK;
        struct account acc;
        struct person per;
        struct subscription sub;
        struct objective obj;
        struct capability cap;
        struct store_row row;

        if ((unsigned)e >= STORE_E__COUNT)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "unknown entity");
        d = &ents[e];
        sd = find_sort(e, q->sort);
        if (!sd)
                return cxg_error_setf(err, CXG_ERR_INVALID, "sort", "cannot sort by \"%s\"",
                                      q->sort);
        if (q->attr_key && !attr_key_ok(q->attr_key))
                return cxg_error_setf(err, CXG_ERR_INVALID, "attr",
                                      "attribute name must be 1-100 characters without quotes");
        cxg_buf_init(&sql, 8192);
        cxg_buf_init(&path, 256);
        if (cxg_buf_printf(&sql, "SELECT %s, %s FROM %s", d->cols, sd->expr, d->from))
                goto nomem;
#define WHERE(frag, val)                                                                           \
        do {                                                                                       \
                if (cxg_buf_puts(&sql, has_filter ? " AND " : " WHERE ") ||                        \
                    cxg_buf_puts(&sql, frag))                                                      \
                        goto nomem;                                                                \
                has_filter = 1;                                                                    \
                binds[nb++] = (val);                                                               \
        } while (0)
        /*
         * Text values are ?1..?nb (binds); the others follow them in order (p_*): every ?N up
         * to the highest is used, so that PostgreSQL can infer each one's type.
         */
        if (q->ext_id && e != STORE_E_SUBSCRIPTIONS)
                WHERE("t.ext_id = ?", q->ext_id);
        if (q->plan && (e == STORE_E_ACCOUNTS || e == STORE_E_SUBSCRIPTIONS))
                WHERE("t.plan = ?", q->plan);
        if (q->owner && e == STORE_E_ACCOUNTS)
                WHERE("t.owner = ?", q->owner);
        if (q->account_id &&
            (e == STORE_E_PEOPLE || e == STORE_E_SUBSCRIPTIONS || e == STORE_E_OBJECTIVES))
                WHERE("a.ext_id = ?", q->account_id);
        if (q->status && e == STORE_E_OBJECTIVES)
                WHERE("t.status = ?", q->status);
        if (q->attr_key && (e == STORE_E_ACCOUNTS || e == STORE_E_PEOPLE)) {
                if (cxg_buf_printf(&path, "$.\"%s\"", q->attr_key))
                        goto nomem;
                WHERE("CAST(json_extract(t.attributes, CAST(? AS TEXT)) AS TEXT) = ?", path.data);
                binds[nb++] = q->attr_value ? q->attr_value : "";
        }
        p_lim = nb + 1;
        if (q->ext_id && e == STORE_E_SUBSCRIPTIONS) {
                p_sub = p_lim++;
                if (cxg_buf_printf(&sql, "%s t.id = ?%d", has_filter ? " AND" : " WHERE", p_sub))
                        goto nomem;
                has_filter = 1;
        }
        if (q->seniority >= 0 && e == STORE_E_PEOPLE) {
                /* a value, so a placeholder like every other, never formatted into SQL */
                p_sen = p_lim++;
                if (cxg_buf_printf(&sql, "%s t.seniority = ?%d", has_filter ? " AND" : " WHERE",
                                   p_sen))
                        goto nomem;
                has_filter = 1;
        }
        if (q->has_after) {
                const char *ty = sd->num ? "DOUBLE PRECISION" : "TEXT";

                p_after = p_lim;
                p_lim += 2;
                if (cxg_buf_printf(&sql,
                                   "%s (%s %s CAST(?%d AS %s) OR (%s = CAST(?%d AS %s) AND"
                                   " t.id %s ?%d))",
                                   has_filter ? " AND" : " WHERE", sd->expr, q->desc ? "<" : ">",
                                   p_after, ty, sd->expr, p_after, ty, q->desc ? "<" : ">",
                                   p_after + 1))
                        goto nomem;
        }
        if (cxg_buf_printf(&sql, " ORDER BY %s %s, t.id %s LIMIT ?%d", sd->expr,
                           q->desc ? "DESC" : "ASC", q->desc ? "DESC" : "ASC", p_lim))
                goto nomem;
#undef WHERE
        st = store_stmt(s, sql.data, err);
        if (!st) {
                ret = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        for (int i = 0; i < nb; i++)
                store_bind_text(st, i + 1, binds[i]);
        if (p_sub)
                sdb_bind_int64(st, p_sub, sub_id(q->ext_id));
        if (p_sen)
                sdb_bind_int(st, p_sen, q->seniority);
        if (p_after) {
                if (sd->num)
                        sdb_bind_double(st, p_after, q->after_num);
                else
                        store_bind_text(st, p_after, q->after_text ? q->after_text : "");
                sdb_bind_int64(st, p_after + 1, q->after_id);
        }
        sdb_bind_int(st, p_lim,
                     q->limit < 1
                         ? 1
                         : (q->limit > STORE_QUERY_MAX_LIMIT ? STORE_QUERY_MAX_LIMIT : q->limit));
        col_key = sdb_column_count(st) - 1;
        while ((rc = sdb_step(st)) == SDB_ROW) {
                memset(&row, 0, sizeof(row));
                fill_row(e, st, &row, &acc, &per, &sub, &obj, &cap);
                row.key_is_num = sd->num;
                if (sd->num)
                        row.key_num = sdb_column_double(st, col_key);
                else
                        row.key_text = store_col_text(st, col_key);
                if ((ret = cb(ctx, &row)))
                        break;
        }
        sdb_reset(st);
        if (!ret && rc != SDB_DONE)
                ret = store_db_err(s, rc, "list rows", err);
        goto done;
nomem:
        ret = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory composing a query");
done:
        cxg_buf_release(&sql);
        cxg_buf_release(&path);
        return ret;
}

static const char *const ent_names[STORE_E__COUNT] = {"account", "person", "subscription",
                                                      "objective", "capability"};

/* 1 when the statement (one bound int64 parameter) returns a row, 0 when not, -1 on error. */
static int exists(struct store *s, const char *sql, int64_t id, const char *text,
                  struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);
        int rc;

        if (!st)
                return -1;
        if (text)
                store_bind_text(st, 1, text);
        else
                sdb_bind_int64(st, 1, id);
        rc = sdb_step(st);
        sdb_reset(st);
        if (rc == SDB_ROW)
                return 1;
        if (rc == SDB_DONE)
                return 0;
        store_db_err(s, rc, "check references", err);
        return -1;
}

struct refcheck {
        const char *sql;
        const char *what;
};

static const struct refcheck acc_refs[] = {
    {"SELECT 1 FROM people WHERE account_id = ? LIMIT 1", "people"},
    {"SELECT 1 FROM subscriptions WHERE account_id = ? LIMIT 1", "subscriptions"},
    {"SELECT 1 FROM objectives WHERE account_id = ? LIMIT 1", "objectives"},
    {"SELECT 1 FROM feedback WHERE account_id = ? LIMIT 1", "feedback"},
    {"SELECT 1 FROM interactions WHERE account_id = ? LIMIT 1", "interactions"},
    {NULL, NULL},
};
static const struct refcheck ppl_refs[] = {
    {"SELECT 1 FROM feedback WHERE person_id = ? LIMIT 1", "feedback"},
    {"SELECT 1 FROM objectives WHERE person_id = ? LIMIT 1", "objectives"},
    {"SELECT 1 FROM users WHERE person_id = ? LIMIT 1", "users"},
    {"SELECT 1 FROM interactions WHERE person_id = ? LIMIT 1", "interactions"},
    {NULL, NULL},
};

/* Internal id of a row by external id (subscriptions: internal id text); 0 when absent. */
static int64_t lookup_id(struct store *s, enum store_entity e, const char *ext_id,
                         struct cxg_error *err, enum cxg_err *rcp)
{
        static const char *const sqls[STORE_E__COUNT] = {
            "SELECT id FROM accounts WHERE ext_id = ?",
            "SELECT id FROM people WHERE ext_id = ?",
            "SELECT id FROM subscriptions WHERE id = ?",
            "SELECT id FROM objectives WHERE ext_id = ?",
            "SELECT id FROM capabilities WHERE ext_id = ?",
        };
        struct sdb_stmt *st = store_stmt(s, sqls[e], err);
        int64_t id = 0;
        int rc;

        *rcp = CXG_OK;
        if (!st) {
                *rcp = err ? err->code : CXG_ERR_STORE;
                return 0;
        }
        if (e == STORE_E_SUBSCRIPTIONS)
                sdb_bind_int64(st, 1, sub_id(ext_id));
        else
                store_bind_text(st, 1, ext_id);
        rc = sdb_step(st);
        if (rc == SDB_ROW)
                id = sdb_column_int64(st, 0);
        sdb_reset(st);
        if (rc != SDB_ROW && rc != SDB_DONE)
                *rcp = store_db_err(s, rc, "look up row", err);
        return id;
}

enum cxg_err store_query_delete(struct store *s, enum store_entity e, const char *ext_id,
                                struct cxg_error *err)
{
        static const char *const dels[STORE_E__COUNT] = {
            "DELETE FROM accounts WHERE id = ?",      "DELETE FROM people WHERE id = ?",
            "DELETE FROM subscriptions WHERE id = ?", "DELETE FROM objectives WHERE id = ?",
            "DELETE FROM capabilities WHERE id = ?",
        };
        const struct refcheck *refs = NULL;
        enum cxg_err rc;
        struct sdb_stmt *st;
        int64_t id;
        int r;

        if ((unsigned)e >= STORE_E__COUNT)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "unknown entity");
        id = lookup_id(s, e, ext_id, err, &rc);
        if (rc)
                return rc;
        if (!id)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no %s with id \"%s\"", ent_names[e],
                                     ext_id);
        if (e == STORE_E_ACCOUNTS)
                refs = acc_refs;
        else if (e == STORE_E_PEOPLE)
                refs = ppl_refs;
        for (; refs && refs->sql; refs++) {
                r = exists(s, refs->sql, id, NULL, err);
                if (r < 0)
                        return err ? err->code : CXG_ERR_STORE;
                if (r)
                        return cxg_error_set(err, CXG_ERR_CONFLICT,
                                             "%s \"%s\" is still referenced by %s; delete those "
                                             "first",
                                             ent_names[e], ext_id, refs->what);
        }
        if (e == STORE_E_CAPABILITIES) {
                r = exists(s,
                           s->pg ? "SELECT 1 FROM objectives o,"
                                   " jsonb_array_elements_text(CAST(o.capabilities AS jsonb))"
                                   " AS j(value) WHERE j.value = CAST(? AS TEXT) LIMIT 1"
                                 : "SELECT 1 FROM objectives o, json_each(o.capabilities) j"
                                   " WHERE j.value = ? LIMIT 1",
                           0, ext_id, err);
                if (r < 0)
                        return err ? err->code : CXG_ERR_STORE;
                if (r)
                        return cxg_error_set(err, CXG_ERR_CONFLICT,
                                             "capability \"%s\" is still required by objectives; "
                                             "remove it from them first",
                                             ext_id);
        }
        if (e == STORE_E_ACCOUNTS) {
                st = store_stmt(s, "DELETE FROM score_history WHERE account_id = ?", err);
                if (!st)
                        return err ? err->code : CXG_ERR_STORE;
                sdb_bind_int64(st, 1, id);
                r = sdb_step(st);
                sdb_reset(st);
                if (r != SDB_DONE)
                        return store_db_err(s, r, "delete score history", err);
        }
        st = store_stmt(s, dels[e], err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, id);
        r = sdb_step(st);
        sdb_reset(st);
        if (r != SDB_DONE)
                return store_db_err(s, r, "delete row", err);
        store_query_forget_ids(s);
        return CXG_OK;
}

enum cxg_err store_query_clear(struct store *s, enum store_entity e, const char *ext_id,
                               const char *const *fields, size_t n, struct cxg_error *err)
{
        static const char *const tables[STORE_E__COUNT] = {"accounts", "people", "subscriptions",
                                                           "objectives", "capabilities"};
        char sql[256];
        enum cxg_err rc;
        struct sdb_stmt *st;
        int64_t id;
        int r;

        if ((unsigned)e >= STORE_E__COUNT)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "unknown entity");
        for (size_t i = 0; i < n; i++) {
                const char *const *c;

                for (c = ents[e].clearable; *c; c++)
                        if (strcmp(*c, fields[i]) == 0)
                                break;
                if (!*c)
                        return cxg_error_setf(err, CXG_ERR_INVALID, fields[i],
                                              "field '%s' cannot be null", fields[i]);
        }
        id = lookup_id(s, e, ext_id, err, &rc);
        if (rc)
                return rc;
        if (!id)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no %s with id \"%s\"", ent_names[e],
                                     ext_id);
        for (size_t i = 0; i < n; i++) {
                /* the column name comes from the whitelist checked above */
                snprintf(sql, sizeof(sql), "UPDATE %s SET %s = NULL WHERE id = ?", tables[e],
                         fields[i]);
                st = store_stmt(s, sql, err);
                if (!st)
                        return err ? err->code : CXG_ERR_STORE;
                sdb_bind_int64(st, 1, id);
                r = sdb_step(st);
                sdb_reset(st);
                if (r != SDB_DONE)
                        return store_db_err(s, r, "clear field", err);
        }
        return CXG_OK;
}

void store_query_forget_ids(struct store *s)
{
        cxg_hmap_release(&s->accounts);
        cxg_hmap_init(&s->accounts);
        cxg_hmap_release(&s->people);
        cxg_hmap_init(&s->people);
        s->accounts_loaded = 0;
        s->people_loaded = 0;
}
