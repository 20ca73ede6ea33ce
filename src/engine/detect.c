/*
 * detect.c: the four early-warning detectors over plain arrays (erosion behind growth,
 * experience degradation, account at risk, downgrade or cancellation wave), the alert list
 * and the detectors' parameters. The rules are documented in docs/scoring.md, "Early
 * warning"; detect_snap.c feeds these functions from the engine snapshot.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "engine/detect.h"
#include "model/model.h"

#define DAY INT64_C(86400)
#define WEEK (7 * DAY)

/* ---- alert list ---- */

void eng_alerts_init(struct eng_alerts *l)
{
        memset(l, 0, sizeof(*l));
}

void eng_alerts_release(struct eng_alerts *l)
{
        for (size_t i = 0; i < l->n; i++)
                cxg_free(l->v[i].evidence);
        cxg_free(l->v);
        memset(l, 0, sizeof(*l));
}

enum cxg_err eng_alerts_push(struct eng_alerts *l, struct eng_alert *a)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 16;
                struct eng_alert *v = cxg_realloc(l->v, cap * sizeof(*v));

                if (!v) {
                        cxg_free(a->evidence);
                        a->evidence = NULL;
                        return CXG_ERR_NOMEM;
                }
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n++] = *a;
        a->evidence = NULL;
        return CXG_OK;
}

static const char *const kind_names[ENG_ALERT__COUNT] = {
    "erosion_behind_growth", "experience_degradation", "account_at_risk", "downgrade_wave"};
static const char *const sev_names[ENG_SEV__COUNT] = {"low", "medium", "high", "critical"};
static const char *const ero_names[ENG_ERO__COUNT] = {"active_share", "engagement", "retention"};

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

