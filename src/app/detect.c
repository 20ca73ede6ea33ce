/*
 * detect.c: one detection cycle, the same for `cxgarden detect`, detection after an import,
 * POST /api/v1/detect and the server's scheduled runs: the engine's detectors find, this file
 * decides what becomes an alert (its evidence rendered by view_evidence.c), a task and a
 * follow-up, and writes it with its audit record.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/alerts.h"
#include "app/view_evidence.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/timeconst.h"
#include "engine/engine.h"

#define DEFAULT_OWNER "cx-queue"
#define SUPPRESS_DAYS 30.0 /* a dismissed alert stays quiet this long */
#define FOLLOW_DAYS 30.0   /* done tasks are followed up this long after */
#define MAX_FOLLOWUPS 1000000

void app_detect_opts_init(struct app_detect_opts *o)
{
        memset(o, 0, sizeof(*o));
        eng_detect_params_init(&o->params);
        o->default_owner = DEFAULT_OWNER;
        o->suppress_days = SUPPRESS_DAYS;
        o->follow_days = FOLLOW_DAYS;
        o->tasks = 1;
        o->kinds = ENG_DETECT_ALL;
        o->at = CXG_TS_NONE;
}

enum cxg_err app_detect_opts_from_config(struct app_detect_opts *o, const struct cxg_config *cfg,
                                         struct cxg_error *err)
{
        const char *owner;
        enum cxg_err rc;

        if (!cfg)
                return CXG_OK;
        if ((rc = eng_detect_params_from_config(&o->params, cfg, err)))
                return rc;
        owner = cxg_config_get(cfg, "alerts.default_owner");
        if (owner && *owner)
                o->default_owner = owner;
        return CXG_OK;
}

void app_detect_result_release(struct app_detect_result *r)
{
        eng_alerts_release(&r->alerts);
        cxg_free(r->ids);
        r->ids = NULL;
}

/* Days until a task made from an alert of this severity is due. */
static int64_t due_days(int severity)
{
        switch (severity) {
        case ENG_SEV_CRITICAL:
                return 2;
        case ENG_SEV_HIGH:
                return 3;
        case ENG_SEV_MEDIUM:
                return 7;
        default:
                return 14;
        }
}

/* The task that a new account alert becomes. */
static enum cxg_err make_task(const struct app_ctx *c, const struct app_detect_opts *o,
                              const struct eng_alert *a, int64_t alert_id, int64_t at,
                              struct cxg_error *err)
{
        struct store_task t;

        memset(&t, 0, sizeof(t));
        t.alert_id = alert_id;
        t.account_id = a->account;
        t.person_id = *a->person ? a->person : NULL;
        t.owner = *a->owner ? a->owner : o->default_owner;
        t.title = a->summary;
        t.due_at = at + due_days(a->severity) * CXG_DAY;
        t.health_before = a->health;
        return store_task_create(c->st, &t, at, NULL, err);
}

/*
 * Record every finding (deduplicated by the store) and make tasks of the new ones. Times are
 * the run's as-of time, so a run on past data (--at, at=) dates its alerts and tasks then.
 */
static enum cxg_err record_all(const struct app_ctx *c, const struct app_detect_opts *o,
                               struct app_detect_result *r, struct cxg_error *err)
{
        enum cxg_err rc = CXG_OK;

        for (size_t i = 0; i < r->alerts.n && !rc; i++) {
                const struct eng_alert *a = &r->alerts.v[i];
                struct store_alert sa;
                char *evidence = view_evidence_text(a);
                int how = 0;

                if (!evidence)
                        return cxg_error_set(err, CXG_ERR_NOMEM, "detect: evidence: out of memory");
                memset(&sa, 0, sizeof(sa));
                sa.kind = eng_alert_kind_name(a->kind);
                sa.severity = eng_severity_name(a->severity);
                sa.subject_type = a->subject_type;
                sa.subject = a->subject;
                sa.dedup_key = a->dedup_key;
                sa.summary = a->summary;
                sa.evidence = evidence;
                sa.first_seen = a->first_seen;
                sa.last_seen = a->detected_at;
                sa.account_id = *a->account ? a->account : NULL;
                sa.person_id = *a->person ? a->person : NULL;
                rc = store_alert_record(c->st, &sa, r->at, (int64_t)(o->suppress_days * CXG_DAY),
                                        &r->ids[i], &how, err);
                cxg_free(evidence);
                if (rc)
                        break;
                switch (how) {
                case STORE_ALERT_NEW:
                        r->created++;
                        break;
                case STORE_ALERT_ESCALATED:
                        r->escalated++;
                        break;
                case STORE_ALERT_SUPPRESSED:
                        r->suppressed++;
                        r->ids[i] = 0;
                        break;
                default:
                        r->seen++;
                }
                if (how == STORE_ALERT_NEW && o->tasks && *a->account) {
                        if (!(rc = make_task(c, o, a, r->ids[i], r->at, err)))
                                r->tasks++;
                }
        }
        return rc;
}

/* A done task waiting for its follow-up (copied out of the store's scan). */
struct fu {
        int64_t id, resolved;
        char account[128], person[128];
};

struct fu_list {
        struct fu *v;
        size_t n, cap;
};

