/*
 * entities.c: upserts of the entities by external id, and the interaction batch insert (the
 * import's hot path). Absent input fields (NULL, NAN, CXG_TS_NONE, -1) keep the stored value;
 * attributes merge shallowly into the stored object (new keys win, nulls kept).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/buf.h"
#include "store/pg_copy.h"
#include "store/store_changes.h"
#include "store/store_int.h"

/* Rows per multi-row INSERT of the interaction fast path. */
#define INS_ROWS 64
#define INS_COLS 9

/*
 * The SQL of an update of attributes ?N: a shallow merge into the stored object where the new
 * keys win. Unlike json_patch (RFC 7386), a key given as null is kept as null, so importing the
 * same file twice leaves the same attributes (blank cells stay null, never vanish).
 * MERGE_ATTR is SQLite's; PostgreSQL's is cxg_attr_merge (schema_pg.c), the same merge with
 * the same compact text in the same key order (the stored keys the new object lacks, then the
 * new keys), so both backends store the same attributes text.
 */
#define MERGE_VAL                                                                                  \
        "CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') "                 \
        "WHEN 'object' THEN json(value) WHEN 'array' THEN json(value) ELSE value END"
#define MERGE_ATTR(n)                                                                              \
        "attributes = CASE WHEN ?" n " IS NULL THEN attributes WHEN attributes IS NULL THEN "      \
        "json(?" n ") ELSE (SELECT json_group_object(key, " MERGE_VAL ") FROM ("                   \
        "SELECT key, value, type FROM json_each(attributes) WHERE key NOT IN "                     \
        "(SELECT key FROM json_each(?" n ")) UNION ALL "                                           \
        "SELECT key, value, type FROM json_each(?" n "))) END"
#define MERGE_ATTR_PG(n) "attributes = cxg_attr_merge(attributes, CAST(?" n " AS TEXT))"

static enum cxg_err stmt_fail(struct cxg_error *err)
{
        return err && err->code ? err->code : CXG_ERR_STORE;
}

static void set_out(int64_t *id, int *how, int64_t v, int h)
{
        if (id)
                *id = v;
        if (how)
                *how = h;
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

/* attributes must be a JSON object (or NULL). */
static enum cxg_err check_attributes(const char *attr, struct cxg_error *err)
{
        json_error_t je;
        unsigned long failed;
        json_t *j;
        int ok;

        if (!attr)
                return CXG_OK;
        failed = cxg_alloc_failures();
        j = json_loads(attr, JSON_DECODE_ANY, &je);
        if (!j && json_oom(&je, failed))
                return cxg_error_setf(err, CXG_ERR_NOMEM, "attributes", "out of memory");
        if (!j)
                return cxg_error_setf(err, CXG_ERR_INVALID, "attributes", "not valid JSON: %s",
                                      je.text);
        ok = json_is_object(j);
        json_decref(j);
        if (!ok)
                return cxg_error_setf(err, CXG_ERR_INVALID, "attributes", "must be a JSON object");
        return CXG_OK;
}

/* Internal id of the row found by sql (bound by bind_key), *found = 0 when none. */
static enum cxg_err find_id(struct store *s, struct sdb_stmt *st, int64_t *id, int *found,
                            const char *what, struct cxg_error *err)
{
        int rc = sdb_step(st);

        *found = 0;
        if (rc == SDB_ROW) {
                *id = sdb_column_int64(st, 0);
                *found = 1;
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, what, err);
        return CXG_OK;
}

/*
 * Step an INSERT ... RETURNING id: *id is the new row's id, or 0 when ON CONFLICT DO NOTHING
 * inserted nothing. Resets the statement.
 */
static enum cxg_err step_id(struct store *s, struct sdb_stmt *st, int64_t *id, const char *what,
                            struct cxg_error *err)
{
        int found;

        *id = 0;
        return find_id(s, st, id, &found, what, err);
}

/* Step an INSERT (RETURNING id) when !found, else an UPDATE; *rid is the new row's id. */
static enum cxg_err step_put(struct store *s, struct sdb_stmt *st, int found, int64_t *rid,
                             const char *what_ins, const char *what_upd, struct cxg_error *err)
{
        if (found)
                return store_step_done(s, st, what_upd, err);
        return step_id(s, st, rid, what_ins, err);
}

static enum cxg_err find_by_ext(struct store *s, const char *sql, const char *ext, int64_t *id,
                                int *found, const char *what, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);

        if (!st)
                return stmt_fail(err);
        store_bind_text(st, 1, ext);
        return find_id(s, st, id, found, what, err);
}

