/*
 * detect.c: the alert list and its evidence arena, the detectors' names and parameters, and
 * the two detectors that test proportions over a family of tests: erosion behind growth and
 * the downgrade or cancellation wave (experience degradation is in detect_experience.c,
 * account at risk in detect_risk.c). The rules are documented in docs/scoring.md, "Early
 * warning"; detect_snap.c feeds these functions from the engine snapshot.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "engine/detect.h"
#include "engine/detect_int.h"
#include "model/model.h"

/* ---- alert list ---- */

/* Blocks of the evidence arena: a few alerts' worth. */
#define EVIDENCE_BLOCK (16 * 1024)
/* Most alerts one list holds. */
#define MAX_ALERTS (1u << 24)

void eng_alerts_init(struct eng_alerts *l)
{
        memset(l, 0, sizeof(*l));
        cxg_arena_init(&l->mem, EVIDENCE_BLOCK, 0);
}

void eng_alerts_release(struct eng_alerts *l)
{
        cxg_free(l->v);
        cxg_arena_release(&l->mem);
        eng_alerts_init(l);
}

enum cxg_err eng_alerts_push(struct eng_alerts *l, const struct eng_alert *a)
{
        enum cxg_err rc = CXG_GROW(l->v, l->n + 1, l->cap, MAX_ALERTS);

        if (rc)
                return rc;
        l->v[l->n++] = *a;
        return CXG_OK;
}

static const char *const kind_names[ENG_ALERT__COUNT] = {
    "erosion_behind_growth", "experience_degradation", "account_at_risk", "downgrade_wave"};
static const char *const sev_names[ENG_SEV__COUNT] = {"low", "medium", "high", "critical"};
static const char *const ero_names[ENG_ERO__COUNT] = {"active_share", "engagement", "retention"};
static const char *const sig_names[ENG_SIG__COUNT] = {
    "health_drop",      "champion_left",    "executive_left", "champion_silent",
    "executive_silent", "senior_detractor", "downgrade"};

const char *eng_alert_kind_name(int kind)
{
        return kind >= 0 && kind < ENG_ALERT__COUNT ? kind_names[kind] : "unknown";
}

int eng_alert_kind_parse(const char *s)
{
        for (int k = 0; s && k < ENG_ALERT__COUNT; k++)
                if (strcmp(s, kind_names[k]) == 0)
                        return k;
        return -1;
}

const char *eng_severity_name(int severity)
{
        return severity >= 0 && severity < ENG_SEV__COUNT ? sev_names[severity] : "unknown";
}

int eng_severity_parse(const char *s)
{
        for (int k = 0; s && k < ENG_SEV__COUNT; k++)
                if (strcmp(s, sev_names[k]) == 0)
                        return k;
        return -1;
}

const char *eng_erosion_metric_name(int metric)
{
        return metric >= 0 && metric < ENG_ERO__COUNT ? ero_names[metric] : "unknown";
}

const char *eng_erosion_metric_unit(int metric)
{
        return metric == ENG_ERO_ENGAGEMENT ? "interactions per person"
               : metric == ENG_ERO_ACTIVE   ? "active share"
                                            : "retained share";
}

const char *eng_erosion_test_name(int metric)
{
        return metric == ENG_ERO_ENGAGEMENT ? "paired z on per-person change" : "two-proportion z";
}

const char *eng_correction_name(int c)
{
        return c == ENG_CORR_BONFERRONI ? "bonferroni" : c == ENG_CORR_NONE ? "none" : "bh";
}

const char *eng_risk_signal_name(int signal)
{
        return signal >= 0 && signal < ENG_SIG__COUNT ? sig_names[signal] : "unknown";
}

int64_t eng_week_start(int64_t t)
{
        int64_t days = t >= 0 ? t / CXG_DAY : -((-t + CXG_DAY - 1) / CXG_DAY);
        int64_t dow = (days + 3) % 7; /* 1970-01-01 was a Thursday: Monday = 0 */

        if (dow < 0)
                dow += 7;
        return (days - dow) * CXG_DAY;
}

/* ---- parameters ---- */

