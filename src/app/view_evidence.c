/*
 * view_evidence.c: renders the typed evidence of the four detectors (engine/detect.h) as the
 * JSON object stored with an alert. The keys and their order are the stored format: change
 * them only with a migration of the alerts table.
 */
#include <math.h>

#include "app/view.h"
#include "app/view_evidence.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "model/model.h"

/* Significant digits of the stored numbers. */
#define EVIDENCE_DIGITS 10

/* "2026-06-01", or null for CXG_TS_NONE. */
static json_t *date(int64_t t)
{
        char d[32];

        return t == CXG_TS_NONE ? json_null() : json_string(cxg_date_format(t, d));
}

static json_t *count(uint64_t n)
{
        return json_integer((json_int_t)n);
}

/* Append v (stolen, may be NULL) to arr; 1 on failure. */
static int push(json_t *arr, json_t *v)
{
        return json_array_append_new(arr, v) != 0;
}

/* ---- erosion behind growth ---- */

static json_t *topline(const struct eng_ev_topline *t)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "metric", view_str(t->metric));
        bad |= view_put(x, "before", view_num(t->before));
        bad |= view_put(x, "after", view_num(t->after));
        bad |= view_put(x, "growth", view_num(t->growth));
        return view_done(x, bad);
}

static json_t *erosion_rest(const struct eng_ev_erosion_metric *m)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "before", view_num(m->rest_before));
        bad |= view_put(x, "after", view_num(m->rest_after));
        bad |= view_put(x, "change", view_num(m->rest_change));
        return view_done(x, bad);
}

static json_t *erosion_metric(const struct eng_ev_erosion_metric *m)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "metric", json_string(eng_erosion_metric_name(m->metric)));
        bad |= view_put(x, "unit", json_string(eng_erosion_metric_unit(m->metric)));
        bad |= view_put(x, "before", view_num(m->before));
        bad |= view_put(x, "after", view_num(m->after));
        bad |= view_put(x, "change", view_num(m->change));
        if (m->metric == ENG_ERO_RETENTION) {
                bad |= view_put(x, "lost_before", view_num(m->lost_before));
                bad |= view_put(x, "lost_after", view_num(m->lost_after));
        }
        if (m->has_rest) {
                bad |= view_put(x, "rest", erosion_rest(m));
                bad |= view_put(x, "relative_to_rest", view_num(m->relative_to_rest));
        }
        bad |= view_put(x, "test", json_string(eng_erosion_test_name(m->metric)));
        bad |= view_put(x, "n_before", count(m->n_before));
        bad |= view_put(x, "n_after", count(m->n_after));
        bad |= view_put(x, "z", view_num(m->z));
        bad |= view_put(x, "p", view_num(m->p));
        bad |= view_put(x, "p_adjusted", view_num(m->p_adjusted));
        return view_done(x, bad);
}

static json_t *erosion(const struct eng_ev_erosion *e)
{
        json_t *x = json_object(), *seg = json_object(), *win = json_object(), *tl, *ms;
        int bad = !x || !seg || !win;

        if (bad) {
                json_decref(x);
                json_decref(seg);
                json_decref(win);
                return NULL;
        }
        bad |= view_put(seg, "field", view_str(e->field));
        bad |= view_put(seg, "value", view_str(e->value));
        bad |= view_put(x, "segment", seg);
        bad |= view_put(win, "before_start", date(e->before_start));
        bad |= view_put(win, "after_start", date(e->after_start));
        bad |= view_put(win, "end", date(e->end));
        bad |= view_put(win, "days", view_num(e->days));
        bad |= view_put(x, "window", win);
        bad |= view_put(x, "top_line", topline(&e->top_line));
        tl = json_array();
        for (size_t i = 0; tl && !bad && i < e->n_top_lines; i++)
                bad |= push(tl, topline(&e->top_lines[i]));
        bad |= view_put(x, "top_lines", tl);
        ms = json_array();
        for (size_t i = 0; ms && !bad && i < e->n_metrics; i++)
                bad |= push(ms, erosion_metric(&e->metrics[i]));
        bad |= view_put(x, "metrics", ms);
        bad |= view_put(x, "tests", count(e->tests));
        bad |= view_put(x, "correction", json_string(eng_correction_name(e->correction)));
        bad |= view_put(x, "alpha", view_num(e->alpha));
        return view_done(x, bad);
}

/* ---- experience degradation ---- */