/* JSON array text of n strings into b; NULL when the list is absent (v == NULL). */
static enum cxg_err json_list(struct cxg_buf *b, const char **v, size_t n, const char **out)
{
        enum cxg_err rc;

        *out = NULL;
        if (!v)
                return CXG_OK;
        cxg_buf_clear(b);
        if ((rc = cxg_buf_putc(b, '[')))
                return rc;
        for (size_t i = 0; i < n; i++) {
                if ((i && (rc = cxg_buf_putc(b, ','))) ||
                    (rc = cxg_buf_json_str(b, v[i], strlen(v[i]))))
                        return rc;
        }
        if ((rc = cxg_buf_putc(b, ']')))
                return rc;
        *out = b->data;
        return CXG_OK;
}

/* External id of an account, for messages; "?" when unknown. */
static void account_ext(struct store *s, int64_t id, char *out, size_t cap)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT ext_id FROM accounts WHERE id = ?", NULL);

        snprintf(out, cap, "?");
        if (!st)
                return;
        sdb_bind_int64(st, 1, id);
        if (sdb_step(st) == SDB_ROW && sdb_column_text(st, 0))
                snprintf(out, cap, "%s", (const char *)sdb_column_text(st, 0));
        sdb_reset(st);
}

/*
 * Resolve the person and the account of a feedback or objective row: the account is the
 * person's when account_ext is NULL; a given account must be the person's.
 */
static enum cxg_err person_and_account(struct store *s, const char *person_ext,
                                       const char *account_ext_id, const char *field_person,
                                       int64_t *pid, int64_t *aid, struct cxg_error *err)
{
        int64_t paid, given;
        enum cxg_err rc;
        char name[80];

        if ((rc = store_person_ref(s, person_ext, strlen(person_ext), pid, &paid, err))) {
                if (err && rc == CXG_ERR_NOTFOUND)
                        snprintf(err->field, sizeof(err->field), "%s", field_person);
                return rc;
        }
        if (!account_ext_id) {
                *aid = paid;
                return CXG_OK;
        }
        if ((rc = store_account_ref(s, account_ext_id, strlen(account_ext_id), &given, err)))
                return rc;
        if (given != paid) {
                account_ext(s, paid, name, sizeof(name));
                return cxg_error_setf(err, CXG_ERR_INVALID, "account_id",
                                      "person \"%.64s\" belongs to account \"%.64s\", not "
                                      "\"%.64s\"",
                                      person_ext, name, account_ext_id);
        }
        *aid = given;
        return CXG_OK;
}

/* ---- accounts ---- */

#define ACC_UPDATE_HEAD                                                                            \
        "UPDATE accounts SET name = coalesce(?2, name),"                                           \
        " plan = coalesce(?3, plan), mrr = coalesce(?4, mrr),"                                     \
        " currency = coalesce(?5, currency),"                                                      \
        " created_at = coalesce(?6, created_at),"                                                  \
        " churned_at = CASE WHEN CAST(?7 AS BIGINT) IS NOT NULL THEN CAST(?7 AS BIGINT)"           \
        "  WHEN ?8 = 0 THEN NULL ELSE churned_at END,"                                             \
        " churned = CASE WHEN CAST(?7 AS BIGINT) IS NOT NULL OR ?8 = 1 THEN 1"                     \
        "  WHEN ?8 = 0 THEN 0 ELSE churned END,"                                                   \
        " owner = coalesce(?9, owner), "

enum cxg_err store_put_account(struct store *s, const struct account *a, int64_t *id, int *how,
                               struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t rid = 0;
        int found, churn_flag;
        enum cxg_err rc;

        if ((rc = model_account_validate(a, err)) || (rc = check_attributes(a->attributes, err)))
                return rc;
        if ((rc = find_by_ext(s, "SELECT id FROM accounts WHERE ext_id = ?", a->id, &rid, &found,
                              "find account", err)))
                return rc;
        if (found) {
                st = store_stmt(s,
                                s->pg ? ACC_UPDATE_HEAD MERGE_ATTR_PG("10") " WHERE id = ?1"
                                      : ACC_UPDATE_HEAD MERGE_ATTR("10") " WHERE id = ?1",
                                err);
        } else {
                st = store_stmt(s,
                                "INSERT INTO accounts(ext_id, name, plan, mrr, currency,"
                                " created_at, churned_at, churned, owner, attributes)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                                " CASE WHEN CAST(?7 AS BIGINT) IS NOT NULL OR ?8 = 1 THEN 1 ELSE 0"
                                " END, ?9, json(CAST(?10 AS TEXT))) RETURNING id",
                                err);
        }
        if (!st)
                return stmt_fail(err);
        if (found)
                sdb_bind_int64(st, 1, rid);
        else
                store_bind_text(st, 1, a->id);
        store_bind_text(st, 2, a->name);
        store_bind_text(st, 3, a->plan);
        store_bind_double(st, 4, a->mrr);
        store_bind_text(st, 5, a->currency);
        store_bind_ts(st, 6, a->created_at);
        store_bind_ts(st, 7, a->churned_at);
        churn_flag = a->churned;
        if (churn_flag == 0 || churn_flag == 1)
                sdb_bind_int(st, 8, churn_flag);
        store_bind_text(st, 9, a->owner);
        store_bind_text(st, 10, a->attributes);
        if ((rc = step_put(s, st, found, &rid, "insert account", "update account", err)))
                return rc;
        if (!found) {
                store_cache_touch(s);
                store_cache_account(s, a->id, strlen(a->id), rid);
        }
        set_out(id, how, rid, found ? STORE_UPDATED : STORE_INSERTED);
        return CXG_OK;
}

