/*
 * view_buf.h: helpers of the views that append JSON text to a cxg_buf (view_fit.c,
 * view_voc.c), so a number reads the same in each.
 */
#ifndef CXG_APP_VIEW_BUF_H
#define CXG_APP_VIEW_BUF_H

#include "core/buf.h"
#include "core/err.h"

/* Append "KEY":V (",KEY":V when comma) with %.6g, or null when v is not finite. */
enum cxg_err view_buf_num(struct cxg_buf *b, const char *key, double v, int comma) CXG_WUR;

#endif