static json_t *week(const struct eng_ev_week *w)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "week", date(w->week));
        bad |= view_put(x, "interactions", count(w->interactions));
        bad |= view_put(x, "p50_ms", view_num(w->p50_ms));
        bad |= view_put(x, "p95_ms", view_num(w->p95_ms));
        bad |= view_put(x, "failure_rate", view_num(w->failure_rate));
        return view_done(x, bad);
}

static json_t *exposed(const struct eng_exposure *a)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "account", view_str(a->account));
        bad |= view_put(x, "name", view_str(a->name));
        bad |= view_put(x, "bad", count(a->bad));
        bad |= view_put(x, "interactions", count(a->total));
        return view_done(x, bad);
}

static json_t *experience_baseline(const struct eng_ev_experience *e)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "p50_ms", view_num(e->base_p50_ms));
        bad |= view_put(x, "p95_ms", view_num(e->base_p95_ms));
        bad |= view_put(x, "failure_rate", view_num(e->base_failure_rate));
        bad |= view_put(x, "p95_sigma_ms", view_num(e->base_p95_sigma_ms));
        bad |= view_put(x, "failure_sigma", view_num(e->base_failure_sigma));
        return view_done(x, bad);
}

static json_t *experience_current(const struct eng_ev_experience *e)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "week", date(e->current.week));
        bad |= view_put(x, "p50_ms", view_num(e->current.p50_ms));
        bad |= view_put(x, "p95_ms", view_num(e->current.p95_ms));
        bad |= view_put(x, "failure_rate", view_num(e->current.failure_rate));
        bad |= view_put(x, "interactions", count(e->current.interactions));
        bad |= view_put(x, "z_p95", view_num(e->z_p95));
        bad |= view_put(x, "z_failure", view_num(e->z_failure));
        return view_done(x, bad);
}

static json_t *experience(const struct eng_ev_experience *e)
{
        json_t *x = json_object(), *ws, *acc;
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "interaction_type", view_str(e->interaction_type));
        bad |= view_put(x, "first_week", date(e->first_week));
        bad |= view_put(x, "weeks_drifting", count(e->weeks_drifting));
        bad |= view_put(x, "baseline", experience_baseline(e));
        bad |= view_put(x, "current", experience_current(e));
        bad |= view_put(x, "drifting",
                        json_string(e->on_p95 && e->on_failure ? "p95,failure_rate"
                                    : e->on_p95                ? "p95"
                                                               : "failure_rate"));
        ws = json_array();
        for (size_t i = 0; ws && !bad && i < e->n_weeks; i++)
                bad |= push(ws, week(&e->weeks[i]));
        bad |= view_put(x, "weeks", ws);
        acc = json_array();
        for (size_t i = 0; acc && !bad && i < e->n_exposed; i++)
                bad |= push(acc, exposed(&e->exposed[i]));
        bad |= view_put(x, "accounts_most_exposed", acc);
        bad |= view_put(x, "slow_threshold_ms", view_num(e->slow_threshold_ms));
        return view_done(x, bad);
}

/* ---- account at risk ---- */

static json_t *signal(const struct eng_ev_signal *s)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "signal", json_string(eng_risk_signal_name(s->signal)));
        switch (s->signal) {
        case ENG_SIG_HEALTH_DROP:
                bad |= view_put(x, "before", view_num(s->u.health.before));
                bad |= view_put(x, "now", view_num(s->u.health.now));
                bad |= view_put(x, "drop", view_num(s->u.health.drop));
                break;
        case ENG_SIG_SENIOR_DETRACTOR:
                bad |= view_put(x, "person", view_str(s->u.detractor.person));
                bad |= view_put(x, "name", view_str(s->u.detractor.name));
                bad |= view_put(x, "seniority",
                                json_string(model_seniority_name(s->u.detractor.seniority)));
                bad |= view_put(x, "kind", json_string(model_fb_kind_name(s->u.detractor.kind)));
                bad |= view_put(x, "score", view_num(s->u.detractor.score));
                bad |= view_put(x, "at", date(s->u.detractor.at));
                break;
        case ENG_SIG_DOWNGRADE:
                bad |= view_put(x, "mrr_before", view_num(s->u.downgrade.mrr_before));
                bad |= view_put(x, "mrr", view_num(s->u.downgrade.mrr));
                bad |= view_put(x, "plan_before", view_str(s->u.downgrade.plan_before));
                bad |= view_put(x, "plan", view_str(s->u.downgrade.plan));
                bad |= view_put(x, "at", date(s->u.downgrade.at));
                break;
        default: /* a champion or an executive, left or silent */
                bad |= view_put(x, "person", view_str(s->u.person.person));
                bad |= view_put(x, "name", view_str(s->u.person.name));
                bad |= view_put(x, "role", view_str(s->u.person.role));
                bad |= view_put(x, "seniority",
                                json_string(model_seniority_name(s->u.person.seniority)));
                bad |= view_put(x, "champion", json_boolean(s->u.person.champion));
                bad |= view_put(x, "interactions_prior", count(s->u.person.interactions_prior));
                bad |= view_put(x, "last_active", date(s->u.person.last_active));
                if (s->signal == ENG_SIG_CHAMPION_LEFT || s->signal == ENG_SIG_EXECUTIVE_LEFT)
                        bad |= view_put(x, "left_at", date(s->u.person.left_at));
        }
        return view_done(x, bad);
}