/* ---- people ---- */

#define PPL_UPDATE_HEAD                                                                            \
        "UPDATE people SET account_id = ?2, name = coalesce(?3, name),"                            \
        " email = coalesce(?4, email), role = coalesce(?5, role),"                                 \
        " seniority = coalesce(?6, seniority),"                                                    \
        " created_at = coalesce(?7, created_at),"                                                  \
        " left_at = coalesce(?8, left_at), "

enum cxg_err store_put_person(struct store *s, const struct person *p, int64_t *id, int *how,
                              struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t rid = 0, aid, old_aid = 0;
        int found = 0, sen = p->seniority, rcs;
        enum cxg_err rc;

        if ((rc = model_person_validate(p, err)) || (rc = check_attributes(p->attributes, err)))
                return rc;
        if ((rc = store_account_ref(s, p->account_id, strlen(p->account_id), &aid, err)))
                return rc;
        if (sen < 0 && p->role)
                sen = (int)model_seniority_from_title(p->role, strlen(p->role));
        st = store_stmt(s, "SELECT id, account_id FROM people WHERE ext_id = ?", err);
        if (!st)
                return stmt_fail(err);
        store_bind_text(st, 1, p->id);
        rcs = sdb_step(st);
        if (rcs == SDB_ROW) {
                found = 1;
                rid = sdb_column_int64(st, 0);
                old_aid = sdb_column_int64(st, 1);
                rcs = SDB_DONE;
        }
        sdb_reset(st);
        if (rcs != SDB_DONE)
                return store_db_err(s, rcs, "find person", err);
        if (found)
                st = store_stmt(s,
                                s->pg ? PPL_UPDATE_HEAD MERGE_ATTR_PG("9") " WHERE id = ?1"
                                      : PPL_UPDATE_HEAD MERGE_ATTR("9") " WHERE id = ?1",
                                err);
        else
                st = store_stmt(s,
                                "INSERT INTO people(ext_id, account_id, name, email, role,"
                                " seniority, created_at, left_at, attributes)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, 0), ?7, ?8,"
                                " json(CAST(?9 AS TEXT))) RETURNING id",
                                err);
        if (!st)
                return stmt_fail(err);
        if (found)
                sdb_bind_int64(st, 1, rid);
        else
                store_bind_text(st, 1, p->id);
        sdb_bind_int64(st, 2, aid);
        store_bind_text(st, 3, p->name);
        store_bind_text(st, 4, p->email);
        store_bind_text(st, 5, p->role);
        if (sen >= 0)
                sdb_bind_int(st, 6, sen);
        store_bind_ts(st, 7, p->created_at);
        store_bind_ts(st, 8, p->left_at);
        store_bind_text(st, 9, p->attributes);
        if ((rc = step_put(s, st, found, &rid, "insert person", "update person", err)))
                return rc;
        if (!found || old_aid != aid) {
                store_cache_touch(s);
                store_cache_person(s, p->id, strlen(p->id), rid, aid);
        }
        set_out(id, how, rid, found ? STORE_UPDATED : STORE_INSERTED);
        return CXG_OK;
}

/* ---- subscriptions ---- */

