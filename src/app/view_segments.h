/*
 * view_segments.h: the JSON of segments (cxgarden segments --json, GET /api/v1/segments).
 * Engine computes the structs; these render them, once for both front ends. Each appends
 * to a cxg_buf and returns CXG_OK or CXG_ERR_NOMEM / CXG_ERR_LIMIT.
 */
#ifndef CXG_APP_VIEW_SEGMENTS_H
#define CXG_APP_VIEW_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/segments.h"

/*
 * Append {"by":..., "entity":"accounts"|"people", "at":..., "segments":[{"name":..., "count",
 * "churned", "churn_rate" (percent), "mrr", "health", "engagement", "nps", "nps_answers"}],
 * "total":{...}} to out (the API's document); show[m] (NULL: all) keeps only some metrics, each
 * with its companion count (churn: churned, nps: nps_answers).
 */
enum cxg_err view_segments_json(const struct eng_segments *g, const char *by, int people,
                                int64_t at, const int *show, struct cxg_buf *out) CXG_WUR;

#endif