void eng_detect_params_init(struct eng_detect_params *p)
{
        memset(p, 0, sizeof(*p));
        p->window_days = 90;
        p->ero_alpha = 0.01;
        p->ero_correction = ENG_CORR_BH;
        p->ero_min_n = 30;
        p->ero_min_drop = 0.15;
        p->ero_min_growth = 0.02;
        p->ero_min_loss_rise = 0.5;
        p->exp_history_weeks = 12;
        p->exp_min_history = 6;
        p->exp_min_count = 30;
        p->exp_z = 4;
        p->exp_min_ratio = 1.5;
        p->exp_min_fail_delta = 0.02;
        p->exp_floor_rel = 0.05;
        p->exp_persist = 2;
        p->exp_top_accounts = 5;
        p->risk_days = 30;
        p->risk_prior_days = 90;
        p->risk_health_drop = 15;
        p->risk_min_active = 3;
        p->risk_nps_max = 6;
        p->risk_csat_max = 2;
        p->wave_days = 30;
        p->wave_history = 12;
        p->wave_alpha = 0.01;
        p->wave_min_ratio = 2;
        p->wave_min_events = 5;
        p->wave_min_base = 20;
}

struct dkey {
        const char *key;
        double *d; /* or */
        int *i;
        double min, max;
};

enum cxg_err eng_detect_params_from_config(struct eng_detect_params *p, const struct cxg_config *c,
                                           struct cxg_error *err)
{
        const struct dkey keys[] = {
            {"erosion.window_days", &p->window_days, NULL, 7, 3650},
            {"erosion.alpha", &p->ero_alpha, NULL, 1e-12, 0.5},
            {"erosion.min_segment", &p->ero_min_n, NULL, 2, 1e9},
            {"erosion.min_drop", &p->ero_min_drop, NULL, 0, 1},
            {"erosion.min_growth", &p->ero_min_growth, NULL, -1, 100},
            {"erosion.min_loss_rise", &p->ero_min_loss_rise, NULL, 0, 100},
            {"experience.history_weeks", NULL, &p->exp_history_weeks, 2, 520},
            {"experience.min_history", NULL, &p->exp_min_history, 2, 520},
            {"experience.min_count", &p->exp_min_count, NULL, 1, 1e9},
            {"experience.z", &p->exp_z, NULL, 0.5, 100},
            {"experience.min_ratio", &p->exp_min_ratio, NULL, 1, 1000},
            {"experience.min_fail_delta", &p->exp_min_fail_delta, NULL, 0, 1},
            {"experience.sigma_floor", &p->exp_floor_rel, NULL, 0, 10},
            {"experience.persist_weeks", NULL, &p->exp_persist, 1, 52},
            {"experience.top_accounts", NULL, &p->exp_top_accounts, 0, 100},
            {"risk.days", &p->risk_days, NULL, 1, 365},
            {"risk.prior_days", &p->risk_prior_days, NULL, 1, 3650},
            {"risk.health_drop", &p->risk_health_drop, NULL, 0, 100},
            {"risk.min_active", &p->risk_min_active, NULL, 1, 1e9},
            {"risk.nps_detractor", &p->risk_nps_max, NULL, 0, 10},
            {"risk.csat_detractor", &p->risk_csat_max, NULL, 1, 5},
            {"wave.days", &p->wave_days, NULL, 1, 365},
            {"wave.history_periods", NULL, &p->wave_history, 1, 120},
            {"wave.alpha", &p->wave_alpha, NULL, 1e-12, 0.5},
            {"wave.min_ratio", &p->wave_min_ratio, NULL, 1, 1000},
            {"wave.min_events", &p->wave_min_events, NULL, 1, 1e9},
            {"wave.min_base", &p->wave_min_base, NULL, 1, 1e9},
        };
        const char *const sections[] = {"erosion.", "experience.", "risk.", "wave."};
        size_t nk = sizeof(keys) / sizeof(keys[0]);
        enum cxg_err rc;

