/*
 * score_params.c: the parameters of the scores (docs/scoring.md): built-in defaults, the
 * [engagement] [health] [expectation] [robustness] [seniority] [channel] [type] and
 * [scorecard NAME] sections of the configuration, and the names of components, metrics,
 * bands and stages.
 */
#include "engine/score.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

static const char *const comp_names[ENG_C__COUNT] = {
    "stakeholders", "breadth",     "feedback",   "experience", "trend",
    "coverage",     "senior_hold", "resilience", "tenure",     "garden",
};
static const char *const metric_names[ENG_M__COUNT] = {"support_time", "latency", "failure_rate",
                                                       "csat"};

const char *eng_comp_name(int c)
{
        return c >= 0 && c < ENG_C__COUNT ? comp_names[c] : "?";
}

const char *eng_metric_name(int m)
{
        return m >= 0 && m < ENG_M__COUNT ? metric_names[m] : "?";
}

const char *eng_band_name(int band)
{
        switch (band) {
        case ENG_BAND_POOR:
                return "poor";
        case ENG_BAND_AVERAGE:
                return "average";
        case ENG_BAND_GOOD:
                return "good";
        default:
                return "unknown";
        }
}

const char *eng_stage_name(int stage)
{
        switch (stage) {
        case ENG_STAGE_ONBOARDING:
                return "onboarding";
        case ENG_STAGE_CHURNED:
                return "churned";
        default:
                return "active";
        }
}

/* ---- parameters ---- */

static void card_defaults(struct eng_scorecard *c, const char *name)
{
        static const double w[ENG_C__COUNT] = {0.35, 0.15, 0.20, 0.15, 0.15,
                                               0.30, 0.25, 0.20, 0.10, 0.15};

        memset(c, 0, sizeof(*c));
        snprintf(c->name, sizeof(c->name), "%s", name);
        memcpy(c->weight, w, sizeof(w));
        c->band_poor = 40;
        c->band_good = 70;
}

void eng_params_init(struct eng_params *p)
{
        static const double sen[CXG_SEN__COUNT] = {1, 1, 2, 3, 4};
        static const double ch[CXG_CH__COUNT] = {
            [CXG_CH_WEB] = 1,     [CXG_CH_APP] = 1,         [CXG_CH_EMAIL] = 0.5,
            [CXG_CH_PHONE] = 2,   [CXG_CH_CHAT] = 1,        [CXG_CH_SUPPORT] = 0.5,
            [CXG_CH_MEETING] = 3, [CXG_CH_COMMUNITY] = 1.5, [CXG_CH_EVENT] = 2,
            [CXG_CH_OTHER] = 1,
        };

        memset(p, 0, sizeof(*p));
        p->half_life_days = 30;
        p->window_days = 90;
        p->activity_scale = 10;
        p->breadth_channels = 3;
        p->breadth_caps = 5;
        p->w_activity = 0.6;
        p->w_breadth = 0.25;
        p->w_feedback = 0.15;
        p->engaged_threshold = 40;
        p->feedback_days = 180;
        p->trend_days = 30;
        p->ewma_alpha = 0.3;
        snprintf(p->expect_segment, sizeof(p->expect_segment), "plan");
        p->resilience_days = 60;
        p->bad_lookback_days = 365;
        p->tenure_full_days = 730;
        p->coverage_full = 8;
        p->hold_days = 180;
        memcpy(p->sen_weight, sen, sizeof(sen));
        memcpy(p->ch_weight, ch, sizeof(ch));
        card_defaults(&p->cards[0], "default");
        p->n_cards = 1;
}

struct pkey {
        const char *key;
        size_t off;
        double min, max;
};

#define PK(k, f, lo, hi)                                                                           \
        {                                                                                          \
                k, offsetof(struct eng_params, f), lo, hi                                          \
        }
