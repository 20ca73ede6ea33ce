/*
 * gardens_exp.c: the experiment, rollout and ledger operations of the use-case layer
 * (app/gardens.h). app_experiment_record is the one place a result is measured and stored,
 * for the CLI, the API and the demo seeding alike.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/gardens_int.h"
#include "app/view_gardens.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"

/* Longest segment and ledger note, bytes; ledger points per kind at most. */
#define SEGMENT_MAX APP_SEGMENT_MAX
#define NOTE_MAX 2000
#define CAUSE_MAX 32
#define POINTS_MAX 1000
/* Participating accounts an experiment may have. */
#define ACCOUNTS_CAP (1 << 22)
/* Rollouts of one idea a report covers. */
#define ROLLOUTS_CAP 4096

/* ---- experiments ---- */

static enum cxg_err experiment_set(struct gop *o, int64_t idea_id, int64_t starts_at,
                                   int64_t ends_at, const char *const *accounts, size_t n,
                                   int64_t *eid, struct cxg_error *err)
{
        struct store_idea_head h;
        int existed = 0;
        enum cxg_err rc;

        if ((rc = store_idea_head(o->c.st, idea_id, &h, err)))
                return rc;
        if (h.state != IDEA_APPROVED)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                      "set up experiment: idea %" PRId64 " is %s (experiments are "
                                      "set up for approved ideas)",
                                      idea_id, model_idea_state_name(h.state));
        if ((rc = store_experiment_put(o->c.st, idea_id, starts_at, ends_at, h.metric,
                                       o->who->user_id, o->c.now, eid, &existed, err)) ||
            (rc = store_experiment_set_accounts(o->c.st, *eid, accounts, n, err)) ||
            (rc = gop_audit(o, existed ? "update" : "create", "experiments", *eid,
                            json_pack("{s:I, s:I, s:I, s:I}", "idea_id", (json_int_t)idea_id,
                                      "starts_at", (json_int_t)starts_at, "ends_at",
                                      (json_int_t)ends_at, "accounts", (json_int_t)n),
                            err)) ||
            existed)
                return rc;
        return gop_credit(o, o->who, 0, h.garden_id, LEDGER_ENABLING, "experiment", *eid, NULL,
                          NULL, err);
}

enum cxg_err app_experiment_set(const struct app_ctx *c, const struct garden_actor *who,
                                int64_t idea_id, int64_t starts_at, int64_t ends_at,
                                const char *const *accounts, size_t n_accounts, int64_t *id,
                                struct cxg_error *err)
{
        struct gop o;
        int64_t eid = 0;
        enum cxg_err rc;

        if ((rc = gop_require_staff(who, "set up experiment", err)))
                return rc;
        if (starts_at == CXG_TS_NONE || ends_at == CXG_TS_NONE || ends_at <= starts_at)
                return cxg_error_setf(err, CXG_ERR_INVALID, "ends_at",
                                      "set up experiment: give a start and an end after it");
        if (n_accounts == 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "accounts",
                                      "set up experiment: no participating accounts");
        if ((rc = gop_begin(&o, c, who, err)))
                return rc;
        rc = gop_end(
            &o, experiment_set(&o, idea_id, starts_at, ends_at, accounts, n_accounts, &eid, err),
            err);
        if (!rc && id)
                *id = eid;
        return rc;
}

static enum cxg_err join(struct gop *o, int64_t idea_id, int *added, struct cxg_error *err)
{
        static const char what[] = "join experiment";
        struct store_idea_head h;
        int64_t eid = 0, aid = 0;
        int found, member, mrole;
        enum cxg_err rc;

