/*
 * fuzz_api_route.c: libFuzzer harness for the API's request routing (api_route_match in
 * src/api/api_router.c). The first byte picks the method, the rest is the path. Checks: a
 * matched route has the method asked for (HEAD as GET), and substituting the captured {params}
 * into its pattern gives back exactly the path; every parameter is non-empty, NUL-terminated
 * and free of '/'; a path that matches nothing is reported known only when some pattern fits it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken promise: name the check, then crash so libFuzzer keeps the input */
#define FAIL() fail_at(__LINE__)

static void fail_at(int line)
{
        fprintf(stderr, "%s:%d: check failed\n", __FILE__, line);
        __builtin_trap();
}

static const char *const methods[] = {"GET",    "POST", "PUT",     "PATCH",
                                      "DELETE", "HEAD", "OPTIONS", "get"};

/* the pattern with its {params} replaced by r's captures, into out */
static int rebuild(const char *pat, const struct api_req *r, char *out, size_t cap)
{
        size_t o = 0;
        int np = 0;

        while (*pat) {
                if (*pat == '{') {
                        const char *v = np < r->nparams ? r->params[np++] : "";
                        size_t n = strlen(v);

                        if (o + n >= cap)
                                return -1;
                        memcpy(out + o, v, n);
                        o += n;
                        pat = strchr(pat, '}');
                        if (!pat)
                                return -1;
                        pat++;
                        continue;
                }
                if (o + 1 >= cap)
                        return -1;
                out[o++] = *pat++;
        }
        out[o] = '\0';
        return np == r->nparams ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct api_req r;
        char path[1024], back[2048];
        const char *m;
        int known = -1, i;
        size_t n;

        if (size < 1)
                return 0;
        m = methods[data[0] % (sizeof(methods) / sizeof(methods[0]))];
        n = size - 1 < sizeof(path) - 1 ? size - 1 : sizeof(path) - 1;
        memcpy(path, data + 1, n);
        path[n] = '\0';
        memset(&r, 0, sizeof(r));
        i = api_route_match(&r, m, path, &known);
        if (known < 0 || known > 2)
                FAIL();
        if (i < 0)
                return 0;
        if ((size_t)i >= api_nroutes)
                FAIL();
        if (strcmp(api_routes[i].method, strcmp(m, "HEAD") == 0 ? "GET" : m) != 0)
                FAIL();
        if (r.nparams < 0 || r.nparams > API_MAX_PARAMS)
                FAIL();
        for (int p = 0; p < r.nparams; p++) {
                size_t len = strnlen(r.params[p], sizeof(r.params[p]));

                if (len == 0 || len == sizeof(r.params[p]) || strchr(r.params[p], '/'))
                        FAIL();
        }
        /* the catch-all asset route matches embedded files by name */
        if (strcmp(api_routes[i].pattern, "/{asset}") == 0)
                return 0;
        if (rebuild(api_routes[i].pattern, &r, back, sizeof(back)) || strcmp(back, path) != 0)
                FAIL();
        return 0;
}
