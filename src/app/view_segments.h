/*
 * view_segments.h: the JSON of segments (cxgarden segments --json).
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
 * Append {"by":..., "entity":"accounts"|"people", "segments":[{"value":..., metrics...}],
 * "total":{...}} to out; show[m] selects the metrics (NULL: all). Churn is a fraction (0.265)
 * with the churned count beside it.
 */
enum cxg_err view_segments_json(const struct eng_segments *g, const char *by, int people,
                               const int *show, struct cxg_buf *out) CXG_WUR;

#endif
