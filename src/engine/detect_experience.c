/*
 * detect_experience.c: experience degradation, the second early-warning detector: the drift
 * rule on the weekly duration and failure series of each interaction type, and the alert
 * with its evidence (docs/scoring.md, "Early warning").
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "engine/detect.h"
#include "engine/detect_int.h"
#include "model/model.h"

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

/* The evidence of a drift d on series s, with the ntop accounts of top (copied into out). */
static int exp_evidence(const struct eng_experience_series *s, const struct eng_drift *d,
                        const struct eng_exposure *top, size_t ntop, double slow,
                        struct eng_alerts *out, struct eng_ev_experience *e)
{
        const struct eng_week_stat *w0 = &s->weeks[d->first_week];
        int bad = 0;

        e->interaction_type = eng_ev_keep(out, s->type, &bad);
        e->first_week = w0->start;
        e->weeks_drifting = d->run;
        e->base_p50_ms = d->base_p50;
        e->base_p95_ms = d->base_p95;
        e->base_failure_rate = d->base_fail;
        e->base_p95_sigma_ms = d->sigma_p95;
        e->base_failure_sigma = d->sigma_fail;
        e->z_p95 = d->z_p95;
        e->z_failure = d->z_fail;
        e->on_p95 = d->on_p95;
        e->on_failure = d->on_fail;
        e->n_weeks = s->n_weeks - d->first_week;
        e->weeks = eng_ev_keep_array(out, e->n_weeks, sizeof(*e->weeks), &bad);
        for (size_t k = 0; !bad && k < e->n_weeks; k++) {
                const struct eng_week_stat *w = &w0[k];

                e->weeks[k].week = w->start;
                e->weeks[k].interactions = w->n;
                e->weeks[k].p50_ms = w->p50;
                e->weeks[k].p95_ms = w->p95;
                e->weeks[k].failure_rate = (double)w->failed / (double)w->n;
        }
        if (!bad)
                e->current = e->weeks[e->n_weeks - 1];
        e->exposed = eng_ev_keep_array(out, ntop, sizeof(*e->exposed), &bad);
        for (size_t k = 0; !bad && k < ntop; k++) {
                e->exposed[k].account =
                    eng_ev_keep(out, top[k].account ? top[k].account : "", &bad);
                e->exposed[k].name = eng_ev_keep(out, top[k].name, &bad);
                e->exposed[k].bad = top[k].bad;
                e->exposed[k].total = top[k].total;
        }
        e->n_exposed = ntop;
        e->slow_threshold_ms = slow;
        return bad;
}

/* Severity, subject and summary of an experience alert whose evidence is set. */
static void exp_describe(struct eng_alert *a)
{
        const struct eng_ev_experience *e = &a->ev.experience;
        const struct eng_ev_week *wl = &e->current;
        double ratio = e->base_p95_ms > 0 ? wl->p95_ms / e->base_p95_ms : NAN;
        char d1[16];

        a->severity = (e->on_p95 && ratio >= 5) || (e->on_p95 && e->on_failure) ? ENG_SEV_CRITICAL
                      : (e->on_p95 && ratio >= 2) || e->on_failure              ? ENG_SEV_HIGH
                                                                                : ENG_SEV_MEDIUM;
        a->first_seen = e->first_week;
        snprintf(a->subject_type, sizeof(a->subject_type), "interaction_type");
        snprintf(a->subject, sizeof(a->subject), "%s", e->interaction_type);
        snprintf(a->dedup_key, sizeof(a->dedup_key), "%s:%s", eng_alert_kind_name(a->kind),
                 e->interaction_type);
        if (e->on_p95)
                snprintf(a->summary, sizeof(a->summary),
                         "\"%s\" p95 duration %.0f ms against a usual %.0f ms "
                         "(x%.1f) since the week of %s (%zu weeks); failure "
                         "rate %.1f%% (usual %.1f%%)",
                         e->interaction_type, wl->p95_ms, e->base_p95_ms, ratio,
                         cxg_date_format(e->first_week, d1), e->weeks_drifting,
                         100 * wl->failure_rate, 100 * e->base_failure_rate);
        else
                snprintf(a->summary, sizeof(a->summary),
                         "\"%s\" failure rate %.1f%% against a usual %.1f%% "
                         "since the week of %s (%zu weeks); p95 %.0f ms",
                         e->interaction_type, 100 * wl->failure_rate, 100 * e->base_failure_rate,
                         cxg_date_format(e->first_week, d1), e->weeks_drifting, wl->p95_ms);
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
                return eng_detect_nomem(err, "experience");
        for (size_t i = 0; i < n; i++) {
                struct eng_drift d;
                struct eng_alert a;
                size_t ntop = 0;
                double slow;
                int64_t since;

                if ((rc = eng_detect_drift(p, &s[i], &d))) {
                        rc = eng_detect_nomem(err, "experience");
                        goto done;
                }
                if (!d.fired)
                        continue;
                since = s[i].weeks[d.first_week].start;
                slow = isnan(d.base_p95) ? INFINITY : d.base_p95;
                if (exposure && maxtop &&
                    (rc = exposure(ctx, i, since, slow, top, maxtop, &ntop))) {
                        cxg_error_set(err, rc, "detect: experience: exposed accounts of \"%s\": %s",
                                      s[i].type, cxg_strerror(rc));
                        goto done;
                }
                eng_alert_init(&a, ENG_ALERT_EXPERIENCE, at);
                if (exp_evidence(&s[i], &d, top, ntop, slow, out, &a.ev.experience)) {
                        rc = eng_detect_nomem(err, "experience evidence");
                        goto done;
                }
                exp_describe(&a);
                if ((rc = eng_alerts_push(out, &a))) {
                        rc = eng_detect_nomem(err, "experience");
                        goto done;
                }
        }
done:
        cxg_free(top);
        return rc;
}
