/*
 * view_voc.h: the JSON of voice-of-the-customer statistics and comment themes (cxgarden nps/csat/
 * ces/voc/themes --json and GET /api/v1/voc/...).
 * Engine computes the structs; these render them, once for both front ends. Each appends
 * to a cxg_buf and returns CXG_OK or CXG_ERR_NOMEM / CXG_ERR_LIMIT.
 */
#ifndef CXG_APP_VIEW_VOC_H
#define CXG_APP_VIEW_VOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/voc.h"
#include "engine/snapshot.h"
#include "engine/themes.h"

/* Append a statistic as a JSON object (counts, value, interval, weighted figure) to b. */
enum cxg_err view_voc_stat_json(const struct eng_voc_stat *st, struct cxg_buf *b) CXG_WUR;

/* Append the report as a JSON object: metric, weight, by, all, groups[], months[]. */
enum cxg_err view_voc_report_json(const struct eng_voc_report *rep, struct cxg_buf *b) CXG_WUR;

/* Append the experience result as JSON (by_outcome, by_band with bounds, none, all) to b. */
enum cxg_err view_voc_experience_json(const struct eng_voc_exp_result *res,
                                      const struct eng_voc_exp_cfg *cfg, struct cxg_buf *b) CXG_WUR;

/*
 * Append the report as a JSON object to b: the groups with their comment counts, the prior,
 * and themes_a[] / themes_b[] each with z (and z_unweighted), counts and example comments
 * (text, account, person, kind, score, date).
 */
enum cxg_err view_themes_json(const struct eng_snapshot *s, const struct eng_themes_report *rep,
                              struct cxg_buf *b) CXG_WUR;

#endif