        if (!c)
                return CXG_OK;
        for (size_t e = 0; e < c->count; e++) {
                const struct cxg_config_entry *en = &c->entries[e];
                int ours = 0, known = 0;

                for (size_t s = 0; s < 4; s++)
                        ours |= strncmp(en->key, sections[s], strlen(sections[s])) == 0;
                if (!ours)
                        continue;
                if (strcmp(en->key, "erosion.correction") == 0) {
                        if (strcmp(en->value, "bh") == 0)
                                p->ero_correction = ENG_CORR_BH;
                        else if (strcmp(en->value, "bonferroni") == 0)
                                p->ero_correction = ENG_CORR_BONFERRONI;
                        else if (strcmp(en->value, "none") == 0)
                                p->ero_correction = ENG_CORR_NONE;
                        else
                                return cxg_error_setf(err, CXG_ERR_INVALID, en->key,
                                                      "%s:%ld: erosion.correction must be bh, "
                                                      "bonferroni or none, not \"%s\"",
                                                      c->path, en->line, en->value);
                        continue;
                }
                for (size_t k = 0; k < nk; k++) {
                        double v;

                        if (strcmp(en->key, keys[k].key) != 0)
                                continue;
                        known = 1;
                        rc = cxg_config_double(c, keys[k].key, 0, &v, err);
                        if (rc)
                                return rc;
                        if (!(v >= keys[k].min && v <= keys[k].max) || (keys[k].i && v != floor(v)))
                                return cxg_error_setf(err, CXG_ERR_INVALID, en->key,
                                                      "%s:%ld: %s must be %s in [%g, %g], not %s",
                                                      c->path, en->line, en->key,
                                                      keys[k].i ? "a whole number" : "a number",
                                                      keys[k].min, keys[k].max, en->value);
                        if (keys[k].d)
                                *keys[k].d = v;
                        else
                                *keys[k].i = (int)v;
                }
                if (!known)
                        return cxg_error_setf(err, CXG_ERR_INVALID, en->key,
                                              "%s:%ld: unknown setting '%s' (see "
                                              "docs/scoring.md, \"Early warning\")",
                                              c->path, en->line, en->key);
        }
        if (p->exp_min_history > p->exp_history_weeks)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "%s: experience.min_history (%d) exceeds "
                                     "experience.history_weeks (%d)",
                                     c->path, p->exp_min_history, p->exp_history_weeks);
        return CXG_OK;
}

/* ---- helpers ---- */

/* Copy of s in the list's arena (NULL stays NULL); *bad set when out of memory. */
const char *eng_ev_keep(struct eng_alerts *l, const char *s, int *bad)
{
        char *c;

        if (!s)
                return NULL;
        if (!(c = cxg_arena_strdup(&l->mem, s)))
                *bad = 1;
        return c;
}

/* n zeroed elements of size bytes in the list's arena (NULL for none); *bad set on failure. */
void *eng_ev_keep_array(struct eng_alerts *l, size_t n, size_t size, int *bad)
{
        void *v;

        if (!n)
                return NULL;
        if (n > SIZE_MAX / size || !(v = cxg_arena_alloc(&l->mem, n * size))) {
                *bad = 1;
                return NULL;
        }
        memset(v, 0, n * size);
        return v;
}

void eng_alert_init(struct eng_alert *a, int kind, int64_t at)
{
        memset(a, 0, sizeof(*a));
        a->kind = kind;
        a->detected_at = at;
        a->first_seen = at;
        a->health = NAN;
        a->has_evidence = 1;
}

/* "12%" style percent of a relative change, with sign. */
static double pct(double rel)
{
        return 100.0 * rel;
}

enum cxg_err eng_detect_nomem(struct cxg_error *err, const char *what)
{
        return cxg_error_set(err, CXG_ERR_NOMEM, "detect: %s: out of memory", what);
}

/* Adjusted p-values of n tests under the correction. */
static enum cxg_err adjust(int correction, const double *pv, size_t n, double *adj)
{
        switch (correction) {
        case ENG_CORR_BONFERRONI:
                eng_stats_bonferroni(pv, n, adj);
                return CXG_OK;
        case ENG_CORR_NONE:
                memcpy(adj, pv, n * sizeof(*adj));
                return CXG_OK;
        default:
                return eng_stats_bh(pv, n, adj);
        }
}

/* ---- 1. erosion behind growth ---- */

static int ero_test(const struct eng_erosion_segment *s, double min_n, struct eng_stats_test *t)
{
        if (s->metric == ENG_ERO_ENGAGEMENT) {
                double mb = eng_stats_moments_mean(&s->m_b);

                if (s->m_d.n < min_n || !(mb > 0))
                        return 0;
                if (eng_stats_one_mean_z(&s->m_d, 0, ENG_STATS_LESS, t))
                        return 0;
                /* report the two means; the test is on the paired differences */
                t->est1 = mb;
                t->est2 = eng_stats_moments_mean(&s->m_a);
                t->diff = t->est2 - t->est1;
                return 1;
        }
        if ((double)s->n_b < min_n || (double)s->n_a < min_n)
                return 0;
        return eng_stats_two_prop_z(s->x_b, s->n_b, s->x_a, s->n_a, ENG_STATS_LESS, t) == CXG_OK;
}

