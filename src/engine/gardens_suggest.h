/*
 * gardens_suggest.h: candidate suggestions for a garden: the most engaged and robust accounts
 * (and in each its most engaged stakeholder) not yet in a garden, weighted by the garden's
 * topic and restricted to its target segment (docs/scoring.md, "Gardens").
 */
#ifndef CXG_ENG_GARDENS_SUGGEST_H
#define CXG_ENG_GARDENS_SUGGEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/score.h"
#include "model/garden.h"
#include "store/store.h"

struct eng_garden_candidate {
        uint32_t account;  /* account index in the snapshot */
        uint32_t person;   /* suggested stakeholder's person index, ENG_NONE when none */
        double score;      /* 0-100 */
        double engagement; /* account engagement 0-100 */
        double robustness; /* 0-100 */
        double topic;      /* the topic's signal 0-100, NAN when the topic has none */
        double person_engagement;
};

/* What is left out of the suggestions, from the store (every garden's people and accounts). */
struct eng_garden_exclude {
        uint8_t *account; /* per account index: 1 = already has a member in a garden */
        uint8_t *person;  /* per person index: 1 = invited to or member of a garden */
};

/*
 * Mark in x (arrays of the snapshot's sizes, owned by the caller: eng_garden_exclude_release)
 * the accounts with an accepted member in any garden and the people invited to or in any
 * garden, read from the store.
 */
enum cxg_err eng_garden_exclude_load(struct eng_garden_exclude *x, const struct eng_snapshot *s,
                                     struct store *st, struct cxg_error *err) CXG_WUR;
void eng_garden_exclude_release(struct eng_garden_exclude *x);

/*
 * The topic's signal for account a (0-100, NAN when the topic has none): experience ->
 * the experience component, context / deep purpose / long-term fit -> tenure, success
 * contribution -> health, cost and revenue -> the account's MRR percentile, adaptation ->
 * the 30-day trend, data supply -> breadth, robustness -> robustness, custom -> none.
 */
double eng_garden_topic_signal(const struct eng_scores *r, uint32_t a, int topic,
                               const float *mrr_pct);

/*
 * Rank candidates for a garden of `topic` with target segment `segment` ("field=value" on
 * plan, currency, owner or an attribute; NULL: all): active accounts not excluded, score =
 * 0.4 engagement + 0.4 robustness + 0.2 topic signal (without a signal: the mean of the two),
 * each with its most engaged stakeholder not excluded. The best `limit` go to *out
 * (cxg_malloc'ed, caller frees) and their count to *n.
 */
enum cxg_err eng_garden_suggest(const struct eng_scores *r, const struct eng_garden_exclude *x,
                                int topic, const char *segment, size_t limit,
                                struct eng_garden_candidate **out, size_t *n,
                                struct cxg_error *err) CXG_WUR;

#endif
