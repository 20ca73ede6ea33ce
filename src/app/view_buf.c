/* view_buf.c: helpers of the views that append JSON text to a cxg_buf (view_buf.h). */
#include "app/view_buf.h"

#include <math.h>

#include "core/banned.h"

enum cxg_err view_buf_num(struct cxg_buf *b, const char *key, double v, int comma)
{
        if (!isfinite(v))
                return cxg_buf_printf(b, "%s\"%s\":null", comma ? "," : "", key);
        return cxg_buf_printf(b, "%s\"%s\":%.6g", comma ? "," : "", key, v);
}