/* The segment's change relative to the rest's (NAN when the rest is unknown). */
static double vs_rest(const struct eng_erosion_segment *s, const struct eng_stats_test *t)
{
        if (!isfinite(s->rest_b) || !isfinite(s->rest_a) || !(s->rest_b > 0) || !(t->est1 > 0))
                return NAN;
        if (s->metric == ENG_ERO_RETENTION) {
                double lb = 1 - t->est1, la = 1 - t->est2, rb = 1 - s->rest_b, ra = 1 - s->rest_a;

                if (!(lb > 0) || !(rb > 0))
                        return NAN;
                if (!(ra > 0))
                        return la > 0 ? INFINITY : 0;
                return (la / lb) / (ra / rb) - 1; /* losses, relative: higher is worse */
        }
        if (!(s->rest_a > 0))
                return INFINITY; /* the rest collapsed entirely: this is no worse */
        return (t->est2 / t->est1) / (s->rest_a / s->rest_b) - 1;
}

/* The tests of one erosion run, shared by the steps below. */
struct ero_run {
        const struct eng_detect_params *p;
        const struct eng_erosion_topline *top;
        size_t n_top, hide; /* hide: the top line that grew most */
        double best;        /* its growth */
        const struct eng_erosion_segment *segs;
        struct eng_stats_test *t; /* test k is on segs[ix[k]] */
        double *pv, *adj;
        size_t *ix, nt;
        unsigned char *hit, *done;
        int64_t window_a, at;
};

/* The top line that grew most; 0 when none is usable. */
static int ero_topline(struct ero_run *r)
{
        r->best = -INFINITY;
        for (size_t i = 0; i < r->n_top; i++) {
                double g;

                if (!(r->top[i].before > 0) || !isfinite(r->top[i].after))
                        continue;
                g = (r->top[i].after - r->top[i].before) / r->top[i].before;
                if (g > r->best) {
                        r->best = g;
                        r->hide = i;
                }
        }
        return r->best >= r->p->ero_min_growth;
}

/* Whether test j shows erosion (after the correction). */
static int ero_hit(const struct ero_run *r, size_t j)
{
        const struct eng_detect_params *p = r->p;
        const struct eng_erosion_segment *g = &r->segs[r->ix[j]];
        const struct eng_stats_test *t = &r->t[j];
        double rel = t->est1 > 0 ? t->diff / t->est1 : 0, vr = vs_rest(g, t);

        if (g->metric == ENG_ERO_RETENTION) {
                /* 97% -> 94% retained is a small fall but twice the losses */
                double lb = 1 - t->est1, la = 1 - t->est2;

                return r->adj[j] <= p->ero_alpha && la > lb &&
                       (lb <= 0 || (la - lb) / lb >= p->ero_min_loss_rise) &&
                       (isnan(vr) || vr >= p->ero_min_loss_rise);
        }
        return r->adj[j] <= p->ero_alpha && rel <= -p->ero_min_drop &&
               (isnan(vr) || vr <= -p->ero_min_drop);
}

/* The evidence of test k. */
static void ero_metric(const struct ero_run *r, size_t k, struct eng_ev_erosion_metric *m)
{
        const struct eng_erosion_segment *s = &r->segs[r->ix[k]];
        const struct eng_stats_test *t = &r->t[k];
        int paired = s->metric == ENG_ERO_ENGAGEMENT;

        m->metric = s->metric;
        m->before = t->est1;
        m->after = t->est2;
        m->change = t->diff / t->est1;
        m->lost_before = 1 - t->est1;
        m->lost_after = 1 - t->est2;
        m->has_rest = isfinite(s->rest_b) && isfinite(s->rest_a);
        m->rest_before = s->rest_b;
        m->rest_after = s->rest_a;
        m->rest_change = s->rest_b > 0 ? s->rest_a / s->rest_b - 1 : NAN;
        m->relative_to_rest = vs_rest(s, t);
        m->n_before = paired ? (uint64_t)s->m_d.n : s->n_b;
        m->n_after = paired ? (uint64_t)s->m_d.n : s->n_a;
        m->z = t->z;
        m->p = t->p;
        m->p_adjusted = r->adj[k];
}

