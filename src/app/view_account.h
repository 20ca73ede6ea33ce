/*
 * view_account.h: the JSON of an account's scores (CLI accounts/account --json, GET
 * /api/v1/accounts/{id}/scores) and the components object stored in the score history. Engine
 * computes the structs; these render them, once for both front ends. Each appends to a cxg_buf and
 * returns CXG_OK or CXG_ERR_NOMEM / CXG_ERR_LIMIT.
 */
#ifndef CXG_APP_VIEW_ACCOUNT_H
#define CXG_APP_VIEW_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/engine.h"

/*
 * Append the JSON object of account a's scores to out: health, robustness, engagement, band,
 * scorecard, stage, components, experience against expectation and reasons; with detail also
 * the stakeholders (name, role, seniority, engagement, days inactive).
 */
enum cxg_err view_account_json(const struct eng_scores *r, uint32_t a, int detail,
                               struct cxg_buf *out) CXG_WUR;

/* Components, experience and reasons as the JSON object stored in the score history. */
enum cxg_err view_components_json(const struct eng_scores *r, uint32_t a,
                                  struct cxg_buf *out) CXG_WUR;

#endif
