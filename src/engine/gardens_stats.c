/*
 * gardens_stats.c: difference of proportions, Mantel-Haenszel risk difference with Sato's
 * variance, stratified difference of means, a mean with its interval and quantiles: the pure
 * statistics of garden impact (docs/scoring.md, "Gardens").
 */
#include "engine/gardens_stats.h"

#include <math.h>
#include <string.h>

#include "core/banned.h"

static void est_nan(struct eng_garden_est *out)
{
        memset(out, 0, sizeof(*out));
        out->diff = out->se = out->lo = out->hi = out->v1 = out->v0 = NAN;
}

static void interval(struct eng_garden_est *out, double var)
{
        if (!(var >= 0) || isnan(out->diff)) {
                out->se = out->lo = out->hi = NAN;
                return;
        }
        out->se = sqrt(var);
        out->lo = out->diff - ENG_GARDEN_Z95 * out->se;
        out->hi = out->diff + ENG_GARDEN_Z95 * out->se;
}

void eng_garden_diff_prop(double x1, double n1, double x0, double n0, struct eng_garden_est *out)
{
        double p1, p0;

        est_nan(out);
        out->n1 = n1;
        out->n0 = n0;
        if (!(n1 > 0) || !(n0 > 0))
                return;
        p1 = x1 / n1;
        p0 = x0 / n0;
        out->v1 = p1;
        out->v0 = p0;
        out->diff = p1 - p0;
        out->strata = 1;
        interval(out, p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0);
}

void eng_garden_mh_diff(const struct eng_garden_bin *strata, size_t k, struct eng_garden_est *out)
{
        double num = 0, w = 0, p = 0, q = 0, wp1 = 0, wp0 = 0, n1 = 0, n0 = 0;
        int used = 0;

        est_nan(out);
        for (size_t i = 0; i < k; i++) {
                const struct eng_garden_bin *s = &strata[i];
                double n = s->n1 + s->n0, wi;

                if (!(s->n1 > 0) || !(s->n0 > 0))
                        continue;
                wi = s->n1 * s->n0 / n;
                num += (s->x1 * s->n0 - s->x0 * s->n1) / n;
                w += wi;
                p += (s->n1 * s->n1 * s->x0 - s->n0 * s->n0 * s->x1 +
                      s->n1 * s->n0 * (s->n0 - s->n1) / 2) /
                     (n * n);
                q += (s->x1 * (s->n0 - s->x0) + s->x0 * (s->n1 - s->x1)) / (2 * n);
                wp1 += wi * s->x1 / s->n1;
                wp0 += wi * s->x0 / s->n0;
                n1 += s->n1;
                n0 += s->n0;
                used++;
        }
        out->n1 = n1;
        out->n0 = n0;
        out->strata = used;
        if (!used)
                return;
        out->diff = num / w;
        out->v1 = wp1 / w;
        out->v0 = wp0 / w;
        interval(out, (out->diff * p + q) / (w * w));
}

void eng_garden_strat_mean_diff(const struct eng_garden_num *strata, size_t k,
                                struct eng_garden_est *out)
{
        double a1 = 0, b1 = 0, c1 = 0, a0 = 0, b0 = 0, c0 = 0; /* overall n, sum, sumsq */
        double pool1, pool0, w = 0, num = 0, var = 0, wm1 = 0, wm0 = 0;
        int used = 0;

        est_nan(out);
        for (size_t i = 0; i < k; i++) {
                const struct eng_garden_num *s = &strata[i];

                if (!(s->n1 > 0) || !(s->n0 > 0))
                        continue;
                a1 += s->n1;
                b1 += s->s1;
                c1 += s->ss1;
                a0 += s->n0;
                b0 += s->s0;
                c0 += s->ss0;
        }
        pool1 = a1 > 1 ? (c1 - b1 * b1 / a1) / (a1 - 1) : NAN;
        pool0 = a0 > 1 ? (c0 - b0 * b0 / a0) / (a0 - 1) : NAN;
        if (pool1 < 0)
                pool1 = 0;
        if (pool0 < 0)
                pool0 = 0;
        for (size_t i = 0; i < k; i++) {
                const struct eng_garden_num *s = &strata[i];
                double wi, m1, m0, v1, v0;

                if (!(s->n1 > 0) || !(s->n0 > 0))
                        continue;
                wi = s->n1 * s->n0 / (s->n1 + s->n0);
                m1 = s->s1 / s->n1;
                m0 = s->s0 / s->n0;
                v1 = s->n1 >= 2 ? (s->ss1 - s->s1 * m1) / (s->n1 - 1) : pool1;
                v0 = s->n0 >= 2 ? (s->ss0 - s->s0 * m0) / (s->n0 - 1) : pool0;
                if (v1 < 0)
                        v1 = 0;
                if (v0 < 0)
                        v0 = 0;
                w += wi;
                num += wi * (m1 - m0);
                wm1 += wi * m1;
                wm0 += wi * m0;
                var += wi * wi * (v1 / s->n1 + v0 / s->n0);
                used++;
        }
        out->n1 = a1;
        out->n0 = a0;
        out->strata = used;
        if (!used)
                return;
        out->diff = num / w;
        out->v1 = wm1 / w;
        out->v0 = wm0 / w;
        interval(out, var / (w * w));
}

void eng_garden_mean_est(double n, double sum, double sumsq, int total, struct eng_garden_est *out)
{
        double m, var;

        est_nan(out);
        out->n1 = n;
        if (!(n > 0))
                return;
        m = sum / n;
        var = n > 1 ? (sumsq - sum * m) / (n - 1) : NAN;
        if (var < 0)
                var = 0;
        out->diff = total ? sum : m;
        out->v1 = m;
        out->strata = 1;
        interval(out, total ? var * n : var / n);
}

double eng_garden_quantile(const double *sorted, size_t n, double q)
{
        double h;
        size_t i;

        if (!n)
                return NAN;
        if (q <= 0)
                return sorted[0];
        if (q >= 1)
                return sorted[n - 1];
        h = (double)(n - 1) * q;
        i = (size_t)floor(h);
        if (i + 1 >= n)
                return sorted[n - 1];
        return sorted[i] + (h - (double)i) * (sorted[i + 1] - sorted[i]);
}