int64_t eng_week_start(int64_t t)
{
        int64_t days = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
        int64_t dow = (days + 3) % 7; /* 1970-01-01 was a Thursday: Monday = 0 */

        if (dow < 0)
                dow += 7;
        return (days - dow) * DAY;
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

/* Evidence: the JSON object as compact text owned by cxg_malloc; j is released. */
static enum cxg_err take_json(json_t *j, char **out)
{
        char *s;

        *out = NULL;
        if (!j)
                return CXG_ERR_NOMEM;
        s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (!s)
                return CXG_ERR_NOMEM;
        *out = cxg_strdup(s);
        free(s);
        return *out ? CXG_OK : CXG_ERR_NOMEM;
}

/* A JSON number, or null for NAN/inf (JSON has no NAN). */
static json_t *jnum(double v)
{
        return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jdate(int64_t t)
{
        char d[32];

        if (t == CXG_TS_NONE)
                return json_null();
        return json_string(cxg_date_format(t, d));
}

/* json_object_set_new that remembers a failure in *bad. */
static void jset(json_t *o, const char *k, json_t *v, int *bad)
{
        if (!o || !v || json_object_set_new(o, k, v))
                *bad = 1;
}

static void jappend(json_t *a, json_t *v, int *bad)
{
        if (!a || !v || json_array_append_new(a, v))
                *bad = 1;
}

static void alert_init(struct eng_alert *a, int kind, int64_t at)
{
        memset(a, 0, sizeof(*a));
        a->kind = kind;
        a->detected_at = at;
        a->first_seen = at;
        a->health = NAN;
}

/* "12%" style percent of a relative change, with sign. */
static double pct(double rel)
{
        return 100.0 * rel;
}

static enum cxg_err nomem(struct cxg_error *err, const char *what)
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

static const char *corr_name(int c)
{
        return c == ENG_CORR_BONFERRONI ? "bonferroni" : c == ENG_CORR_NONE ? "none" : "bh";
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

static const char *ero_unit(int metric)
{
        return metric == ENG_ERO_ENGAGEMENT ? "interactions per person"
               : metric == ENG_ERO_ACTIVE   ? "active share"
                                            : "retained share";
}

enum cxg_err eng_detect_erosion(const struct eng_detect_params *p,
                                const struct eng_erosion_topline *top, size_t n_top,
                                const struct eng_erosion_segment *segs, size_t n_segs,
                                int64_t window_a, int64_t at, struct eng_alerts *out,
                                struct cxg_error *err)
{
        struct eng_stats_test *t = NULL;
        double *pv = NULL, *adj = NULL, best = -INFINITY;
        size_t *ix = NULL, nt = 0, i, j, hide = 0;
        unsigned char *hit = NULL, *done = NULL;
        int64_t wlen = (int64_t)(p->window_days * DAY), window_b = window_a - wlen;
        enum cxg_err rc = CXG_OK;

        /* the top line that grew most: the figure that hides the erosion */
        for (i = 0; i < n_top; i++) {
                double g;

                if (!(top[i].before > 0) || !isfinite(top[i].after))
                        continue;
                g = (top[i].after - top[i].before) / top[i].before;
                if (g > best) {
                        best = g;
                        hide = i;
                }
        }
        if (!(best >= p->ero_min_growth) || !n_segs)
                return CXG_OK;

        t = cxg_calloc(n_segs, sizeof(*t));
        pv = cxg_calloc(n_segs, sizeof(*pv));
        adj = cxg_calloc(n_segs, sizeof(*adj));
        ix = cxg_calloc(n_segs, sizeof(*ix));
        hit = cxg_calloc(n_segs, 1);
        done = cxg_calloc(n_segs, 1);
        if (!t || !pv || !adj || !ix || !hit || !done) {
                rc = nomem(err, "erosion");
                goto done;
        }
        for (i = 0; i < n_segs; i++) {
                if (!ero_test(&segs[i], p->ero_min_n, &t[nt]))
                        continue;
                pv[nt] = t[nt].p;
                ix[nt++] = i;
        }
        if (!nt)
                goto done;
        if ((rc = adjust(p->ero_correction, pv, nt, adj))) {
                rc = nomem(err, "erosion");
                goto done;
        }
        for (j = 0; j < nt; j++) {
                const struct eng_erosion_segment *g = &segs[ix[j]];
                double rel = t[j].est1 > 0 ? t[j].diff / t[j].est1 : 0, vr = vs_rest(g, &t[j]);

                if (g->metric == ENG_ERO_RETENTION) {
                        /* 97% -> 94% retained is a small fall but twice the losses */
                        double lb = 1 - t[j].est1, la = 1 - t[j].est2;

                        hit[j] = adj[j] <= p->ero_alpha && la > lb &&
                                 (lb <= 0 || (la - lb) / lb >= p->ero_min_loss_rise) &&
                                 (isnan(vr) || vr >= p->ero_min_loss_rise);
                } else {
                        hit[j] = adj[j] <= p->ero_alpha && rel <= -p->ero_min_drop &&
                                 (isnan(vr) || vr <= -p->ero_min_drop);
                }
        }
        /* one alert per segment (field=value), listing each metric that fell */
        for (j = 0; j < nt; j++) {
                const struct eng_erosion_segment *s0 = &segs[ix[j]];
                struct eng_alert a;
                json_t *ev, *ms, *tl, *all;
                double worst = 0, minp = 1;
                int bad = 0, nhit = 0;
                char what[256] = "";
                size_t wl = 0;

                if (!hit[j] || done[j])
                        continue;
                alert_init(&a, ENG_ALERT_EROSION, at);
                ev = json_object();
                ms = json_array();
                for (size_t k = j; k < nt; k++) {
                        const struct eng_erosion_segment *s = &segs[ix[k]];
                        double rel;
                        json_t *m;

                        if (!hit[k] || done[k] || strcmp(s->field, s0->field) != 0 ||
                            strcmp(s->value, s0->value) != 0)
                                continue;
                        done[k] = 1;
                        nhit++;
                        rel = t[k].diff / t[k].est1;
                        if (rel < worst)
                                worst = rel;
                        if (adj[k] < minp)
                                minp = adj[k];
                        m = json_object();
                        jset(m, "metric", json_string(eng_erosion_metric_name(s->metric)), &bad);
                        jset(m, "unit", json_string(ero_unit(s->metric)), &bad);
                        jset(m, "before", jnum(t[k].est1), &bad);
                        jset(m, "after", jnum(t[k].est2), &bad);
                        jset(m, "change", jnum(rel), &bad);
                        if (s->metric == ENG_ERO_RETENTION) {
                                jset(m, "lost_before", jnum(1 - t[k].est1), &bad);
                                jset(m, "lost_after", jnum(1 - t[k].est2), &bad);
                        }
                        if (isfinite(s->rest_b) && isfinite(s->rest_a)) {
                                json_t *r = json_object();

                                jset(r, "before", jnum(s->rest_b), &bad);
                                jset(r, "after", jnum(s->rest_a), &bad);
                                jset(r, "change",
                                     jnum(s->rest_b > 0 ? s->rest_a / s->rest_b - 1 : NAN), &bad);
                                jset(m, "rest", r, &bad);
                                jset(m, "relative_to_rest", jnum(vs_rest(s, &t[k])), &bad);
                        }
                        if (s->metric == ENG_ERO_ENGAGEMENT)
                                jset(m, "test", json_string("paired z on per-person change"), &bad);
                        else
                                jset(m, "test", json_string("two-proportion z"), &bad);
                        jset(m, "n_before",
                             json_integer(s->metric == ENG_ERO_ENGAGEMENT ? (json_int_t)s->m_d.n
                                                                          : (json_int_t)s->n_b),
                             &bad);
                        jset(m, "n_after",
                             json_integer(s->metric == ENG_ERO_ENGAGEMENT ? (json_int_t)s->m_d.n
                                                                          : (json_int_t)s->n_a),
                             &bad);
                        jset(m, "z", jnum(t[k].z), &bad);
                        jset(m, "p", jnum(t[k].p), &bad);
                        jset(m, "p_adjusted", jnum(adj[k]), &bad);
                        jappend(ms, m, &bad);
                        if (wl < sizeof(what))
                                wl += (size_t)snprintf(what + wl, sizeof(what) - wl,
                                                       "%s%s %.0f%% (%.3g -> %.3g)", wl ? ", " : "",
                                                       eng_erosion_metric_name(s->metric), pct(rel),
                                                       t[k].est1, t[k].est2);
                        if (wl < sizeof(what) && isfinite(s->rest_b) && s->rest_b > 0 &&
                            isfinite(s->rest_a))
                                wl += (size_t)snprintf(what + wl, sizeof(what) - wl,
                                                       " [rest %+.0f%%]",
                                                       pct(s->rest_a / s->rest_b - 1));
                }
                tl = json_object();
                jset(tl, "metric", json_string(top[hide].name), &bad);
                jset(tl, "before", jnum(top[hide].before), &bad);
                jset(tl, "after", jnum(top[hide].after), &bad);
                jset(tl, "growth", jnum(best), &bad);
                all = json_array();
                for (i = 0; i < n_top; i++) {
                        json_t *o = json_object();

                        jset(o, "metric", json_string(top[i].name), &bad);
                        jset(o, "before", jnum(top[i].before), &bad);
                        jset(o, "after", jnum(top[i].after), &bad);
                        jset(o, "growth",
                             jnum(top[i].before > 0 ? (top[i].after - top[i].before) / top[i].before
                                                    : NAN),
                             &bad);
                        jappend(all, o, &bad);
                }
                {
                        json_t *seg = json_object(), *win = json_object();

                        jset(seg, "field", json_string(s0->field), &bad);
                        jset(seg, "value", json_string(s0->value), &bad);
                        jset(ev, "segment", seg, &bad);
                        jset(win, "before_start", jdate(window_b), &bad);
                        jset(win, "after_start", jdate(window_a), &bad);
                        jset(win, "end", jdate(at), &bad);
                        jset(win, "days", json_real(p->window_days), &bad);
                        jset(ev, "window", win, &bad);
                }
                jset(ev, "top_line", tl, &bad);
                jset(ev, "top_lines", all, &bad);
                jset(ev, "metrics", ms, &bad);
                jset(ev, "tests", json_integer((json_int_t)nt), &bad);
                jset(ev, "correction", json_string(corr_name(p->ero_correction)), &bad);
                jset(ev, "alpha", json_real(p->ero_alpha), &bad);
                if (bad) {
                        json_decref(ev);
                        rc = nomem(err, "erosion evidence");
                        goto done;
                }
                if ((rc = take_json(ev, &a.evidence))) {
                        rc = nomem(err, "erosion evidence");
                        goto done;
                }
                a.severity =
                    worst <= -0.3 ? (nhit > 1 ? ENG_SEV_CRITICAL : ENG_SEV_HIGH) : ENG_SEV_MEDIUM;
                a.first_seen = window_a;
                snprintf(a.subject_type, sizeof(a.subject_type), "segment");
                snprintf(a.subject, sizeof(a.subject), "%s=%s", s0->field, s0->value);
                snprintf(a.dedup_key, sizeof(a.dedup_key), "%s:%s", eng_alert_kind_name(a.kind),
                         a.subject);
                snprintf(a.summary, sizeof(a.summary),
                         "%s %s: %s over the last %.0f days (adjusted p = %.2g) while %s grew "
                         "%.1f%% (%.0f -> %.0f)",
                         s0->field, s0->value, what, p->window_days, minp, top[hide].name,
                         pct(best), top[hide].before, top[hide].after);
                if ((rc = eng_alerts_push(out, &a))) {
                        rc = nomem(err, "erosion");
                        goto done;
                }
        }
done:
        cxg_free(t);
        cxg_free(pv);
        cxg_free(adj);
        cxg_free(ix);
        cxg_free(hit);
        cxg_free(done);
        return rc;
}

/* ---- 2. experience degradation ---- */

static int usable(const struct eng_detect_params *p, const struct eng_week_stat *w)
{
        return (double)w->n >= p->exp_min_count;
}

/* Judge week i against the usable weeks before week `before` (the run start). */
static enum cxg_err judge(const struct eng_detect_params *p, const struct eng_week_stat *w,
                          size_t i, size_t before, double *hp, double *hf, double *h50,
                          struct eng_drift *d, int *drift_p95, int *drift_fail, int *judged)
{
        size_t nh = 0, np = 0, k = before;
        struct eng_stats_robust rp, rf;
        enum cxg_err rc;
        double fail, m, floor;

        *drift_p95 = *drift_fail = *judged = 0;
        while (k-- > 0 && nh < (size_t)p->exp_history_weeks) {
                if (!usable(p, &w[k]))
                        continue;
                hf[nh] = (double)w[k].failed / (double)w[k].n;
                if (w[k].n_dur >= p->exp_min_count && !isnan(w[k].p95)) {
                        hp[np] = w[k].p95;
                        h50[np++] = w[k].p50;
                }
                nh++;
        }
        if (nh < (size_t)p->exp_min_history)
                return CXG_OK;
        *judged = 1;
        fail = (double)w[i].failed / (double)w[i].n;
        /* failure rate: sigma at least the binomial noise of this week's count */
        if ((rc = eng_stats_robust_z(fail, hf, nh, 0, &rf)))
                return rc;
        m = rf.median;
        floor = sqrt((m > 0 ? m : 1.0 / (double)w[i].n) * (1 - m) / (double)w[i].n);
        if (floor > rf.sigma) {
                rf.sigma = floor;
                rf.z = (fail - rf.median) / floor;
        }
        d->base_fail = rf.median;
        d->sigma_fail = rf.sigma;
        d->z_fail = rf.z;
        *drift_fail = rf.z >= p->exp_z && fail - rf.median >= p->exp_min_fail_delta;
        d->base_p95 = d->base_p50 = NAN;
        d->z_p95 = NAN;
        if (np >= (size_t)p->exp_min_history && w[i].n_dur >= p->exp_min_count &&
            !isnan(w[i].p95)) {
                double med50 = eng_stats_median(h50, np);

                if ((rc = eng_stats_robust_z(w[i].p95, hp, np, 0, &rp)))
                        return rc;
                floor = p->exp_floor_rel * rp.median;
                if (floor > rp.sigma) {
                        rp.sigma = floor;
                        rp.z = rp.sigma > 0 ? (w[i].p95 - rp.median) / rp.sigma : 0;
                }
                d->base_p95 = rp.median;
                d->base_p50 = med50;
                d->sigma_p95 = rp.sigma;
                d->z_p95 = rp.z;
                *drift_p95 =
                    rp.z >= p->exp_z && rp.median > 0 && w[i].p95 >= p->exp_min_ratio * rp.median;
        }
        return CXG_OK;
}

enum cxg_err eng_detect_drift(const struct eng_detect_params *p,
                              const struct eng_experience_series *s, struct eng_drift *out)
{
        size_t hcap = (size_t)p->exp_history_weeks, run = 0, start = 0;
        double *hp, *hf, *h50;
        enum cxg_err rc = CXG_OK;
        struct eng_drift d, last;

        memset(out, 0, sizeof(*out));
        memset(&last, 0, sizeof(last));
        if (!s->n_weeks)
                return CXG_OK;
        hp = cxg_malloc(3 * (hcap + 1) * sizeof(double));
        if (!hp)
                return CXG_ERR_NOMEM;
        hf = hp + hcap + 1;
        h50 = hf + hcap + 1;
        for (size_t i = 0; i < s->n_weeks; i++) {
                int dp = 0, df = 0, judged = 0;

                memset(&d, 0, sizeof(d));
                if (usable(p, &s->weeks[i]) && (rc = judge(p, s->weeks, i, run ? start : i, hp, hf,
                                                           h50, &d, &dp, &df, &judged)))
                        goto done;
                if (judged && (dp || df)) {
                        if (!run)
                                start = i;
                        run++;
                        last = d;
                        last.on_p95 = dp;
                        last.on_fail = df;
                } else {
                        run = 0;
                }
        }
        if (run >= (size_t)p->exp_persist) {
                *out = last;
                out->fired = 1;
                out->first_week = start;
                out->run = run;
        }
done:
        cxg_free(hp);
        return rc;
}

enum cxg_err eng_detect_experience(const struct eng_detect_params *p,
                                   const struct eng_experience_series *s, size_t n,
                                   eng_exposure_cb exposure, void *ctx, int64_t at,
                                   struct eng_alerts *out, struct cxg_error *err)
{
        struct eng_exposure *top = NULL;
        size_t maxtop = p->exp_top_accounts > 0 ? (size_t)p->exp_top_accounts : 0;
        enum cxg_err rc = CXG_OK;

        if (maxtop && !(top = cxg_calloc(maxtop, sizeof(*top))))
                return nomem(err, "experience");
        for (size_t i = 0; i < n; i++) {
                const struct eng_week_stat *w0, *wl;
                struct eng_drift d;
                struct eng_alert a;
                json_t *ev, *weeks, *acc;
                size_t ntop = 0;
                int bad = 0;
                double fail0, faill, slow;
                char d1[16];

                if ((rc = eng_detect_drift(p, &s[i], &d))) {
                        rc = nomem(err, "experience");
                        goto done;
                }
                if (!d.fired)
                        continue;
                w0 = &s[i].weeks[d.first_week];
                wl = &s[i].weeks[s[i].n_weeks - 1];
                fail0 = (double)w0->failed / (double)w0->n;
                faill = (double)wl->failed / (double)wl->n;
                slow = isnan(d.base_p95) ? INFINITY : d.base_p95;
                if (exposure && maxtop &&
                    (rc = exposure(ctx, i, w0->start, slow, top, maxtop, &ntop))) {
                        cxg_error_set(err, rc, "detect: experience: exposed accounts of \"%s\": %s",
                                      s[i].type, cxg_strerror(rc));
                        goto done;
                }
                alert_init(&a, ENG_ALERT_EXPERIENCE, at);
                ev = json_object();
                jset(ev, "interaction_type", json_string(s[i].type), &bad);
                jset(ev, "first_week", jdate(w0->start), &bad);
                jset(ev, "weeks_drifting", json_integer((json_int_t)d.run), &bad);
                {
                        json_t *b = json_object(), *c = json_object();

                        jset(b, "p50_ms", jnum(d.base_p50), &bad);
                        jset(b, "p95_ms", jnum(d.base_p95), &bad);
                        jset(b, "failure_rate", jnum(d.base_fail), &bad);
                        jset(b, "p95_sigma_ms", jnum(d.sigma_p95), &bad);
                        jset(b, "failure_sigma", jnum(d.sigma_fail), &bad);
                        jset(ev, "baseline", b, &bad);
                        jset(c, "week", jdate(wl->start), &bad);
                        jset(c, "p50_ms", jnum(wl->p50), &bad);
                        jset(c, "p95_ms", jnum(wl->p95), &bad);
                        jset(c, "failure_rate", jnum(faill), &bad);
                        jset(c, "interactions", json_integer(wl->n), &bad);
                        jset(c, "z_p95", jnum(d.z_p95), &bad);
                        jset(c, "z_failure", jnum(d.z_fail), &bad);
                        jset(ev, "current", c, &bad);
                }
                jset(ev, "drifting",
                     json_string(d.on_p95 && d.on_fail ? "p95,failure_rate"
                                 : d.on_p95            ? "p95"
                                                       : "failure_rate"),
                     &bad);
                weeks = json_array();
                for (size_t k = d.first_week; k < s[i].n_weeks; k++) {
                        const struct eng_week_stat *w = &s[i].weeks[k];
                        json_t *o = json_object();

                        jset(o, "week", jdate(w->start), &bad);
                        jset(o, "interactions", json_integer(w->n), &bad);
                        jset(o, "p50_ms", jnum(w->p50), &bad);
                        jset(o, "p95_ms", jnum(w->p95), &bad);
                        jset(o, "failure_rate", jnum((double)w->failed / (double)w->n), &bad);
                        jappend(weeks, o, &bad);
                }
                jset(ev, "weeks", weeks, &bad);
                acc = json_array();
                for (size_t k = 0; k < ntop; k++) {
                        json_t *o = json_object();

                        jset(o, "account", json_string(top[k].account ? top[k].account : ""), &bad);
                        jset(o, "name", top[k].name ? json_string(top[k].name) : json_null(), &bad);
                        jset(o, "bad", json_integer(top[k].bad), &bad);
                        jset(o, "interactions", json_integer(top[k].total), &bad);
                        jappend(acc, o, &bad);
                }
                jset(ev, "accounts_most_exposed", acc, &bad);
                jset(ev, "slow_threshold_ms", jnum(slow), &bad);
                if (bad) {
                        json_decref(ev);
                        rc = nomem(err, "experience evidence");
                        goto done;
                }
                if ((rc = take_json(ev, &a.evidence))) {
                        rc = nomem(err, "experience evidence");
                        goto done;
                }
                {
                        double ratio = d.base_p95 > 0 ? wl->p95 / d.base_p95 : NAN;

                        a.severity = (d.on_p95 && ratio >= 5) || (d.on_p95 && d.on_fail)
                                         ? ENG_SEV_CRITICAL
                                     : (d.on_p95 && ratio >= 2) || d.on_fail ? ENG_SEV_HIGH
                                                                             : ENG_SEV_MEDIUM;
                        a.first_seen = w0->start;
                        snprintf(a.subject_type, sizeof(a.subject_type), "interaction_type");
                        snprintf(a.subject, sizeof(a.subject), "%s", s[i].type);
                        snprintf(a.dedup_key, sizeof(a.dedup_key), "%s:%s",
                                 eng_alert_kind_name(a.kind), s[i].type);
                        if (d.on_p95)
                                snprintf(a.summary, sizeof(a.summary),
                                         "\"%s\" p95 duration %.0f ms against a usual %.0f ms "
                                         "(x%.1f) since the week of %s (%zu weeks); failure "
                                         "rate %.1f%% (usual %.1f%%)",
                                         s[i].type, wl->p95, d.base_p95, ratio,
                                         cxg_date_format(w0->start, d1), d.run, 100 * faill,
                                         100 * d.base_fail);
                        else
                                snprintf(a.summary, sizeof(a.summary),
                                         "\"%s\" failure rate %.1f%% against a usual %.1f%% "
                                         "since the week of %s (%zu weeks); p95 %.0f ms",
                                         s[i].type, 100 * faill, 100 * d.base_fail,
                                         cxg_date_format(w0->start, d1), d.run, wl->p95);
                        (void)fail0;
                }
                if ((rc = eng_alerts_push(out, &a))) {
                        rc = nomem(err, "experience");
                        goto done;
                }
        }
done:
        cxg_free(top);
        return rc;
}

/* ---- 3. account at risk ---- */

/* Signal weights; severity from their sum (docs/scoring.md). */
enum {
        W_HEALTH = 2,
        W_EXEC_LEFT = 2,
        W_CHAMPION = 2,
        W_EXEC_SILENT = 2,
        W_DETRACTOR = 1,
        W_DOWNGRADE = 2
};

static int is_detractor(const struct eng_detect_params *p, const struct eng_risk_feedback *f)
{
        if (f->seniority < CXG_SEN_DIRECTOR)
                return 0;
        if (f->kind == CXG_FB_NPS)
                return f->score <= p->risk_nps_max;
        if (f->kind == CXG_FB_CSAT || f->kind == CXG_FB_RATING)
                return f->score <= p->risk_csat_max;
        return 0;
}

static const char *who(const struct eng_risk_person *q)
{
        return q->name && *q->name ? q->name : q->id;
}

enum cxg_err eng_detect_at_risk(const struct eng_detect_params *p, const struct eng_risk_account *a,
                                size_t n, int64_t at, struct eng_alerts *out, struct cxg_error *err)
{
        int64_t recent = at - (int64_t)(p->risk_days * DAY);

        for (size_t i = 0; i < n; i++) {
                const struct eng_risk_account *ac = &a[i];
                const struct eng_risk_person *champ = NULL, *key = NULL;
                struct eng_alert al;
                json_t *ev, *sig;
                int bad = 0, weight = 0, nsig = 0;
                int64_t first = at;
                char text[400] = "";
                size_t tl = 0;
                enum cxg_err rc;

                if (ac->churned)
                        continue;
                ev = json_object();
                sig = json_array();
#define SIGNAL(w, when, ...)                                                                       \
        do {                                                                                       \
                weight += (w);                                                                     \
                nsig++;                                                                            \
                if ((when) != CXG_TS_NONE && (when) < first)                                       \
                        first = (when);                                                            \
                if (tl < sizeof(text))                                                             \
                        tl +=                                                                      \
                            (size_t)snprintf(text + tl, sizeof(text) - tl, "%s", tl ? "; " : "");  \
                if (tl < sizeof(text))                                                             \
                        tl += (size_t)snprintf(text + tl, sizeof(text) - tl, __VA_ARGS__);         \
        } while (0)

                if (!isnan(ac->health) && !isnan(ac->health_before) &&
                    ac->health_before - ac->health > p->risk_health_drop) {
                        json_t *o = json_object();

                        jset(o, "signal", json_string("health_drop"), &bad);
                        jset(o, "before", jnum(ac->health_before), &bad);
                        jset(o, "now", jnum(ac->health), &bad);
                        jset(o, "drop", jnum(ac->health_before - ac->health), &bad);
                        jappend(sig, o, &bad);
                        SIGNAL(W_HEALTH, recent,
                               "health fell %.0f points in %.0f days (%.0f -> %.0f)",
                               ac->health_before - ac->health, p->risk_days, ac->health_before,
                               ac->health);
                }
                for (size_t k = 0; k < ac->n_people; k++) {
                        const struct eng_risk_person *q = &ac->people[k];

                        if ((double)q->n_prior >= p->risk_min_active &&
                            (!champ || q->n_prior > champ->n_prior))
                                champ = q;
                }
                for (size_t k = 0; k < ac->n_people; k++) {
                        const struct eng_risk_person *q = &ac->people[k];
                        int exec = q->seniority == CXG_SEN_EXECUTIVE, left, silent;
                        json_t *o;

                        if ((double)q->n_prior < p->risk_min_active || (!exec && q != champ))
                                continue;
                        left = q->left_at != CXG_TS_NONE && q->left_at > recent && q->left_at <= at;
                        silent = !left && q->n_recent == 0 &&
                                 (q->left_at == CXG_TS_NONE || q->left_at > at);
                        if (!left && !silent)
                                continue;
                        o = json_object();
                        jset(o, "signal",
                             json_string(left ? (exec ? "executive_left" : "champion_left")
                                              : (exec ? "executive_silent" : "champion_silent")),
                             &bad);
                        jset(o, "person", json_string(q->id), &bad);
                        jset(o, "name", q->name ? json_string(q->name) : json_null(), &bad);
                        jset(o, "role", q->role ? json_string(q->role) : json_null(), &bad);
                        jset(o, "seniority", json_string(model_seniority_name(q->seniority)), &bad);
                        jset(o, "champion", json_boolean(q == champ), &bad);
                        jset(o, "interactions_prior", json_integer(q->n_prior), &bad);
                        jset(o, "last_active", jdate(q->last_active), &bad);
                        if (left)
                                jset(o, "left_at", jdate(q->left_at), &bad);
                        jappend(sig, o, &bad);
                        if (!key || (exec && key->seniority != CXG_SEN_EXECUTIVE))
                                key = q;
                        if (left)
                                SIGNAL(exec ? W_EXEC_LEFT : W_CHAMPION, q->left_at, "%s %s%s left",
                                       exec ? "executive" : "champion", who(q),
                                       exec && q == champ ? " (the champion)" : "");
                        else
                                SIGNAL(exec ? W_EXEC_SILENT : W_CHAMPION,
                                       q->last_active != CXG_TS_NONE ? q->last_active : recent,
                                       "%s %s%s silent for %.0f+ days after %u interactions",
                                       exec ? "executive" : "champion", who(q),
                                       exec && q == champ ? " (the champion)" : "", p->risk_days,
                                       q->n_prior);
                }
                for (size_t k = 0; k < ac->n_feedback; k++) {
                        const struct eng_risk_feedback *f = &ac->feedback[k];
                        json_t *o;

                        if (!is_detractor(p, f) || f->ts <= recent || f->ts > at)
                                continue;
                        o = json_object();
                        jset(o, "signal", json_string("senior_detractor"), &bad);
                        jset(o, "person", json_string(f->person ? f->person : ""), &bad);
                        jset(o, "name", f->name ? json_string(f->name) : json_null(), &bad);
                        jset(o, "seniority", json_string(model_seniority_name(f->seniority)), &bad);
                        jset(o, "kind", json_string(model_fb_kind_name(f->kind)), &bad);
                        jset(o, "score", json_real(f->score), &bad);
                        jset(o, "at", jdate(f->ts), &bad);
                        jappend(sig, o, &bad);
                        SIGNAL(W_DETRACTOR, f->ts, "%s %s answered %s %g",
                               model_seniority_name(f->seniority),
                               f->name && *f->name ? f->name : (f->person ? f->person : ""),
                               model_fb_kind_name(f->kind), f->score);
                }
                if (ac->downgraded_at != CXG_TS_NONE && ac->downgraded_at > recent &&
                    ac->downgraded_at <= at && !isnan(ac->mrr_before) && !isnan(ac->mrr) &&
                    ac->mrr < ac->mrr_before) {
                        json_t *o = json_object();

                        jset(o, "signal", json_string("downgrade"), &bad);
                        jset(o, "mrr_before", jnum(ac->mrr_before), &bad);
                        jset(o, "mrr", jnum(ac->mrr), &bad);
                        jset(o, "plan_before",
                             ac->plan_before ? json_string(ac->plan_before) : json_null(), &bad);
                        jset(o, "plan", ac->plan ? json_string(ac->plan) : json_null(), &bad);
                        jset(o, "at", jdate(ac->downgraded_at), &bad);
                        jappend(sig, o, &bad);
                        SIGNAL(
                            W_DOWNGRADE, ac->downgraded_at, "downgraded %s%s%s (MRR %.0f -> %.0f)",
                            ac->plan_before ? ac->plan_before : "", ac->plan_before ? " -> " : "",
                            ac->plan ? ac->plan : "", ac->mrr_before, ac->mrr);
                }
#undef SIGNAL
                if (!nsig) {
                        json_decref(ev);
                        json_decref(sig);
                        continue;
                }
                alert_init(&al, ENG_ALERT_AT_RISK, at);
                jset(ev, "account", json_string(ac->id), &bad);
                jset(ev, "name", ac->name ? json_string(ac->name) : json_null(), &bad);
                jset(ev, "owner", ac->owner ? json_string(ac->owner) : json_null(), &bad);
                jset(ev, "plan", ac->plan ? json_string(ac->plan) : json_null(), &bad);
                jset(ev, "mrr", jnum(ac->mrr), &bad);
                jset(ev, "health", jnum(ac->health), &bad);
                jset(ev, "health_before", jnum(ac->health_before), &bad);
                jset(ev, "window_days", json_real(p->risk_days), &bad);
                jset(ev, "weight", json_integer(weight), &bad);
                jset(ev, "signals", sig, &bad);
                if (bad) {
                        json_decref(ev);
                        return nomem(err, "account at risk evidence");
                }
                if (take_json(ev, &al.evidence))
                        return nomem(err, "account at risk evidence");
                al.severity = weight >= 5   ? ENG_SEV_CRITICAL
                              : weight >= 4 ? ENG_SEV_HIGH
                              : weight >= 2 ? ENG_SEV_MEDIUM
                                            : ENG_SEV_LOW;
                al.first_seen = first;
                al.health = ac->health;
                snprintf(al.subject_type, sizeof(al.subject_type), "account");
                snprintf(al.subject, sizeof(al.subject), "%s", ac->id);
                snprintf(al.account, sizeof(al.account), "%s", ac->id);
                snprintf(al.owner, sizeof(al.owner), "%s", ac->owner ? ac->owner : "");
                if (key)
                        snprintf(al.person, sizeof(al.person), "%s", key->id);
                snprintf(al.dedup_key, sizeof(al.dedup_key), "%s:%s", eng_alert_kind_name(al.kind),
                         ac->id);
                snprintf(al.summary, sizeof(al.summary), "%s%s%s%s: %s",
                         ac->name && *ac->name ? ac->name : ac->id,
                         ac->name && *ac->name ? " (" : "", ac->name && *ac->name ? ac->id : "",
                         ac->name && *ac->name ? ")" : "", text);
                if ((rc = eng_alerts_push(out, &al)))
                        return nomem(err, "account at risk");
        }
        return CXG_OK;
}

/* ---- 4. downgrade or cancellation wave ---- */

struct wave_test {
        size_t series;
        int event; /* 0 cancellation, 1 downgrade */
        uint64_t x_h, n_h, x_w, n_w;
        struct eng_stats_test t;
};

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
                rc = nomem(err, "waves");
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                size_t last, from;

                if (s[i].n_periods < 2)
                        continue;
                last = s[i].n_periods - 1;
                from = last > (size_t)p->wave_history ? last - (size_t)p->wave_history : 0;
                for (int ev = 0; ev < 2; ev++) {
                        const uint32_t *x = ev ? s[i].down : s[i].cancel;
                        struct wave_test *w = &t[nt];

                        memset(w, 0, sizeof(*w));
                        w->series = i;
                        w->event = ev;
                        for (size_t k = from; k < last; k++) {
                                w->x_h += x[k];
                                w->n_h += s[i].base[k];
                        }
                        w->x_w = x[last];
                        w->n_w = s[i].base[last];
                        if (!w->n_h || !w->n_w || (double)w->n_w < p->wave_min_base ||
                            w->x_w > w->n_w || w->x_h > w->n_h)
                                continue;
                        if (eng_stats_two_prop_z(w->x_h, w->n_h, w->x_w, w->n_w, ENG_STATS_GREATER,
                                                 &w->t))
                                continue;
                        pv[nt++] = w->t.p;
                }
        }
        if (!nt)
                goto done;
        if (adjust(p->ero_correction, pv, nt, adj)) {
                rc = nomem(err, "waves");
                goto done;
        }
        for (size_t k = 0; k < nt; k++) {
                const struct wave_test *w = &t[k];
                const struct eng_wave_series *se = &s[w->series];
                double ratio = w->t.est1 > 0 ? w->t.est2 / w->t.est1 : INFINITY;
                const char *evname = w->event ? "downgrade" : "cancellation";
                struct eng_alert a;
                json_t *ev, *hist;
                int bad = 0;
                size_t last = se->n_periods - 1;

                if (!(adj[k] <= p->wave_alpha) || ratio < p->wave_min_ratio ||
                    (double)w->x_w < p->wave_min_events)
                        continue;
                alert_init(&a, ENG_ALERT_DOWNGRADE_WAVE, at);
                ev = json_object();
                jset(ev, "field", json_string(se->field), &bad);
                jset(ev, "value", json_string(se->value), &bad);
                jset(ev, "event", json_string(evname), &bad);
                jset(ev, "window_start", jdate(se->window_start), &bad);
                jset(ev, "window_days", json_real(p->wave_days), &bad);
                jset(ev, "accounts", json_integer((json_int_t)w->n_w), &bad);
                jset(ev, "events", json_integer((json_int_t)w->x_w), &bad);
                jset(ev, "rate", jnum(w->t.est2), &bad);
                jset(ev, "historical_rate", jnum(w->t.est1), &bad);
                jset(ev, "historical_events", json_integer((json_int_t)w->x_h), &bad);
                jset(ev, "historical_exposure", json_integer((json_int_t)w->n_h), &bad);
                jset(ev, "ratio", jnum(ratio), &bad);
                jset(ev, "z", jnum(w->t.z), &bad);
                jset(ev, "p", jnum(w->t.p), &bad);
                jset(ev, "p_adjusted", jnum(adj[k]), &bad);
                jset(ev, "cancellations", json_integer(se->cancel[last]), &bad);
                jset(ev, "downgrades", json_integer(se->down[last]), &bad);
                hist = json_array();
                for (size_t q = 0; q < se->n_periods; q++) {
                        json_t *o = json_object();

                        jset(o, "accounts", json_integer(se->base[q]), &bad);
                        jset(o, "cancellations", json_integer(se->cancel[q]), &bad);
                        jset(o, "downgrades", json_integer(se->down[q]), &bad);
                        jappend(hist, o, &bad);
                }
                jset(ev, "periods", hist, &bad);
                if (bad) {
                        json_decref(ev);
                        rc = nomem(err, "wave evidence");
                        goto done;
                }
                if (take_json(ev, &a.evidence)) {
                        rc = nomem(err, "wave evidence");
                        goto done;
                }
                a.severity = ratio >= 4   ? ENG_SEV_CRITICAL
                             : ratio >= 3 ? ENG_SEV_HIGH
                                          : ENG_SEV_MEDIUM;
                a.first_seen = se->window_start;
                snprintf(a.subject_type, sizeof(a.subject_type), "%s",
                         strcmp(se->field, "plan") == 0 ? "plan" : "segment");
                snprintf(a.subject, sizeof(a.subject), "%s=%s", se->field, se->value);
                snprintf(a.dedup_key, sizeof(a.dedup_key), "%s:%s:%s", eng_alert_kind_name(a.kind),
                         a.subject, evname);
                snprintf(a.summary, sizeof(a.summary),
                         "%s %s: %u %ss out of %u accounts in %.0f days (%.1f%% against a usual "
                         "%.1f%%, x%.1f, adjusted p = %.2g)",
                         se->field, se->value, (unsigned)w->x_w, evname, (unsigned)w->n_w,
                         p->wave_days, 100 * w->t.est2, 100 * w->t.est1, ratio, adj[k]);
                if ((rc = eng_alerts_push(out, &a))) {
                        rc = nomem(err, "waves");
                        goto done;
                }
        }
done:
        cxg_free(t);
        cxg_free(pv);
        cxg_free(adj);
        return rc;
}
