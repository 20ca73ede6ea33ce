/* fuzz_parse.c: libFuzzer harness for timestamp, boolean and number parsing. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *s = (const char *)data;
        struct cxg_error err;
        int64_t t, i;
        double d;
        int b;
        char out[32];

        if (cxg_parse_time(s, size, &t, &err) == CXG_OK) {
                /* a parsed date formats back and parses to the same instant (whole seconds) */
                cxg_time_format(t, out);
                if (t > -62135596800LL && t < 253402300800LL) {
                        int64_t t2;

                        if (cxg_parse_time(out, strlen(out), &t2, &err) != CXG_OK || t2 != t)
                                __builtin_trap();
                }
        }
        (void)cxg_parse_bool(s, size, &b, &err);
        (void)cxg_parse_int64(s, size, &i, &err);
        (void)cxg_parse_double(s, size, &d, &err);
        (void)cxg_utf8_valid(s, size);
        return 0;
}
