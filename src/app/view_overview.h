/*
 * view_overview.h: the dashboard's JSON: top-line monthly series, the scored account list with
 * sparklines and an account's recent activity (GET /api/v1/overview...).
 * Engine computes the structs; these render them, once for both front ends. Each appends
 * to a cxg_buf and returns CXG_OK or CXG_ERR_NOMEM / CXG_ERR_LIMIT.
 */
#ifndef CXG_APP_VIEW_OVERVIEW_H
#define CXG_APP_VIEW_OVERVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/score.h"
#include "engine/snapshot.h"

/* Months of history in the overview and sparklines when the caller asks for 0. */
#define VIEW_OVERVIEW_MONTHS 24

/*
 * Append the overview of snapshot s with scores r (computed on s) as one JSON object to b:
 * at, totals (accounts, active accounts, people, active people: an interaction in the engagement
 * window, engaged people, MRR, mean health, robustness and engagement) and months[] (the last
 * `months` months of data, 0: ENG_OVERVIEW_MONTHS, at most 240): month "YYYY-MM", mrr,
 * paying_accounts, active_people, interactions, interactions_per_active. Read-only over s and r.
 * Errors: CXG_ERR_NOMEM, CXG_ERR_LIMIT.
 */
enum cxg_err view_overview_json(const struct eng_snapshot *s, const struct eng_scores *r,
                                size_t months, struct cxg_buf *b) CXG_WUR;

/*
 * Append every account with its scores as one JSON object to b: at, months[] (labels of the
 * trend), items[] with id, name, plan, owner, mrr, health, robustness, engagement, band, stage,
 * churned and trend[] (interactions per month over the last `months` months, 0:
 * 12, at most 240). Read-only over s and r. Errors: CXG_ERR_NOMEM, CXG_ERR_LIMIT.
 */
enum cxg_err view_overview_accounts_json(const struct eng_snapshot *s, const struct eng_scores *r,
                                         size_t months, struct cxg_buf *b) CXG_WUR;

/*
 * Append account a's recent activity as one JSON object to b: id, interactions[] (the newest
 * `limit` interactions of both snapshot segments, newest first: ts, person, type, channel,
 * outcome, duration_ms, value) and feedback[] (the newest `limit` answers: ts, person, kind,
 * score, comment). limit 1-1000. Read-only over s. Errors: CXG_ERR_NOMEM, CXG_ERR_LIMIT.
 */
enum cxg_err view_overview_timeline_json(const struct eng_snapshot *s, uint32_t a, size_t limit,
                                         struct cxg_buf *b) CXG_WUR;

#endif