/* The top lines into e (arrays in out's arena); 1 when out of memory. */
static int ero_toplines(const struct ero_run *r, struct eng_alerts *out, struct eng_ev_erosion *e)
{
        const struct eng_erosion_topline *h = &r->top[r->hide];
        int bad = 0;

        e->top_line.metric = eng_ev_keep(out, h->name, &bad);
        e->top_line.before = h->before;
        e->top_line.after = h->after;
        e->top_line.growth = r->best;
        e->top_lines = eng_ev_keep_array(out, r->n_top, sizeof(*e->top_lines), &bad);
        for (size_t i = 0; !bad && i < r->n_top; i++) {
                const struct eng_erosion_topline *x = &r->top[i];

                e->top_lines[i].metric = eng_ev_keep(out, x->name, &bad);
                e->top_lines[i].before = x->before;
                e->top_lines[i].after = x->after;
                e->top_lines[i].growth = x->before > 0 ? (x->after - x->before) / x->before : NAN;
        }
        e->n_top_lines = r->n_top;
        return bad;
}

/* Append "metric -12% (0.9 -> 0.8) [rest +1%]" of m to what (length *wl). */
static void ero_what(const struct eng_ev_erosion_metric *m, char *what, size_t size, size_t *wl)
{
        if (*wl < size)
                *wl += (size_t)snprintf(what + *wl, size - *wl, "%s%s %.0f%% (%.3g -> %.3g)",
                                        *wl ? ", " : "", eng_erosion_metric_name(m->metric),
                                        pct(m->change), m->before, m->after);
        if (*wl < size && isfinite(m->rest_before) && m->rest_before > 0 && isfinite(m->rest_after))
                *wl += (size_t)snprintf(what + *wl, size - *wl, " [rest %+.0f%%]",
                                        pct(m->rest_after / m->rest_before - 1));
}

/* One alert for the segment of test j, listing each of its metrics that fell. */
static enum cxg_err ero_alert(struct ero_run *r, size_t j, struct eng_alerts *out,
                              struct cxg_error *err)
{
        const struct eng_detect_params *p = r->p;
        const struct eng_erosion_segment *s0 = &r->segs[r->ix[j]];
        const struct eng_erosion_topline *h = &r->top[r->hide];
        struct eng_alert a;
        struct eng_ev_erosion *e = &a.ev.erosion;
        double worst = 0, minp = 1;
        int bad = 0;
        size_t n = 0, wl = 0;
        char what[256] = "";

        eng_alert_init(&a, ENG_ALERT_EROSION, r->at);
        for (size_t k = j; k < r->nt; k++) {
                const struct eng_erosion_segment *s = &r->segs[r->ix[k]];

                r->done[k] = r->hit[k] && !r->done[k] && strcmp(s->field, s0->field) == 0 &&
                                     strcmp(s->value, s0->value) == 0
                                 ? 2 /* this alert's */
                                 : r->done[k];
                n += r->done[k] == 2;
        }
        e->metrics = eng_ev_keep_array(out, n, sizeof(*e->metrics), &bad);
        for (size_t k = j; !bad && k < r->nt; k++) {
                struct eng_ev_erosion_metric *m = &e->metrics[e->n_metrics];

                if (r->done[k] != 2)
                        continue;
                r->done[k] = 1;
                ero_metric(r, k, m);
                e->n_metrics++;
                if (m->change < worst)
                        worst = m->change;
                if (m->p_adjusted < minp)
                        minp = m->p_adjusted;
                ero_what(m, what, sizeof(what), &wl);
        }
        e->field = eng_ev_keep(out, s0->field, &bad);
        e->value = eng_ev_keep(out, s0->value, &bad);
        e->after_start = r->window_a;
        e->before_start = r->window_a - (int64_t)(p->window_days * CXG_DAY);
        e->end = r->at;
        e->days = p->window_days;
        bad |= ero_toplines(r, out, e);
        e->tests = r->nt;
        e->correction = p->ero_correction;
        e->alpha = p->ero_alpha;
        if (bad)
                return eng_detect_nomem(err, "erosion evidence");
        a.severity = worst <= -0.3 ? (n > 1 ? ENG_SEV_CRITICAL : ENG_SEV_HIGH) : ENG_SEV_MEDIUM;
        a.first_seen = r->window_a;
        snprintf(a.subject_type, sizeof(a.subject_type), "segment");
        snprintf(a.subject, sizeof(a.subject), "%s=%s", s0->field, s0->value);
        snprintf(a.dedup_key, sizeof(a.dedup_key), "%s:%s", eng_alert_kind_name(a.kind), a.subject);
        snprintf(a.summary, sizeof(a.summary),
                 "%s %s: %s over the last %.0f days (adjusted p = %.2g) while %s grew "
                 "%.1f%% (%.0f -> %.0f)",
                 s0->field, s0->value, what, p->window_days, minp, h->name, pct(r->best), h->before,
                 h->after);
        if (eng_alerts_push(out, &a))
                return eng_detect_nomem(err, "erosion");
        return CXG_OK;
}