        if ((rc = store_idea_head(o->c.st, idea_id, &h, err)) ||
            (rc = store_garden_membership(o->c.st, o->who, h.garden_id, &member, &mrole, err)))
                return rc;
        if (!member)
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "%s: %s is not a member of this garden", what, o->who->name);
        if (h.state != IDEA_RUNNING)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                      "%s: idea %" PRId64 " is %s; only a running experiment can "
                                      "be joined",
                                      what, idea_id, model_idea_state_name(h.state));
        if ((rc = store_experiment_id(o->c.st, idea_id, 1, &eid, &found, err)))
                return rc;
        if (!found)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "experiment",
                                      "%s: idea %" PRId64 " has no running experiment", what,
                                      idea_id);
        if ((rc = store_garden_person_account(o->c.st, o->who->person_id, &aid, err)) ||
            (rc = store_experiment_add_account(o->c.st, eid, aid, added, err)) || !*added)
                return rc; /* taking part already: nothing to record, nothing earned */
        if ((rc = gop_audit(o, "join", "experiments", eid,
                            json_pack("{s:I, s:I}", "idea_id", (json_int_t)idea_id, "account_id",
                                      (json_int_t)aid),
                            err)))
                return rc;
        return gop_credit(o, o->who, 0, h.garden_id, LEDGER_PARTICIPATION, "experiment", eid, NULL,
                          NULL, err);
}

enum cxg_err app_experiment_join(const struct app_ctx *c, const struct garden_actor *who,
                                 int64_t idea_id, int *added, struct cxg_error *err)
{
        struct gop o;
        int n = 0;
        enum cxg_err rc;

        if (added)
                *added = 0;
        if (who->role != GARDEN_UROLE_MEMBER || !who->person_id)
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "join experiment: only a customer member takes part with "
                                      "their account (%s is %s)",
                                      who->name, model_garden_urole_name(who->role));
        if ((rc = gop_begin(&o, c, who, err)))
                return rc;
        rc = gop_end(&o, join(&o, idea_id, &n, err), err);
        if (!rc && added)
                *added = n;
        return rc;
}

enum cxg_err gop_ids_cb(void *ctx, int64_t id)
{
        struct gop_ids *s = ctx;

        if (CXG_GROW(s->v, s->n + 1, s->cap, ACCOUNTS_CAP))
                return CXG_ERR_NOMEM;
        s->v[s->n++] = id;
        return CXG_OK;
}

static enum cxg_err exp_cb(void *ctx, const struct store_experiment_row *e)
{
        *(struct store_experiment_row *)ctx = *e;
        ((struct store_experiment_row *)ctx)->result = NULL;
        ((struct store_experiment_row *)ctx)->status = NULL;
        return CXG_OK;
}

/* Measure the experiment of idea_id on the stored data. */
static enum cxg_err measure(const struct app_ctx *c, int64_t idea_id,
                            struct eng_garden_experiment *out, struct cxg_error *err)
{
        struct store_experiment_row e;
        struct eng_garden_panel p;
        struct gop_ids acc = {0};
        enum cxg_err rc;

        eng_garden_panel_init(&p);
        if (!(rc = store_experiment_get(c->st, idea_id, exp_cb, &e, err)) &&
            !(rc = store_experiment_accounts(c->st, e.id, gop_ids_cb, &acc, err)) &&
            !(rc = eng_garden_panel_load(&p, c->st, app_gardens_impact_segment(c), 0, err)))
                rc = eng_garden_experiment(&p, acc.v, acc.n, e.metric, e.starts_at, e.ends_at,
                                           APP_GARDENS_BANDS, out, err);
        if (rc == CXG_ERR_NOMEM && err && !err->code)
                cxg_error_set(err, rc, "record experiment results: out of memory");
        cxg_free(acc.v);
        eng_garden_panel_release(&p);
        return rc;
}

/* Store the result document of running idea idea_id's experiment, audited. */
static enum cxg_err record(struct gop *o, int64_t idea_id, const json_t *doc, struct cxg_error *err)
{
        struct store_idea_head h;
        int64_t eid = 0;
        int found;
        char *text = NULL;
        enum cxg_err rc;

