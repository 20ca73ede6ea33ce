/*
 * view_fit.h: the JSON of fit reports: objectives against plan and use (cxgarden fit --json and
 * GET /api/v1/accounts/{id}/fit, /api/v1/fit/summary).
 * Engine computes the structs; these render them, once for both front ends. Each appends
 * to a cxg_buf and returns CXG_OK or CXG_ERR_NOMEM / CXG_ERR_LIMIT.
 */
#ifndef CXG_APP_VIEW_FIT_H
#define CXG_APP_VIEW_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/fit.h"
#include "engine/snapshot.h"

/*
 * Append the account report as a JSON object to b: account, plan, MRR, as_of, window, coverage,
 * objectives[] (with needs: available, included, used, gap), under_reach[], over_reach[] (with
 * price shares), stakeholders[] (with engagement and their objectives).
 */
enum cxg_err view_fit_account_json(const struct eng_fit_view *v,
                                   const struct eng_fit_account_report *r,
                                   struct cxg_buf *b) CXG_WUR;

/*
 * Append the product summary as a JSON object to b: totals, objectives[] under-reached by MRR
 * at stake, blocking[] needs, plans[] with each plan's paid-and-unused capabilities. limit
 * caps the objectives and blocking lists (0: all).
 */
enum cxg_err view_fit_summary_json(const struct eng_fit_view *v, const struct eng_fit_summary *sum,
                                   size_t limit, struct cxg_buf *b) CXG_WUR;

/* Append the rows as a JSON array (objective, account, plan, MRR, gaps, missing ids) to b. */
enum cxg_err view_fit_under_json(const struct eng_fit_view *v, const struct eng_fit_under_row *rows,
                                 size_t n, struct cxg_buf *b) CXG_WUR;

#endif
