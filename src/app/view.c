/* view.c: builders shared by the JSON views of domain objects (see view.h). */
#include <math.h>

#include "app/view.h"
#include "core/banned.h"
#include "core/parse.h"

json_t *view_time(int64_t t)
{
        char d[32];

        return t == CXG_TS_NONE ? json_null() : json_string(cxg_time_format(t, d));
}

json_t *view_str(const char *s)
{
        return s ? json_string(s) : json_null();
}

json_t *view_num(double v)
{
        return isfinite(v) ? json_real(v) : json_null();
}

int view_put(json_t *o, const char *key, json_t *v)
{
        return !v || json_object_set_new(o, key, v) != 0;
}

json_t *view_done(json_t *o, int bad)
{
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

char *view_text(const json_t *v)
{
        return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
}