enum cxg_err store_put_subscription(struct store *s, const struct subscription *sub, int64_t *id,
                                    int *how, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t rid = 0, aid;
        int found;
        enum cxg_err rc;

        if ((rc = model_subscription_validate(sub, err)) ||
            (rc = store_account_ref(s, sub->account_id, strlen(sub->account_id), &aid, err)))
                return rc;
        st = store_stmt(s, "SELECT id FROM subscriptions WHERE account_id = ? AND started_at = ?",
                        err);
        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, aid);
        sdb_bind_int64(st, 2, sub->started_at);
        if ((rc = find_id(s, st, &rid, &found, "find subscription", err)))
                return rc;
        /* every ?N from 1 to the highest is used: PostgreSQL must infer each one's type */
        if (found)
                st = store_stmt(s,
                                "UPDATE subscriptions SET plan = coalesce(?2, plan),"
                                " mrr = coalesce(?3, mrr), ended_at = coalesce(?4, ended_at)"
                                " WHERE id = ?1",
                                err);
        else
                st = store_stmt(s,
                                "INSERT INTO subscriptions(account_id, plan, mrr, ended_at,"
                                " started_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                                err);
        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, found ? rid : aid);
        store_bind_text(st, 2, sub->plan);
        store_bind_double(st, 3, sub->mrr);
        store_bind_ts(st, 4, sub->ended_at);
        if (!found)
                sdb_bind_int64(st, 5, sub->started_at);
        if ((rc = step_put(s, st, found, &rid, "insert subscription", "update subscription", err)))
                return rc;
        set_out(id, how, rid, found ? STORE_UPDATED : STORE_INSERTED);
        return CXG_OK;
}

/* ---- feedback ---- */