static const struct pkey pkeys[] = {
    PK("engagement.half_life_days", half_life_days, 0.1, 3650),
    PK("engagement.window_days", window_days, 1, 3650),
    PK("engagement.activity_scale", activity_scale, 0.001, 1e9),
    PK("engagement.breadth_channels", breadth_channels, 1, CXG_CH__COUNT),
    PK("engagement.breadth_capabilities", breadth_caps, 1, ENG_MAX_CAPS),
    PK("engagement.weight_activity", w_activity, 0, 1000),
    PK("engagement.weight_breadth", w_breadth, 0, 1000),
    PK("engagement.weight_feedback", w_feedback, 0, 1000),
    PK("engagement.engaged_threshold", engaged_threshold, 0, 100),
    PK("health.feedback_days", feedback_days, 1, 3650),
    PK("health.trend_days", trend_days, 1, 365),
    PK("expectation.alpha", ewma_alpha, 0.001, 1),
    PK("robustness.resilience_days", resilience_days, 1, 365),
    PK("robustness.lookback_days", bad_lookback_days, 1, 3650),
    PK("robustness.tenure_full_days", tenure_full_days, 1, 36500),
    PK("robustness.coverage_full", coverage_full, 0.1, 1000),
    PK("robustness.hold_days", hold_days, 30, 3650),
};

static enum cxg_err num(const char *path, const struct cxg_config_entry *e, double min, double max,
                        double *out, struct cxg_error *err)
{
        double v;

        if (cxg_parse_double(e->value, strlen(e->value), &v, NULL) || v < min || v > max)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "config: %s:%ld: '%s' must be a number from %g to %g, not "
                                     "\"%s\"",
                                     path, e->line, e->key, min, max, e->value);
        *out = v;
        return CXG_OK;
}

static struct eng_scorecard *card_named(struct eng_params *p, const char *name, size_t n)
{
        char buf[48];

        if (n >= sizeof(buf))
                n = sizeof(buf) - 1;
        memcpy(buf, name, n);
        buf[n] = 0;
        for (size_t i = 0; i < p->n_cards; i++)
                if (strcmp(p->cards[i].name, buf) == 0)
                        return &p->cards[i];
        if (p->n_cards >= ENG_MAX_CARDS)
                return NULL;
        card_defaults(&p->cards[p->n_cards], buf);
        /* a new card starts from the default card's weights and bands */
        memcpy(p->cards[p->n_cards].weight, p->cards[0].weight, sizeof(p->cards[0].weight));
        p->cards[p->n_cards].band_poor = p->cards[0].band_poor;
        p->cards[p->n_cards].band_good = p->cards[0].band_good;
        return &p->cards[p->n_cards++];
}

static enum cxg_err bad_key(const struct cxg_config *c, const struct cxg_config_entry *e,
                            struct cxg_error *err)
{
        return cxg_error_set(err, CXG_ERR_INVALID, "config: %s:%ld: unknown key '%s'", c->path,
                             e->line, e->key);
}

static enum cxg_err card_key(struct eng_params *p, const struct cxg_config *c,
                             const struct cxg_config_entry *e, struct cxg_error *err)
{
        /* "scorecard NAME.key": the INI section "[scorecard NAME]" */
        const char *name = e->key + 10, *dot = strrchr(e->key, '.');
        struct eng_scorecard *card;
        const char *k;
        double v = 0;

        if (!dot || dot <= name)
                return bad_key(c, e, err);
        card = card_named(p, name, (size_t)(dot - name));
        if (!card)
                return cxg_error_set(err, CXG_ERR_LIMIT, "config: %s:%ld: more than %d scorecards",
                                     c->path, e->line, ENG_MAX_CARDS);
        k = dot + 1;
        if (strcmp(k, "match") == 0) {
                const char *eq = strchr(e->value, '=');

                if (!eq || eq == e->value || (size_t)(eq - e->value) >= sizeof(card->match_field))
                        return cxg_error_setf(err, CXG_ERR_INVALID, e->key,
                                              "config: %s:%ld: match must be FIELD=VALUE, not "
                                              "\"%s\"",
                                              c->path, e->line, e->value);
                snprintf(card->match_field, sizeof(card->match_field), "%.*s", (int)(eq - e->value),
                         e->value);
                snprintf(card->match_value, sizeof(card->match_value), "%s", eq + 1);
                return CXG_OK;
        }
        if (strcmp(k, "poor_below") == 0 || strcmp(k, "good_from") == 0) {
                if (num(c->path, e, 0, 100, &v, err))
                        return CXG_ERR_INVALID;
                if (k[0] == 'p')
                        card->band_poor = v;
                else
                        card->band_good = v;
                return CXG_OK;
        }
        for (int i = 0; i < ENG_C__COUNT; i++) {
                if (strcmp(k, comp_names[i]) == 0 ||
                    (strncmp(k, "weight_", 7) == 0 && strcmp(k + 7, comp_names[i]) == 0))
                        return num(c->path, e, 0, 1000, &card->weight[i], err);
        }
        return bad_key(c, e, err);
}