        if ((rc = store_idea_head(o->c.st, idea_id, &h, err)))
                return rc;
        if (h.state != IDEA_RUNNING)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                      "record experiment results: idea %" PRId64 " is %s, not "
                                      "running",
                                      idea_id, model_idea_state_name(h.state));
        if ((rc = store_experiment_id(o->c.st, idea_id, 0, &eid, &found, err)))
                return rc;
        if (!found)
                return cxg_error_setf(
                    err, CXG_ERR_NOTFOUND, "experiment",
                    "record experiment results: idea %" PRId64 " has no experiment", idea_id);
        text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!text)
                return cxg_error_set(err, CXG_ERR_NOMEM,
                                     "record experiment results: out of memory");
        rc = store_experiment_record(o->c.st, eid, text, o->c.now, err);
        cxg_free(text);
        if (rc)
                return rc;
        return gop_audit(o, "result", "experiments", eid,
                         json_pack("{s:I}", "idea_id", (json_int_t)idea_id), err);
}

enum cxg_err app_experiment_record_measured(const struct app_ctx *c, const struct garden_actor *who,
                                            int64_t idea_id, const struct eng_garden_experiment *x,
                                            struct cxg_error *err)
{
        struct gop o;
        json_t *doc;
        enum cxg_err rc;

        if ((rc = gop_require_staff(who, "record experiment results", err)))
                return rc;
        if (!(doc = view_garden_result(x)))
                return cxg_error_set(err, CXG_ERR_NOMEM,
                                     "record experiment results: out of memory");
        if (!(rc = gop_begin(&o, c, who, err)))
                rc = gop_end(&o, record(&o, idea_id, doc, err), err);
        json_decref(doc);
        return rc;
}

enum cxg_err app_experiment_record(const struct app_ctx *c, const struct garden_actor *who,
                                   int64_t idea_id, int dry_run, struct eng_garden_experiment *out,
                                   json_t **view, struct cxg_error *err)
{
        struct eng_garden_experiment x;
        json_t *doc = NULL;
        enum cxg_err rc;

        if (view)
                *view = NULL;
        if ((!dry_run && (rc = gop_require_staff(who, "record experiment results", err))) ||
            (rc = measure(c, idea_id, &x, err)))
                return rc;
        if (!dry_run && (rc = app_experiment_record_measured(c, who, idea_id, &x, err)))
                return rc;
        if (view && !(doc = view_garden_result(&x)))
                return cxg_error_set(err, CXG_ERR_NOMEM,
                                     "record experiment results: out of memory");
        if (out)
                *out = x;
        if (view)
                *view = doc;
        return CXG_OK;
}

/* ---- rollouts ---- */

static enum cxg_err rollout(struct gop *o, int64_t idea_id, const char *segment, int64_t at,
                            const int64_t *ids, size_t n, const char *note, int64_t *rid,
                            struct cxg_error *err)
{
        struct store_idea_head h;
        enum cxg_err rc;

        if ((rc = store_idea_head(o->c.st, idea_id, &h, err)))
                return rc;
        if (h.state != IDEA_ADOPTED)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                      "roll out idea: idea %" PRId64 " is %s (only adopted ideas "
                                      "are rolled out)",
                                      idea_id, model_idea_state_name(h.state));
        if ((rc = store_rollout_add(o->c.st, idea_id, segment, at, o->who->user_id, ids, n, note,
                                    rid, err)) ||
            (rc = gop_audit(o, "create", "rollouts", *rid,
                            json_pack("{s:I, s:s, s:I, s:I}", "idea_id", (json_int_t)idea_id,
                                      "segment", segment, "at", (json_int_t)at, "accounts",
                                      (json_int_t)n),
                            err)))
                return rc;
        return gop_credit(o, o->who, 0, h.garden_id, LEDGER_ENABLING, "rollout", *rid, NULL, NULL,
                          err);
}

static enum cxg_err check_rollout(const struct garden_actor *who, const char *segment,
                                  struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = gop_require_staff(who, "roll out idea", err)))
                return rc;
        if (!segment || !strchr(segment, '=') || segment[0] == '=' || strlen(segment) > SEGMENT_MAX)
                return cxg_error_setf(err, CXG_ERR_INVALID, "segment",
                                      "roll out idea: segment must be field=value (e.g. "
                                      "plan=Premium)");
        return CXG_OK;
}