enum cxg_err store_put_feedback(struct store *s, const struct feedback *f, int64_t *id, int *how,
                                struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t rid = 0, pid, aid;
        int found = 0;
        enum cxg_err rc;

        if ((rc = model_feedback_validate(f, err)) ||
            (rc = person_and_account(s, f->person_id, f->account_id, "person_id", &pid, &aid, err)))
                return rc;
        if (f->id && (rc = find_by_ext(s, "SELECT id FROM feedback WHERE ext_id = ?", f->id, &rid,
                                       &found, "find feedback", err)))
                return rc;
        if (found)
                st = store_stmt(s,
                                "UPDATE feedback SET person_id = ?2, account_id = ?3, ts = ?4,"
                                " kind = ?5, score = ?6, comment = coalesce(?7, comment),"
                                " topic = coalesce(?8, topic), channel = coalesce(?9, channel)"
                                " WHERE id = ?1",
                                err);
        else
                st = store_stmt(s,
                                "INSERT INTO feedback(ext_id, person_id, account_id, ts, kind,"
                                " score, comment, topic, channel)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                                err);
        if (!st)
                return stmt_fail(err);
        if (found)
                sdb_bind_int64(st, 1, rid);
        else
                store_bind_text(st, 1, f->id);
        sdb_bind_int64(st, 2, pid);
        sdb_bind_int64(st, 3, aid);
        sdb_bind_int64(st, 4, f->ts);
        sdb_bind_int(st, 5, f->kind);
        sdb_bind_double(st, 6, f->score);
        store_bind_text(st, 7, f->comment);
        store_bind_text(st, 8, f->topic);
        if (f->channel >= 0)
                sdb_bind_int(st, 9, f->channel);
        if ((rc = step_put(s, st, found, &rid, "insert feedback", "update feedback", err)))
                return rc;
        set_out(id, how, rid, found ? STORE_UPDATED : STORE_INSERTED);
        return CXG_OK;
}

/* ---- objectives ---- */

enum cxg_err store_put_objective(struct store *s, const struct objective *o, int64_t *id, int *how,
                                 struct cxg_error *err)
{
        struct cxg_buf caps;
        struct sdb_stmt *st;
        const char *caps_json;
        int64_t rid = 0, aid, pid = 0;
        int found;
        enum cxg_err rc;

        if ((rc = model_objective_validate(o, err)))
                return rc;
        if ((rc = store_account_ref(s, o->account_id, strlen(o->account_id), &aid, err)))
                return rc;
        if (o->person_id && (rc = person_and_account(s, o->person_id, o->account_id, "person_id",
                                                     &pid, &aid, err))) {
                if (err && rc == CXG_ERR_INVALID)
                        snprintf(err->field, sizeof(err->field), "person_id");
                return rc;
        }
        if ((rc = find_by_ext(s, "SELECT id FROM objectives WHERE ext_id = ?", o->id, &rid, &found,
                              "find objective", err)))
                return rc;
        cxg_buf_init(&caps, 1u << 20);
        if ((rc = json_list(&caps, o->capabilities, o->n_capabilities, &caps_json))) {
                cxg_error_setf(err, rc, "capabilities", "%s", cxg_strerror(rc));
                goto done;
        }
        if (found)
                st = store_stmt(s,
                                "UPDATE objectives SET account_id = ?2,"
                                " person_id = coalesce(?3, person_id), title = ?4,"
                                " importance = coalesce(?5, importance),"
                                " status = coalesce(?6, status),"
                                " capabilities = coalesce(?7, capabilities) WHERE id = ?1",
                                err);
        else
                st = store_stmt(
                    s,
                    "INSERT INTO objectives(ext_id, account_id, person_id, title,"
                    " importance, status, capabilities) VALUES (?1, ?2, ?3, ?4,"
                    " coalesce(?5, 3), coalesce(?6, 'open'), coalesce(?7, '[]')) RETURNING id",
                    err);
        if (!st) {
                rc = stmt_fail(err);
                goto done;
        }
        if (found)
                sdb_bind_int64(st, 1, rid);
        else
                store_bind_text(st, 1, o->id);
        sdb_bind_int64(st, 2, aid);
        if (pid)
                sdb_bind_int64(st, 3, pid);
        store_bind_text(st, 4, o->title);
        if (o->importance >= 0)
                sdb_bind_int(st, 5, o->importance);
        store_bind_text(st, 6, o->status);
        store_bind_text(st, 7, caps_json);
        if ((rc = step_put(s, st, found, &rid, "insert objective", "update objective", err)))
                goto done;
        set_out(id, how, rid, found ? STORE_UPDATED : STORE_INSERTED);
done:
        cxg_buf_release(&caps);
        return rc;
}

/* ---- capabilities ---- */

enum cxg_err store_put_capability(struct store *s, const struct capability *c, int64_t *id,
                                  int *how, struct cxg_error *err)
{
        struct cxg_buf plans, types;
        struct sdb_stmt *st;
        const char *plans_json, *types_json;
        int64_t rid = 0;
        int found;
        enum cxg_err rc;

        if ((rc = model_capability_validate(c, err)))
                return rc;
        if ((rc = find_by_ext(s, "SELECT id FROM capabilities WHERE ext_id = ?", c->id, &rid,
                              &found, "find capability", err)))
                return rc;
        cxg_buf_init(&plans, 1u << 20);
        cxg_buf_init(&types, 1u << 20);
        if ((rc = json_list(&plans, c->plans, c->n_plans, &plans_json))) {
                cxg_error_setf(err, rc, "plans", "%s", cxg_strerror(rc));
                goto done;
        }
        if ((rc = json_list(&types, c->interaction_types, c->n_interaction_types, &types_json))) {
                cxg_error_setf(err, rc, "interaction_types", "%s", cxg_strerror(rc));
                goto done;
        }
        if (found)
                st = store_stmt(s,
                                "UPDATE capabilities SET name = ?2,"
                                " plans = coalesce(?3, plans),"
                                " interaction_types = coalesce(?4, interaction_types)"
                                " WHERE id = ?1",
                                err);
        else
                st = store_stmt(
                    s,
                    "INSERT INTO capabilities(ext_id, name, plans, interaction_types)"
                    " VALUES (?1, ?2, coalesce(?3, '[]'), coalesce(?4, '[]')) RETURNING id",
                    err);
        if (!st) {
                rc = stmt_fail(err);
                goto done;
        }
        if (found)
                sdb_bind_int64(st, 1, rid);
        else
                store_bind_text(st, 1, c->id);
        store_bind_text(st, 2, c->name);
        store_bind_text(st, 3, plans_json);
        store_bind_text(st, 4, types_json);
        if ((rc = step_put(s, st, found, &rid, "insert capability", "update capability", err)))
                goto done;
        set_out(id, how, rid, found ? STORE_UPDATED : STORE_INSERTED);
done:
        cxg_buf_release(&plans);
        cxg_buf_release(&types);
        return rc;
}

/* ---- interactions: the hot path ---- */

/* A refused row: say which field, and where in the batch (err->line). */
static enum cxg_err check_row(const struct store_interaction *r, struct cxg_error *err)
{
        const char *field = NULL, *why = NULL;

        if (r->person_id <= 0)
                field = "person_id", why = "not resolved to a stored person";
        else if (r->account_id <= 0)
                field = "account_id", why = "not resolved to a stored account";
        else if (r->type_id <= 0)
                field = "type", why = "not resolved to an interaction type";
        else if (r->ts == CXG_TS_NONE)
                field = "ts", why = "required, but empty";
        else if (r->channel >= CXG_CH__COUNT)
                field = "channel", why = "unknown channel";
        else if (r->outcome >= CXG_OUT__COUNT)
                field = "outcome", why = "unknown outcome";
        else if (r->duration_ms < -1)
                field = "duration_ms", why = "must not be negative";
        if (!field)
                return CXG_OK;
        return cxg_error_setf(err, CXG_ERR_INVALID, field, "%s", why);
}

/* Bind the 9 value columns of row r at parameters base+1..base+9. */
static inline void bind_row(struct sdb_stmt *st, int base, const struct store_interaction *r)
{
        sdb_bind_int64(st, base + 1, r->person_id);
        sdb_bind_int64(st, base + 2, r->account_id);
        sdb_bind_int64(st, base + 3, r->ts);
        sdb_bind_int(st, base + 4, r->channel);
        sdb_bind_int(st, base + 5, r->type_id);
        if (r->duration_ms >= 0)
                sdb_bind_int64(st, base + 6, r->duration_ms);
        else
                sdb_bind_null(st, base + 6);
        sdb_bind_int(st, base + 7, r->outcome);
        if (isnan(r->value))
                sdb_bind_null(st, base + 8);
        else
                sdb_bind_double(st, base + 8, r->value);
        if (r->attributes)
                sdb_bind_text(st, base + 9, r->attributes, -1, SDB_STATIC);
        else
                sdb_bind_null(st, base + 9);
}

#define INS_HEAD                                                                                   \
        "INSERT INTO interactions(person_id, account_id, ts, channel, type_id, duration_ms,"       \
        " outcome, value, attributes) VALUES "
#define INS_TUPLE "(?,?,?,?,?,?,?,?,?)"
#define INS_TAIL " RETURNING id"

/* The INS_ROWS-row INSERT, prepared once per handle. */
static struct sdb_stmt *ins_many(struct store *s, struct cxg_error *err)
{
        struct cxg_buf b;
        enum cxg_err rc;
        int src;

        if (s->ins_many) {
                sdb_reset(s->ins_many);
                return s->ins_many;
        }
        cxg_buf_init(&b, 0);
        rc = cxg_buf_puts(&b, INS_HEAD);
        for (int i = 0; i < INS_ROWS && !rc; i++)
                rc = cxg_buf_puts(&b, i ? "," INS_TUPLE : INS_TUPLE);
        if (!rc && s->pg) /* SQLite: sdb_last_insert_rowid (see put_many) */
                rc = cxg_buf_puts(&b, INS_TAIL);
        if (rc) {
                cxg_buf_release(&b);
                cxg_error_set(err, rc, "insert interactions: out of memory");
                return NULL;
        }
        src = sdb_prepare(s, b.data, &s->ins_many);
        cxg_buf_release(&b);
        if (src != SDB_OK) {
                store_db_err(s, src, "insert interactions", err);
                sdb_finalize(s->ins_many);
                s->ins_many = NULL;
        }
        return s->ins_many;
}

/*
 * The update of an interaction by its external id: SQLite finds it by ext_id (?10), PostgreSQL
 * by id (?10) and account (?11), which interactions_keys gave (its unique keys include account_id).
 */
#define INT_UPDATE_HEAD                                                                            \
        "UPDATE interactions SET person_id = ?1, account_id = ?2, ts = ?3,"                        \
        " channel = ?4, type_id = ?5, duration_ms = coalesce(?6, duration_ms),"                    \
        " outcome = CASE WHEN ?7 = 0 THEN outcome ELSE ?7 END,"                                    \
        " value = coalesce(?8, value), "
#define INT_INSERT                                                                                 \
        "INSERT INTO interactions(person_id, account_id, ts, channel, type_id,"                    \
        " duration_ms, outcome, value, attributes, ext_id)"                                        \
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, json(CAST(?9 AS TEXT)), ?10)"