enum cxg_err eng_params_from_config(struct eng_params *p, const struct cxg_config *c,
                                    struct cxg_error *err)
{
        for (size_t i = 0; i < c->count; i++) {
                const struct cxg_config_entry *e = &c->entries[i];
                const char *k = e->key;
                int done = 0;
                enum cxg_err rc = CXG_OK;

                for (size_t j = 0; j < sizeof(pkeys) / sizeof(pkeys[0]) && !done; j++)
                        if (strcmp(k, pkeys[j].key) == 0) {
                                rc = num(c->path, e, pkeys[j].min, pkeys[j].max,
                                         (double *)((char *)p + pkeys[j].off), err);
                                done = 1;
                        }
                if (done) {
                        if (rc)
                                return rc;
                        continue;
                }
                if (strcmp(k, "expectation.segment") == 0) {
                        if (strlen(e->value) >= sizeof(p->expect_segment))
                                return bad_key(c, e, err);
                        snprintf(p->expect_segment, sizeof(p->expect_segment), "%s", e->value);
                } else if (strncmp(k, "seniority.", 10) == 0) {
                        int s = model_seniority_parse(k + 10, strlen(k + 10));

                        if (s < 0)
                                return bad_key(c, e, err);
                        if ((rc = num(c->path, e, 0, 1000, &p->sen_weight[s], err)))
                                return rc;
                } else if (strncmp(k, "channel.", 8) == 0) {
                        int ch = model_channel_parse(k + 8, strlen(k + 8));

                        if (ch < 0)
                                return bad_key(c, e, err);
                        if ((rc = num(c->path, e, 0, 1000, &p->ch_weight[ch], err)))
                                return rc;
                } else if (strncmp(k, "type.", 5) == 0) {
                        size_t t = p->n_type_weights;

                        if (t >= ENG_MAX_TYPE_WEIGHTS || strlen(k + 5) >= sizeof(p->type_name[0]))
                                return cxg_error_set(err, CXG_ERR_LIMIT,
                                                     "config: %s:%ld: at most %d type weights of "
                                                     "up to 47 characters",
                                                     c->path, e->line, ENG_MAX_TYPE_WEIGHTS);
                        snprintf(p->type_name[t], sizeof(p->type_name[t]), "%s", k + 5);
                        if ((rc = num(c->path, e, 0, 1000, &p->type_weight[t], err)))
                                return rc;
                        p->n_type_weights++;
                } else if (strncmp(k, "scorecard ", 10) == 0) {
                        if ((rc = card_key(p, c, e, err)))
                                return rc;
                } else if (strncmp(k, "engagement.", 11) == 0 || strncmp(k, "health.", 7) == 0 ||
                           strncmp(k, "expectation.", 12) == 0 ||
                           strncmp(k, "robustness.", 11) == 0) {
                        return bad_key(c, e, err);
                }
                /* other sections belong to other modules */
        }
        for (size_t i = 0; i < p->n_cards; i++)
                if (p->cards[i].band_poor > p->cards[i].band_good)
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "config: scorecard '%s': poor_below (%g) is above "
                                             "good_from (%g)",
                                             p->cards[i].name, p->cards[i].band_poor,
                                             p->cards[i].band_good);
        return CXG_OK;
}