enum cxg_err app_rollout_write(const struct app_ctx *c, const struct garden_actor *who,
                               int64_t idea_id, const char *segment, int64_t at, const int64_t *ids,
                               size_t n, const char *note, int64_t *id, struct cxg_error *err)
{
        struct gop o;
        int64_t rid = 0;
        enum cxg_err rc;

        if ((rc = check_rollout(who, segment, err)) || (rc = gop_begin(&o, c, who, err)))
                return rc;
        rc = gop_end(&o, rollout(&o, idea_id, segment, at, ids, n, note, &rid, err), err);
        if (!rc && id)
                *id = rid;
        return rc;
}

enum cxg_err app_rollout_add(const struct app_ctx *c, const struct garden_actor *who,
                             int64_t idea_id, const char *segment, int64_t at, const char *note,
                             int64_t *id, size_t *accounts, struct cxg_error *err)
{
        struct eng_garden_panel p;
        int64_t *ids = NULL, rid = 0;
        size_t n = 0;
        enum cxg_err rc;

        if ((rc = check_rollout(who, segment, err)))
                return rc;
        if (at == CXG_TS_NONE)
                at = c->now;
        eng_garden_panel_init(&p);
        if (!(rc = eng_garden_panel_load(&p, c->st, "", 0, err)) &&
            !(rc = eng_garden_segment_accounts(&p, c->st, segment, at, &ids, &n, err)))
                rc = app_rollout_write(c, who, idea_id, segment, at, ids, n, note, &rid, err);
        cxg_free(ids);
        eng_garden_panel_release(&p);
        if (!rc && id)
                *id = rid;
        if (!rc && accounts)
                *accounts = n;
        return rc;
}

static enum cxg_err rollout_cb(void *ctx, const struct store_rollout_row *ro)
{
        struct app_rollout_report *rep = ctx;
        struct app_rollout_item *it;

        if (CXG_GROW(rep->v, rep->n + 1, rep->cap, ROLLOUTS_CAP))
                return CXG_ERR_NOMEM;
        it = &rep->v[rep->n++];
        memset(it, 0, sizeof(*it));
        it->id = ro->id;
        it->r.at = ro->at;
        snprintf(it->segment, sizeof(it->segment), "%s", ro->segment ? ro->segment : "");
        return CXG_OK;
}

static enum cxg_err metric_cb(void *ctx, const struct store_idea_row *i)
{
        *(int *)ctx = i->idea.target_metric;
        return CXG_OK;
}

/* Measure rollout it of an idea with target metric on panel p. */
static enum cxg_err rollout_measure(struct store *st, const struct eng_garden_panel *p, int metric,
                                    int days, struct app_rollout_item *it, struct cxg_error *err)
{
        struct gop_ids acc = {0};
        enum cxg_err rc;

        if (!(rc = store_rollout_accounts(st, it->id, gop_ids_cb, &acc, err)))
                rc =
                    eng_garden_rollout_report(p, acc.v, acc.n, metric, it->r.at, days, &it->r, err);
        cxg_free(acc.v);
        return rc;
}

enum cxg_err app_idea_rollout_report(const struct app_ctx *c, int64_t idea_id, int days,
                                     struct app_rollout_report *out, struct cxg_error *err)
{
        struct eng_garden_panel p;
        int metric = -1;
        enum cxg_err rc;

        memset(out, 0, sizeof(*out));
        out->idea_id = idea_id;
        out->days = days;
        if (days < APP_ROLLOUT_DAYS_MIN || days > APP_ROLLOUT_DAYS_MAX)
                return cxg_error_setf(err, CXG_ERR_INVALID, "days",
                                      "rollout report: days must be from %d to %d",
                                      APP_ROLLOUT_DAYS_MIN, APP_ROLLOUT_DAYS_MAX);
        eng_garden_panel_init(&p);
        if ((rc = store_idea_get(c->st, idea_id, metric_cb, &metric, err)) ||
            (rc = store_rollout_list(c->st, idea_id, rollout_cb, out, err)) ||
            (out->n && (rc = eng_garden_panel_load(&p, c->st, "", 0, err))))
                goto done;
        for (size_t k = 0; k < out->n && !rc; k++)
                rc = rollout_measure(c->st, &p, metric, days, &out->v[k], err);
done:
        if (rc == CXG_ERR_NOMEM && err && !err->code)
                cxg_error_set(err, rc, "rollout report: out of memory");
        eng_garden_panel_release(&p);
        return rc;
}