/* PostgreSQL: id and account from interactions_keys, an UPDATE by both or an INSERT. */
static enum cxg_err upsert_one_pg(struct store *s, const struct store_interaction *r,
                                  int64_t *new_id, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t id = 0, acc = 0;
        int rc;

        st = store_stmt(s, "SELECT id, account_id FROM interactions_keys WHERE ext_id = ?", err);
        if (!st)
                return stmt_fail(err);
        store_bind_text(st, 1, r->ext_id);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                id = sdb_column_int64(st, 0);
                acc = sdb_column_int64(st, 1);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "find interaction", err);
        if (!id) {
                if (!(st = store_stmt(s, INT_INSERT " RETURNING id", err)))
                        return stmt_fail(err);
                bind_row(st, 0, r);
                sdb_bind_text(st, 10, r->ext_id, -1, SDB_STATIC);
                return step_id(s, st, new_id, "insert interactions", err);
        }
        *new_id = 0;
        st = store_stmt(
            s, INT_UPDATE_HEAD MERGE_ATTR_PG("9") " WHERE id = ?10 AND account_id = ?11", err);
        if (!st)
                return stmt_fail(err);
        bind_row(st, 0, r);
        sdb_bind_int64(st, 10, id);
        sdb_bind_int64(st, 11, acc);
        return store_step_done(s, st, "update interactions", err);
}