static json_t *at_risk(const struct eng_ev_at_risk *e)
{
        json_t *x = json_object(), *sig;
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "account", view_str(e->account));
        bad |= view_put(x, "name", view_str(e->name));
        bad |= view_put(x, "owner", view_str(e->owner));
        bad |= view_put(x, "plan", view_str(e->plan));
        bad |= view_put(x, "mrr", view_num(e->mrr));
        bad |= view_put(x, "health", view_num(e->health));
        bad |= view_put(x, "health_before", view_num(e->health_before));
        bad |= view_put(x, "window_days", view_num(e->window_days));
        bad |= view_put(x, "weight", json_integer(e->weight));
        sig = json_array();
        for (size_t i = 0; sig && !bad && i < e->n_signals; i++)
                bad |= push(sig, signal(&e->signals[i]));
        bad |= view_put(x, "signals", sig);
        return view_done(x, bad);
}

/* ---- downgrade or cancellation wave ---- */

static json_t *period(const struct eng_ev_period *q)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "accounts", count(q->accounts));
        bad |= view_put(x, "cancellations", count(q->cancellations));
        bad |= view_put(x, "downgrades", count(q->downgrades));
        return view_done(x, bad);
}

static json_t *wave(const struct eng_ev_wave *e)
{
        json_t *x = json_object(), *ps;
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "field", view_str(e->field));
        bad |= view_put(x, "value", view_str(e->value));
        bad |= view_put(x, "event", json_string(e->downgrade ? "downgrade" : "cancellation"));
        bad |= view_put(x, "window_start", date(e->window_start));
        bad |= view_put(x, "window_days", view_num(e->window_days));
        bad |= view_put(x, "accounts", count(e->accounts));
        bad |= view_put(x, "events", count(e->events));
        bad |= view_put(x, "rate", view_num(e->rate));
        bad |= view_put(x, "historical_rate", view_num(e->historical_rate));
        bad |= view_put(x, "historical_events", count(e->historical_events));
        bad |= view_put(x, "historical_exposure", count(e->historical_exposure));
        bad |= view_put(x, "ratio", view_num(e->ratio));
        bad |= view_put(x, "z", view_num(e->z));
        bad |= view_put(x, "p", view_num(e->p));
        bad |= view_put(x, "p_adjusted", view_num(e->p_adjusted));
        bad |= view_put(x, "cancellations", count(e->cancellations));
        bad |= view_put(x, "downgrades", count(e->downgrades));
        ps = json_array();
        for (size_t i = 0; ps && !bad && i < e->n_periods; i++)
                bad |= push(ps, period(&e->periods[i]));
        bad |= view_put(x, "periods", ps);
        return view_done(x, bad);
}

json_t *view_evidence(const struct eng_alert *a)
{
        if (!a->has_evidence)
                return json_object();
        switch (a->kind) {
        case ENG_ALERT_EROSION:
                return erosion(&a->ev.erosion);
        case ENG_ALERT_EXPERIENCE:
                return experience(&a->ev.experience);
        case ENG_ALERT_AT_RISK:
                return at_risk(&a->ev.at_risk);
        case ENG_ALERT_DOWNGRADE_WAVE:
                return wave(&a->ev.wave);
        default:
                return json_object();
        }
}

char *view_evidence_text(const struct eng_alert *a)
{
        json_t *j = view_evidence(a);
        char *s;

        if (!j)
                return NULL;
        s = json_dumps(j,
                       JSON_COMPACT | JSON_REAL_PRECISION(EVIDENCE_DIGITS) | JSON_PRESERVE_ORDER);
        json_decref(j);
        return s;
}