void app_rollout_report_release(struct app_rollout_report *r)
{
        cxg_free(r->v);
        r->v = NULL;
        r->n = r->cap = 0;
}

/* ---- ledger ---- */

static enum cxg_err check_credit(int kind, const char *cause_type, const char *note,
                                 const char *user_name, const char *person_ext,
                                 struct cxg_error *err)
{
        size_t n = cause_type ? strlen(cause_type) : 0;

        if (kind < 0 || kind >= LEDGER__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "kind",
                                      "credit ledger: kind must be promotion, enabling, "
                                      "sponsoring, participation, idea or feedback");
        if (n == 0 || n > CAUSE_MAX || strspn(cause_type, "abcdefghijklmnopqrstuvwxyz_") != n)
                return cxg_error_setf(err, CXG_ERR_INVALID, "cause_type",
                                      "credit ledger: cause must be a word of a-z and '_' (e.g. "
                                      "session, introduction)");
        if (note && (strlen(note) > NOTE_MAX || !cxg_utf8_valid(note, strlen(note))))
                return cxg_error_setf(err, CXG_ERR_INVALID, "note",
                                      "credit ledger: note must be valid UTF-8 of at most 2000 "
                                      "bytes");
        if ((!user_name) == (!person_ext))
                return cxg_error_setf(err, CXG_ERR_USAGE, "user",
                                      "credit ledger: credit a user or a person");
        return CXG_OK;
}

enum cxg_err app_ledger_credit(const struct app_ctx *c, const struct garden_actor *who,
                               int64_t garden_id, const char *user_name, const char *person_ext,
                               int kind, const char *cause_type, int64_t cause_id, const char *note,
                               int64_t *id, struct cxg_error *err)
{
        struct garden_actor to;
        struct gop o;
        int64_t pid = 0;
        enum cxg_err rc;

        if ((rc = gop_require_staff(who, "credit ledger", err)) ||
            (rc = check_credit(kind, cause_type, note, user_name, person_ext, err)) ||
            (rc = gop_begin(&o, c, who, err)))
                return rc;
        if (user_name && !(rc = store_garden_actor(c->st, user_name, &to, err)))
                rc = gop_credit(&o, &to, 0, garden_id, kind, cause_type, cause_id, note, id, err);
        else if (!user_name && !(rc = store_garden_person(c->st, person_ext, &pid, NULL, err)))
                rc =
                    gop_credit(&o, NULL, pid, garden_id, kind, cause_type, cause_id, note, id, err);
        return gop_end(&o, rc, err);
}

enum cxg_err app_ledger_points_set(const struct app_ctx *c, const struct garden_actor *who,
                                   int kind, int points, struct cxg_error *err)
{
        int before[LEDGER__COUNT];
        struct gop o;
        enum cxg_err rc;

        if ((rc = gop_require_staff(who, "set points", err)))
                return rc;
        if (kind < 0 || kind >= LEDGER__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "kind", "set points: unknown kind");
        if (points < 0 || points > POINTS_MAX)
                return cxg_error_setf(err, CXG_ERR_INVALID, "points",
                                      "set points: points must be 0-1000");
        if ((rc = gop_begin(&o, c, who, err)))
                return rc;
        if (!(rc = store_ledger_points(c->st, before, err)) &&
            !(rc = store_ledger_points_set(c->st, kind, points, err)))
                rc = gop_audit(&o, "update", "ledger_points", kind,
                               json_pack("{s:s, s:i, s:i}", "kind", model_ledger_kind_name(kind),
                                         "before", before[kind], "after", points),
                               err);
        return gop_end(&o, rc, err);
}