/* Insert or update one interaction that has an external id: *new_id is 0 when updated. */
static enum cxg_err upsert_one(struct store *s, const struct store_interaction *r, int64_t *new_id,
                               struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc;

        if (s->pg)
                return upsert_one_pg(s, r, new_id, err);
        st = store_stmt(s,
                        INT_INSERT " ON CONFLICT(ext_id) WHERE ext_id IS NOT NULL DO NOTHING"
                                   " RETURNING id",
                        err);
        if (!st)
                return stmt_fail(err);
        bind_row(st, 0, r);
        sdb_bind_text(st, 10, r->ext_id, -1, SDB_STATIC);
        if ((rc = step_id(s, st, new_id, "insert interactions", err)) || *new_id)
                return rc;
        st = store_stmt(s, INT_UPDATE_HEAD MERGE_ATTR("9") " WHERE ext_id = ?10", err);
        if (!st)
                return stmt_fail(err);
        bind_row(st, 0, r);
        sdb_bind_text(st, 10, r->ext_id, -1, SDB_STATIC);
        return store_step_done(s, st, "update interactions", err);
}

/*
 * The ids a batch inserted, as runs of consecutive ids, each noted in the change log as one
 * range (store_changes.h) with its account when every row of the run has the same one.
 */
struct ins_run {
        int64_t lo, hi, account;
};

static enum cxg_err run_flush(struct store *s, struct ins_run *r, struct cxg_error *err)
{
        enum cxg_err rc = CXG_OK;

        if (r->hi > 0)
                rc = store_change_note(s, STORE_E_INTERACTION, STORE_OP_INSERT, r->lo, r->hi,
                                       r->account, err);
        memset(r, 0, sizeof(*r));
        return rc;
}

/* Ids lo..hi (account acc, 0: several) were inserted: extend the run or start a new one. */
static enum cxg_err run_extend(struct store *s, struct ins_run *r, int64_t lo, int64_t hi,
                               int64_t acc, struct cxg_error *err)
{
        enum cxg_err rc;

        if (r->hi > 0 && lo == r->hi + 1) {
                r->hi = hi;
                if (r->account != acc)
                        r->account = 0;
                return CXG_OK;
        }
        if ((rc = run_flush(s, r, err)))
                return rc;
        r->lo = lo;
        r->hi = hi;
        r->account = acc;
        return CXG_OK;
}

/*
 * Rows rows[0..k) were just inserted by one statement, which returned their ids ids[0..k).
 * One statement's ids are consecutive (SQLite: one writer; PostgreSQL: the writer lock every
 * transaction that inserts interactions holds); were they not, each id is noted by itself.
 */
static enum cxg_err run_add(struct store *s, struct ins_run *r,
                            const struct store_interaction *rows, const int64_t *ids, size_t k,
                            struct cxg_error *err)
{
        int64_t lo = ids[0], hi = ids[0], acc = rows[0].account_id;
        enum cxg_err rc = CXG_OK;

        for (size_t i = 1; i < k; i++) {
                if (ids[i] < lo)
                        lo = ids[i];
                if (ids[i] > hi)
                        hi = ids[i];
                if (rows[i].account_id != acc)
                        acc = 0;
        }
        if (hi - lo + 1 == (int64_t)k)
                return run_extend(s, r, lo, hi, acc, err);
        for (size_t i = 0; i < k && !rc; i++)
                rc = run_extend(s, r, ids[i], ids[i], acc, err);
        return rc;
}

/* Step an INSERT ... RETURNING id of k rows, their ids into ids[0..k). */
static enum cxg_err step_ids(struct store *s, struct sdb_stmt *st, int64_t *ids, size_t k,
                             struct cxg_error *err)
{
        size_t got = 0;
        int rc;

        while ((rc = sdb_step(st)) == SDB_ROW) {
                if (got < k)
                        ids[got] = sdb_column_int64(st, 0);
                got++;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "insert interactions", err);
        if (got != k)
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "insert interactions: %s: %zu ids returned for %zu rows",
                                     s->path, got, k);
        return CXG_OK;
}

/* The statements of one batch, prepared when first needed. */
struct ins_ctx {
        struct sdb_stmt *one, *many;
        struct ins_run run;
        size_t ins, upd;
};