enum cxg_err eng_detect_erosion(const struct eng_detect_params *p,
                                const struct eng_erosion_topline *top, size_t n_top,
                                const struct eng_erosion_segment *segs, size_t n_segs,
                                int64_t window_a, int64_t at, struct eng_alerts *out,
                                struct cxg_error *err)
{
        struct ero_run r = {
            .p = p, .top = top, .n_top = n_top, .segs = segs, .window_a = window_a, .at = at};
        enum cxg_err rc = CXG_OK;

        if (!ero_topline(&r) || !n_segs)
                return CXG_OK;
        r.t = cxg_calloc(n_segs, sizeof(*r.t));
        r.pv = cxg_calloc(n_segs, sizeof(*r.pv));
        r.adj = cxg_calloc(n_segs, sizeof(*r.adj));
        r.ix = cxg_calloc(n_segs, sizeof(*r.ix));
        r.hit = cxg_calloc(n_segs, 1);
        r.done = cxg_calloc(n_segs, 1);
        if (!r.t || !r.pv || !r.adj || !r.ix || !r.hit || !r.done) {
                rc = eng_detect_nomem(err, "erosion");
                goto done;
        }
        for (size_t i = 0; i < n_segs; i++) {
                if (!ero_test(&segs[i], p->ero_min_n, &r.t[r.nt]))
                        continue;
                r.pv[r.nt] = r.t[r.nt].p;
                r.ix[r.nt++] = i;
        }
        if (!r.nt)
                goto done;
        if (adjust(p->ero_correction, r.pv, r.nt, r.adj)) {
                rc = eng_detect_nomem(err, "erosion");
                goto done;
        }
        for (size_t j = 0; j < r.nt; j++)
                r.hit[j] = (unsigned char)ero_hit(&r, j);
        /* one alert per segment (field=value), listing each metric that fell */
        for (size_t j = 0; j < r.nt && !rc; j++)
                if (r.hit[j] && !r.done[j])
                        rc = ero_alert(&r, j, out, err);
done:
        cxg_free(r.t);
        cxg_free(r.pv);
        cxg_free(r.adj);
        cxg_free(r.ix);
        cxg_free(r.hit);
        cxg_free(r.done);
        return rc;
}

/* ---- 4. downgrade or cancellation wave ---- */

struct wave_test {
        size_t series;
        int event; /* 0 cancellation, 1 downgrade */
        uint64_t x_h, n_h, x_w, n_w;
        struct eng_stats_test t;
};

/* The test of event ev (0 cancellation, 1 downgrade) on series se; 0 when not testable. */
static int wave_test(const struct eng_detect_params *p, const struct eng_wave_series *se, int ev,
                     struct wave_test *w)
{
        const uint32_t *x = ev ? se->down : se->cancel;
        size_t last = se->n_periods - 1;
        size_t from = last > (size_t)p->wave_history ? last - (size_t)p->wave_history : 0;

        w->event = ev;
        for (size_t k = from; k < last; k++) {
                w->x_h += x[k];
                w->n_h += se->base[k];
        }
        w->x_w = x[last];
        w->n_w = se->base[last];
        if (!w->n_h || !w->n_w || (double)w->n_w < p->wave_min_base || w->x_w > w->n_w ||
            w->x_h > w->n_h)
                return 0;
        return eng_stats_two_prop_z(w->x_h, w->n_h, w->x_w, w->n_w, ENG_STATS_GREATER, &w->t) ==
               CXG_OK;
}

/* The alert of a wave found by test w (adjusted p-value adj, rate ratio ratio). */
static enum cxg_err wave_alert(const struct eng_detect_params *p, const struct eng_wave_series *se,
                               const struct wave_test *w, double adj, double ratio, int64_t at,
                               struct eng_alerts *out, struct cxg_error *err)
{
        const char *evname = w->event ? "downgrade" : "cancellation";
        size_t last = se->n_periods - 1;
        struct eng_alert a;
        struct eng_ev_wave *e = &a.ev.wave;
        int bad = 0;