static enum cxg_err take_fu(void *ctx, const struct store_task *t)
{
        struct fu_list *l = ctx;
        enum cxg_err rc;

        if ((rc = CXG_GROW(l->v, l->n + 1, l->cap, MAX_FOLLOWUPS)))
                return rc;
        l->v[l->n].id = t->id;
        l->v[l->n].resolved = t->resolved_at;
        snprintf(l->v[l->n].account, sizeof(l->v[l->n].account), "%s",
                 t->account_id ? t->account_id : "");
        snprintf(l->v[l->n].person, sizeof(l->v[l->n].person), "%s",
                 t->person_id ? t->person_id : "");
        l->n++;
        return CXG_OK;
}

/*
 * Close the loop on tasks done follow_days before at: health after = the account's health as
 * of at, reconnected = whether the task's stakeholder came back within follow_days.
 */
static enum cxg_err follow_up(const struct app_ctx *c, const struct eng_snapshot *snap,
                              const struct eng_scores *now, int64_t at, double follow_days,
                              size_t *n, struct cxg_error *err)
{
        struct fu_list l = {0};
        int64_t fs = (int64_t)(follow_days * CXG_DAY);
        enum cxg_err rc;

        *n = 0;
        rc = store_tasks_due_followup(c->st, at, fs, take_fu, &l, err);
        if (rc == CXG_ERR_NOMEM || rc == CXG_ERR_LIMIT)
                cxg_error_set(err, rc, "detect: follow-up: too many tasks or out of memory");
        for (size_t i = 0; i < l.n && !rc; i++) {
                const struct fu *f = &l.v[i];
                double h = eng_detect_account_health(snap, now, f->account);
                int rec = eng_detect_reconnected(snap, f->person, f->resolved, fs);

                rc = store_task_set_followup(c->st, f->id, h, at, rec, err);
        }
        if (!rc)
                *n = l.n;
        cxg_free(l.v);
        return rc;
}

enum cxg_err app_detect_save(const struct app_ctx *c, const struct app_detect_opts *o,
                             const struct eng_snapshot *snap, const struct eng_scores *now,
                             struct app_detect_result *r, struct cxg_error *err)
{
        json_t *s;
        enum cxg_err rc;

        r->created = r->seen = r->escalated = r->suppressed = r->tasks = r->followed = 0;
        cxg_free(r->ids);
        r->ids = cxg_calloc(r->alerts.n + 1, sizeof(int64_t));
        if (!r->ids)
                return cxg_error_set(err, CXG_ERR_NOMEM, "detect: out of memory");
        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = record_all(c, o, r, err);
        if (!rc)
                rc = follow_up(c, snap, now, r->at, o->follow_days, &r->followed, err);
        if (!rc) {
                s = json_pack("{s:I,s:I,s:I,s:I,s:I}", "found", (json_int_t)r->alerts.n, "created",
                              (json_int_t)r->created, "escalated", (json_int_t)r->escalated,
                              "tasks_created", (json_int_t)r->tasks, "tasks_followed_up",
                              (json_int_t)r->followed);
                rc = s ? app_audit(c, "run", "detect", NULL, s, err)
                       : cxg_error_set(err, CXG_ERR_NOMEM, "detect: out of memory");
                json_decref(s);
        }
        if (rc) {
                store_rollback(c->st);
                return rc;
        }
        return store_commit(c->st, err);
}

enum cxg_err app_detect_cycle(const struct app_ctx *c, struct eng_engine *eng,
                              const struct app_detect_opts *o, struct app_detect_result *r,
                              struct cxg_error *err)
{
        struct eng_scores now, before;
        struct eng_detect_input in;
        int own_now = 0, own_before = 0;
        enum cxg_err rc = CXG_OK;

        memset(r, 0, sizeof(*r));
        eng_alerts_init(&r->alerts);
        r->dry_run = o->dry_run;
        eng_scores_init(&now);
        eng_scores_init(&before);
        in.snap = &eng->snap;
        in.now = &eng->scores;
        if (o->at != CXG_TS_NONE && o->at != eng->scores.at) {
                if ((rc = eng_engine_compute(eng, c->st, o->at, &now, err)))
                        goto done;
                own_now = 1;
                in.now = &now;
        }
        in.at = in.now->at;
        in.kinds = o->kinds;
        in.before = NULL;
        in.foreign = eng->clustered ? eng->foreign : NULL;
        in.own = eng->clustered ? &eng->own : NULL;
        in.partials = eng->clustered ? eng->merged : NULL;
        r->at = in.at;
        if (o->kinds & ENG_DETECT_BIT(ENG_ALERT_AT_RISK)) {
                rc = eng_engine_compute(
                    eng, c->st, in.at - (int64_t)(o->params.risk_days * CXG_DAY), &before, err);
                if (rc)
                        goto done;
                own_before = 1;
                in.before = &before;
        }
        if ((rc = eng_detect_run(&o->params, &in, &r->alerts, &r->stats, err)))
                goto done;
        if (!o->dry_run)
                rc = app_detect_save(c, o, &eng->snap, in.now, r, err);
done:
        if (own_now)
                eng_scores_release(&now);
        if (own_before)
                eng_scores_release(&before);
        return rc;
}