/* Insert the INS_ROWS rows rows[0..INS_ROWS) (none has an external id) in one statement. */
static enum cxg_err put_many(struct store *s, struct ins_ctx *c,
                             const struct store_interaction *rows, struct cxg_error *err)
{
        int64_t ids[INS_ROWS];
        enum cxg_err rc;

        if (!c->many && !(c->many = ins_many(s, err)))
                return stmt_fail(err);
        for (size_t k = 0; k < INS_ROWS; k++)
                bind_row(c->many, (int)k * INS_COLS, &rows[k]);
        if (s->pg) {
                rc = step_ids(s, c->many, ids, INS_ROWS, err);
        } else {
                /* SQLite (the hot path: no RETURNING): the last id and the INS_ROWS-1 before */
                rc = store_step_done(s, c->many, "insert interactions", err);
                for (size_t k = 0; !rc && k < INS_ROWS; k++)
                        ids[k] = sdb_last_insert_rowid(s) - (int64_t)(INS_ROWS - 1 - k);
        }
        if (rc || (rc = run_add(s, &c->run, rows, ids, INS_ROWS, err)))
                return rc;
        c->ins += INS_ROWS;
        return CXG_OK;
}

/* Insert or update row r alone and count it (c->ins or c->upd). */
static enum cxg_err put_one(struct store *s, struct ins_ctx *c, const struct store_interaction *r,
                            struct cxg_error *err)
{
        int64_t id;
        enum cxg_err rc;

        if (r->ext_id) {
                if ((rc = upsert_one(s, r, &id, err)))
                        return rc;
        } else {
                if (!c->one && !(c->one = store_stmt(s, INS_HEAD INS_TUPLE INS_TAIL, err)))
                        return stmt_fail(err);
                bind_row(c->one, 0, r);
                if ((rc = step_ids(s, c->one, &id, 1, err)))
                        return rc;
        }
        if (!id) {
                c->upd++;
                return CXG_OK;
        }
        if ((rc = run_add(s, &c->run, r, &id, 1, err)))
                return rc;
        c->ins++;
        return CXG_OK;
}

/* Store rows[0..n) inside the open savepoint; *at is the row that failed. */
static enum cxg_err put_rows(struct store *s, struct ins_ctx *c,
                             const struct store_interaction *rows, size_t n, size_t *at,
                             struct cxg_error *err)
{
        enum cxg_err rc;
        size_t i = 0;

        while (i < n) {
                size_t run = 0;

                /* a run of rows without external id goes INS_ROWS at a time */
                while (i + run < n && !rows[i + run].ext_id && (run < INS_ROWS || s->pg))
                        run++;
                if (s->pg && run > 0) { /* PostgreSQL: the whole run in one COPY (pg_copy.c) */
                        size_t bad = 0;

                        if ((rc = run_flush(s, &c->run, err)) ||
                            (rc = store_pg_copy_interactions(s, &rows[i], run, &bad, err))) {
                                i += bad;
                                goto fail;
                        }
                        c->ins += run;
                        i += run;
                        continue;
                }
                if (run == INS_ROWS) {
                        if ((rc = put_many(s, c, &rows[i], err)))
                                goto fail;
                        i += INS_ROWS;
                        continue;
                }
                if (run == 0)
                        run = 1;
                for (size_t k = 0; k < run; k++, i++)
                        if ((rc = put_one(s, c, &rows[i], err)))
                                goto fail;
        }
        return run_flush(s, &c->run, err);
fail:
        *at = i;
        return rc;
}

enum cxg_err store_put_interactions(struct store *s, const struct store_interaction *rows, size_t n,
                                    size_t *inserted, size_t *updated, struct cxg_error *err)
{
        struct ins_ctx c;
        size_t at = 0;
        enum cxg_err rc = CXG_OK;
        int own = 0;

        if (n == 0)
                return CXG_OK;
        for (size_t k = 0; k < n; k++) {
                if ((rc = check_row(&rows[k], err))) {
                        if (err)
                                err->line = (long)(k + 1);
                        return rc;
                }
        }
        memset(&c, 0, sizeof(c));
        /*
         * PostgreSQL has no SAVEPOINT outside a transaction (SQLite's opens one), and the
         * change log's ranges need the writer lock: an autocommit batch takes a transaction.
         */
        if (s->pg && !s->in_tx && !sdb_in_tx(s)) {
                if ((rc = store_begin(s, err)))
                        return rc;
                own = 1;
        }
        if ((rc = store_exec(s, "SAVEPOINT cxg_batch", err)))
                goto done;
        if ((rc = put_rows(s, &c, rows, n, &at, err)) ||
            (rc = store_exec(s, "RELEASE cxg_batch", err))) {
                if (err && !err->line)
                        err->line = (long)(at + 1);
                if (!!sdb_in_tx(s))
                        sdb_exec(s, "ROLLBACK TO cxg_batch; RELEASE cxg_batch");
                goto done;
        }
done:
        if (own) {
                if (rc)
                        store_rollback(s);
                else
                        rc = store_commit(s, err);
        }
        if (!rc && inserted)
                *inserted += c.ins;
        if (!rc && updated)
                *updated += c.upd;
        return rc;
}