        eng_alert_init(&a, ENG_ALERT_DOWNGRADE_WAVE, at);
        e->field = eng_ev_keep(out, se->field, &bad);
        e->value = eng_ev_keep(out, se->value, &bad);
        e->downgrade = w->event;
        e->window_start = se->window_start;
        e->window_days = p->wave_days;
        e->accounts = w->n_w;
        e->events = w->x_w;
        e->rate = w->t.est2;
        e->historical_rate = w->t.est1;
        e->historical_events = w->x_h;
        e->historical_exposure = w->n_h;
        e->ratio = ratio;
        e->z = w->t.z;
        e->p = w->t.p;
        e->p_adjusted = adj;
        e->cancellations = se->cancel[last];
        e->downgrades = se->down[last];
        e->periods = eng_ev_keep_array(out, se->n_periods, sizeof(*e->periods), &bad);
        for (size_t q = 0; !bad && q < se->n_periods; q++) {
                e->periods[q].accounts = se->base[q];
                e->periods[q].cancellations = se->cancel[q];
                e->periods[q].downgrades = se->down[q];
        }
        e->n_periods = se->n_periods;
        if (bad)
                return eng_detect_nomem(err, "wave evidence");
        a.severity = ratio >= 4 ? ENG_SEV_CRITICAL : ratio >= 3 ? ENG_SEV_HIGH : ENG_SEV_MEDIUM;
        a.first_seen = se->window_start;
        snprintf(a.subject_type, sizeof(a.subject_type), "%s",
                 strcmp(se->field, "plan") == 0 ? "plan" : "segment");
        snprintf(a.subject, sizeof(a.subject), "%s=%s", se->field, se->value);
        snprintf(a.dedup_key, sizeof(a.dedup_key), "%s:%s:%s", eng_alert_kind_name(a.kind),
                 a.subject, evname);
        snprintf(a.summary, sizeof(a.summary),
                 "%s %s: %u %ss out of %u accounts in %.0f days (%.1f%% against a usual "
                 "%.1f%%, x%.1f, adjusted p = %.2g)",
                 se->field, se->value, (unsigned)w->x_w, evname, (unsigned)w->n_w, p->wave_days,
                 100 * w->t.est2, 100 * w->t.est1, ratio, adj);
        if (eng_alerts_push(out, &a))
                return eng_detect_nomem(err, "waves");
        return CXG_OK;
}

enum cxg_err eng_detect_waves(const struct eng_detect_params *p, const struct eng_wave_series *s,
                              size_t n, int64_t at, struct eng_alerts *out, struct cxg_error *err)
{
        struct wave_test *t = NULL;
        double *pv = NULL, *adj = NULL;
        size_t nt = 0;
        enum cxg_err rc = CXG_OK;

        if (!n)
                return CXG_OK;
        t = cxg_calloc(2 * n, sizeof(*t));
        pv = cxg_calloc(2 * n, sizeof(*pv));
        adj = cxg_calloc(2 * n, sizeof(*adj));
        if (!t || !pv || !adj) {
                rc = eng_detect_nomem(err, "waves");
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                if (s[i].n_periods < 2)
                        continue;
                for (int ev = 0; ev < 2; ev++) {
                        memset(&t[nt], 0, sizeof(t[nt]));
                        t[nt].series = i;
                        if (!wave_test(p, &s[i], ev, &t[nt]))
                                continue;
                        pv[nt] = t[nt].t.p;
                        nt++;
                }
        }
        if (!nt)
                goto done;
        if (adjust(p->ero_correction, pv, nt, adj)) {
                rc = eng_detect_nomem(err, "waves");
                goto done;
        }
        for (size_t k = 0; k < nt && !rc; k++) {
                const struct wave_test *w = &t[k];
                double ratio = w->t.est1 > 0 ? w->t.est2 / w->t.est1 : INFINITY;

                if (!(adj[k] <= p->wave_alpha) || ratio < p->wave_min_ratio ||
                    (double)w->x_w < p->wave_min_events)
                        continue;
                rc = wave_alert(p, &s[w->series], w, adj[k], ratio, at, out, err);
        }
done:
        cxg_free(t);
        cxg_free(pv);
        cxg_free(adj);
        return rc;
}
