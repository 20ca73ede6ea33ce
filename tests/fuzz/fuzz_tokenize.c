/* fuzz_tokenize.c: libFuzzer harness for the comment tokenizer and the themes ranking. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/parse.h"
#include "engine/themes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eng_tokenizer tok;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *s = (const char *)data;
        char w[ENG_THEMES_MAX_TOKEN + 1];
        size_t pos = 0, len, last = 0;
        int brk;
        struct cxg_error err;

        /* the scanner: words are valid UTF-8, non-empty, capped, and the position advances */
        while ((len = eng_themes_next_word(s, size, &pos, w, sizeof(w), &brk)) > 0) {
                if (len > ENG_THEMES_MAX_TOKEN || w[len] != '\0' || strlen(w) != len ||
                    !cxg_utf8_valid(w, len) || pos > size || pos <= last)
                        __builtin_trap();
                last = pos;
        }
        if (!ready) {
                if (eng_themes_tokenizer_init(&tok, "english", 1024, &err) != CXG_OK)
                        __builtin_trap();
                ready = 1;
        }
        if (eng_themes_tokenize(&tok, s, size, NULL) != CXG_OK)
                __builtin_trap();
        for (size_t i = 0; i < tok.n; i++)
                if (!tok.tok[i].stem ||
                    !cxg_utf8_valid(tok.tok[i].surface, strlen(tok.tok[i].surface)))
                        __builtin_trap();
        /* the whole pipeline on the input split in two groups at its middle */
        if (size >= 2) {
                struct eng_themes_doc d[2] = {{s, size / 2, 0, 1.0},
                                              {s + size / 2, size - size / 2, 1, 2.0}};
                struct eng_themes_cfg cfg;
                struct eng_themes_result r;

                eng_themes_cfg_init(&cfg);
                cfg.min_docs = 1;
                cfg.weighted = size & 1;
                if (eng_themes_compute(&cfg, d, 2, &r, &err) != CXG_OK)
                        __builtin_trap();
                for (size_t i = 0; i < r.n_a; i++)
                        if (!(r.a[i].z > 0))
                                __builtin_trap();
                eng_themes_result_release(&r);
        }
        return 0;
}
