/*
 * themes.c: tokenizer (UTF-8, lower case, stopwords, Snowball stems) and the weighted
 * log-odds ratio with an informative Dirichlet prior that ranks comment themes of one group
 * against another. Owns its tokenizer state and the result arena it hands back.
 * Formulas: docs/scoring.md, "Voice of the customer" (eng_themes_compute).
 */
#include "engine/themes.h"

#include <libstemmer.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"

/* ---- stopwords (function words; negations are kept: "not working" is a theme) ---- */

static const char *const stop_english[] = {
    "a",         "about",      "above",      "after",   "again",  "against", "all",     "also",
    "am",        "an",         "and",        "any",     "are",    "as",      "at",      "be",
    "because",   "been",       "before",     "being",   "below",  "between", "both",    "but",
    "by",        "can",        "could",      "did",     "do",     "does",    "doing",   "down",
    "during",    "each",       "even",       "few",     "for",    "from",    "further", "get",
    "got",       "had",        "has",        "have",    "having", "he",      "her",     "here",
    "hers",      "herself",    "him",        "himself", "his",    "how",     "i",       "i'd",
    "i'll",      "i'm",        "i've",       "if",      "in",     "into",    "is",      "it",
    "it's",      "its",        "itself",     "just",    "let's",  "me",      "more",    "most",
    "much",      "my",         "myself",     "of",      "off",    "on",      "once",    "only",
    "or",        "other",      "ought",      "our",     "ours",   "out",     "over",    "own",
    "quite",     "really",     "same",       "she",     "should", "so",      "some",    "still",
    "such",      "than",       "that",       "that's",  "the",    "their",   "theirs",  "them",
    "then",      "there",      "there's",    "these",   "they",   "they're", "they've", "this",
    "those",     "through",    "to",         "too",     "under",  "until",   "up",      "us",
    "very",      "was",        "we",         "we're",   "we've",  "were",    "what",    "what's",
    "when",      "where",      "which",      "while",   "who",    "whom",    "why",     "will",
    "with",      "would",      "you",        "you're",  "you've", "your",    "yours",   "yourself",
    "ourselves", "themselves", "yourselves", NULL};

static const char *const stop_portuguese[] = {
    "a",      "à",      "ao",     "aos",    "aquela", "aquele", "aquilo", "as",    "às",   "até",
    "com",    "como",   "da",     "das",    "de",     "dela",   "dele",   "do",    "dos",  "e",
    "é",      "ela",    "elas",   "ele",    "eles",   "em",     "entre",  "era",   "essa", "esse",
    "esta",   "está",   "estão",  "estava", "este",   "eu",     "foi",    "há",    "isso", "isto",
    "já",     "lhe",    "lhes",   "mais",   "mas",    "me",     "mesmo",  "meu",   "meus", "minha",
    "minhas", "muita",  "muito",  "na",     "nas",    "no",     "nos",    "nós",   "num",  "numa",
    "o",      "os",     "ou",     "para",   "pela",   "pelas",  "pelo",   "pelos", "por",  "porque",
    "qual",   "quando", "que",    "quem",   "se",     "ser",    "seu",    "seus",  "só",   "sua",
    "suas",   "são",    "também", "te",     "tem",    "têm",    "ter",    "tinha", "um",   "uma",
    "umas",   "uns",    "você",   "vocês",  "tão",    "então",  "ainda",  "sobre", "aqui", NULL};

static const char *const stop_spanish[] = {
    "a",     "al",    "algo",   "como",  "con",   "de",   "del",  "el",  "ella", "ellos", "en",
    "es",    "esa",   "ese",    "esta",  "está",  "este", "esto", "fue", "ha",   "hay",   "la",
    "las",   "le",    "les",    "lo",    "los",   "me",   "mi",   "mis", "muy",  "más",   "para",
    "pero",  "por",   "porque", "que",   "se",    "ser",  "si",   "son", "su",   "sus",   "también",
    "te",    "tiene", "un",     "una",   "unos",  "y",    "ya",   "yo",  "él",   "qué",   "cuando",
    "donde", "o",     "nos",    "entre", "sobre", NULL};

static const char *const stop_french[] = {
    "à",    "au",    "aux",  "avec", "ce",   "ces",   "cette", "dans", "de",    "des",   "du",
    "elle", "en",    "est",  "et",   "eux",  "il",    "ils",   "je",   "la",    "le",    "les",
    "leur", "lui",   "ma",   "mais", "me",   "mes",   "moi",   "mon",  "même",  "nos",   "notre",
    "nous", "on",    "ou",   "où",   "par",  "pour",  "qu",    "que",  "qui",   "sa",    "se",
    "ses",  "son",   "sur",  "ta",   "te",   "tes",   "toi",   "ton",  "tu",    "un",    "une",
    "vos",  "votre", "vous", "été",  "être", "c'est", "très",  "trop", "aussi", "comme", NULL};

static const char *const stop_german[] = {
    "aber",  "als",   "am",    "an",   "auch",  "auf",  "aus", "bei",  "bin",  "bis",  "da",
    "das",   "dass",  "dem",   "den",  "der",   "des",  "die", "du",   "ein",  "eine", "einem",
    "einen", "einer", "es",    "für",  "hat",   "ich",  "ihr", "im",   "in",   "ist",  "mit",
    "nach",  "noch",  "nur",   "oder", "sehr",  "sich", "sie", "sind", "so",   "um",   "und",
    "uns",   "vom",   "von",   "vor",  "war",   "was",  "wir", "wie",  "wird", "zu",   "zum",
    "zur",   "über",  "schon", "mein", "unser", NULL};

static const char *const *stoplist(const char *lang)
{
        if (!lang || strcmp(lang, "english") == 0 || strcmp(lang, "en") == 0)
                return stop_english;
        if (strcmp(lang, "portuguese") == 0 || strcmp(lang, "pt") == 0)
                return stop_portuguese;
        if (strcmp(lang, "spanish") == 0 || strcmp(lang, "es") == 0)
                return stop_spanish;
        if (strcmp(lang, "french") == 0 || strcmp(lang, "fr") == 0)
                return stop_french;
        if (strcmp(lang, "german") == 0 || strcmp(lang, "de") == 0)
                return stop_german;
        return NULL;
}

int eng_themes_is_stopword(const char *lang, const char *word)
{
        const char *const *l = stoplist(lang);

        for (; l && *l; l++)
                if (strcmp(*l, word) == 0)
                        return 1;
        return 0;
}

/* ---- UTF-8 scanning ---- */

/* Decode one code point at s[*i] (< n); invalid sequences decode as U+FFFD over one byte. */
static uint32_t decode(const unsigned char *s, size_t n, size_t *i)
{
        unsigned char c = s[*i];
        uint32_t cp, min;
        size_t len, k;

        if (c < 0x80) {
                (*i)++;
                return c;
        }
        if ((c & 0xE0) == 0xC0)
                len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
                len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
                len = 4, cp = c & 0x07, min = 0x10000;
        else
                goto bad;
        if (*i + len > n)
                goto bad;
        for (k = 1; k < len; k++) {
                if ((s[*i + k] & 0xC0) != 0x80)
                        goto bad;
                cp = (cp << 6) | (s[*i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                goto bad;
        *i += len;
        return cp;
bad:
        (*i)++;
        return 0xFFFD;
}

/* The lower-case letter or digit of cp, or 0 when cp is neither. */
static uint32_t fold(uint32_t cp)
{
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
                return cp;
        if (cp >= 'A' && cp <= 'Z')
                return cp + 32;
        if (cp >= 0xC0 && cp <= 0xFF) {
                if (cp == 0xD7 || cp == 0xF7)
                        return 0;
                return cp <= 0xDE ? cp + 0x20 : cp;
        }
        if (cp >= 0x100 && cp <= 0x17F) {
                if (cp == 0x130)
                        return 'i';
                if (cp == 0x178)
                        return 0xFF;
                if ((cp <= 0x137 || (cp >= 0x14A && cp <= 0x177)) && cp % 2 == 0)
                        return cp + 1;
                if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && cp % 2 == 1)
                        return cp + 1;
                return cp;
        }
        return 0;
}

static int is_apostrophe(uint32_t cp)
{
        return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}

static int is_break(uint32_t cp)
{
        switch (cp) {
        case '.':
        case ',':
        case ';':
        case ':':
        case '!':
        case '?':
        case '\n':
        case '\r':
        case '(':
        case ')':
        case '[':
        case ']':
        case '{':
        case '}':
        case '-':
        case '/':
        case 0x2013:
        case 0x2014:
        case 0x2026:
        case 0xA1:
        case 0xBF:
                return 1;
        default:
                return 0;
        }
}

static size_t encode(uint32_t cp, char *o)
{
        if (cp < 0x80) {
                o[0] = (char)cp;
                return 1;
        }
        /* fold() returns at most U+017F */
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
}

size_t eng_themes_next_word(const char *s, size_t n, size_t *pos, char *out, size_t cap, int *brk)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t i = *pos;

        *brk = 0;
        if (cap < 3) {
                *pos = n;
                return 0;
        }
        while (i < n) {
                size_t len = 0;
                int too_long = 0;
                uint32_t cp, f;

                /* skip separators, noting clause breaks */
                cp = decode(u, n, &i);
                f = fold(cp);
                if (!f) {
                        if (is_break(cp))
                                *brk = 1;
                        continue;
                }
                for (;;) {
                        char enc[2];
                        size_t k = encode(f, enc);

                        if (len + k > ENG_THEMES_MAX_TOKEN || len + k + 1 > cap)
                                too_long = 1;
                        else {
                                memcpy(out + len, enc, k);
                                len += k;
                        }
                        if (i >= n)
                                break;
                        {
                                size_t j = i;
                                uint32_t c2 = decode(u, n, &j);
                                uint32_t f2 = fold(c2);

                                if (f2) {
                                        f = f2;
                                        i = j;
                                        continue;
                                }
                                if (is_apostrophe(c2) && j < n) {
                                        size_t j2 = j;
                                        uint32_t f3 = fold(decode(u, n, &j2));

                                        if (f3 && f3 > '9') { /* a letter follows: keep it */
                                                if (len + 2 > ENG_THEMES_MAX_TOKEN ||
                                                    len + 2 + 1 > cap)
                                                        too_long = 1;
                                                else
                                                        out[len++] = '\'';
                                                f = f3;
                                                i = j2;
                                                continue;
                                        }
                                }
                        }
                        break;
                }
                if (too_long) {
                        len = 0;
                        continue;
                }
                out[len] = '\0';
                *pos = i;
                return len;
        }
        *pos = n;
        return 0;
}

/* ---- tokenizer ---- */

enum cxg_err eng_themes_tokenizer_init(struct eng_tokenizer *t, const char *lang, size_t max_bytes,
                                       struct cxg_error *err)
{
        const char *const *l;

        memset(t, 0, sizeof(*t));
        if (!lang || !*lang)
                lang = "english";
        if (strlen(lang) >= sizeof(t->lang))
                return cxg_error_set(err, CXG_ERR_INVALID, "themes: unknown language '%.40s'",
                                     lang);
        t->stemmer = sb_stemmer_new(lang, "UTF_8");
        if (!t->stemmer) {
                char list[512];
                size_t used = 0;
                const char **names = sb_stemmer_list();

                list[0] = '\0';
                for (; names && *names && used + 32 < sizeof(list); names++) {
                        size_t k = strlen(*names);

                        if (k > 24)
                                continue;
                        if (used)
                                list[used++] = ' ';
                        memcpy(list + used, *names, k + 1);
                        used += k;
                }
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "themes: unknown language '%s' (available: %s)", lang, list);
        }
        memcpy(t->lang, lang, strlen(lang) + 1);
        l = stoplist(lang);
        t->stopwords = l;
        while (l && l[t->n_stopwords])
                t->n_stopwords++;
        t->max_bytes = max_bytes ? max_bytes : 4096;
        cxg_arena_init(&t->arena, 16 * 1024, 0);
        return CXG_OK;
}

void eng_themes_tokenizer_release(struct eng_tokenizer *t)
{
        if (t->stemmer)
                sb_stemmer_delete(t->stemmer);
        t->stemmer = NULL;
        cxg_free(t->tok);
        t->tok = NULL;
        t->n = t->cap = 0;
        cxg_arena_release(&t->arena);
}

static int stopword(const struct eng_tokenizer *t, const char *w, size_t n)
{
        for (size_t i = 0; i < t->n_stopwords; i++)
                if (t->stopwords[i][0] == w[0] && strlen(t->stopwords[i]) == n &&
                    memcmp(t->stopwords[i], w, n) == 0)
                        return 1;
        return 0;
}

enum cxg_err eng_themes_tokenize(struct eng_tokenizer *t, const char *text, size_t n,
                                 int *truncated)
{
        char word[ENG_THEMES_MAX_TOKEN + 1];
        size_t pos = 0, len;
        int brk, pending_brk = 1;

        t->n = 0;
        cxg_arena_clear(&t->arena);
        if (truncated)
                *truncated = 0;
        if (!text)
                return CXG_OK;
        if (n > t->max_bytes) {
                n = t->max_bytes;
                /* back up to a character boundary */
                while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
                        n--;
                if (truncated)
                        *truncated = 1;
        }
        while ((len = eng_themes_next_word(text, n, &pos, word, sizeof(word), &brk)) > 0) {
                const sb_symbol *st;
                struct eng_token *tk;
                int sl;

                size_t chars = 0;

                for (size_t k = 0; k < len; k++)
                        chars += ((unsigned char)word[k] & 0xC0) != 0x80;
                pending_brk |= brk;
                if (chars < 2 || stopword(t, word, len)) {
                        pending_brk = 1; /* a dropped word breaks bigrams, as stopwords should */
                        continue;
                }
                if (CXG_GROW(t->tok, t->n + 1, t->cap, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                st = sb_stemmer_stem(t->stemmer, (const sb_symbol *)word, (int)len);
                if (!st)
                        return CXG_ERR_NOMEM;
                sl = sb_stemmer_length(t->stemmer);
                tk = &t->tok[t->n];
                tk->surface = cxg_arena_strndup(&t->arena, word, len);
                tk->stem = cxg_arena_strndup(&t->arena, (const char *)st, (size_t)sl);
                if (!tk->surface || !tk->stem)
                        return CXG_ERR_NOMEM;
                tk->brk = pending_brk;
                pending_brk = 0;
                t->n++;
        }
        return CXG_OK;
}

/* ---- the log-odds ranking ---- */

void eng_themes_cfg_init(struct eng_themes_cfg *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        cfg->lang = "english";
        cfg->bigrams = 1;
        cfg->binary = 1;
        cfg->max_comment_bytes = 4096;
        cfg->max_terms = 200000;
        cfg->top = 20;
        cfg->min_docs = 3;
        cfg->max_examples = 3;
}

struct term {
        const char *key; /* stem key, owned by the term map */
        double y_u[3];   /* unweighted counts: group A, B, and all documents */
        double y_w[3];   /* weighted counts */
        uint32_t docs[2];
        uint32_t last_doc; /* 1 + the last document that counted it (binary counting) */
        uint32_t best_count;
        const char *best; /* most frequent surface form */
        uint8_t ngram;
        int8_t side; /* -1: not selected, 0: A theme, 1: B theme */
        int32_t slot;
        double delta, z, z_u;
};

struct surface {
        uint32_t term;
        uint32_t count;
};

struct ctx {
        const struct eng_themes_cfg *cfg;
        struct cxg_hmap terms_map, surf_map;
        struct term *terms;
        size_t n_terms, cap_terms;
        struct surface *surf;
        size_t n_surf, cap_surf;
        uint32_t *ids; /* per document term ids (CSR) for the examples */
        size_t n_ids, cap_ids;
        size_t *off; /* n + 1 offsets */
        size_t dropped;
};

static enum cxg_err push_id(struct ctx *c, uint32_t id)
{
        if (CXG_GROW(c->ids, c->n_ids + 1, c->cap_ids, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        c->ids[c->n_ids++] = id;
        return CXG_OK;
}

/* Count one occurrence of the term with stem key k (surface s) in document d. */
static enum cxg_err count(struct ctx *c, const char *k, size_t kn, const char *s, size_t sn,
                          int ngram, uint32_t d, int group, double w)
{
        uint64_t v = c->n_terms;
        int found;
        struct term *t;
        enum cxg_err rc;

        if (!cxg_hmap_get(&c->terms_map, k, kn, &v)) {
                const char *stored;

                if (c->n_terms >= c->cfg->max_terms) {
                        c->dropped++;
                        return CXG_OK;
                }
                if (CXG_GROW(c->terms, c->n_terms + 1, c->cap_terms, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                v = c->n_terms;
                rc = cxg_hmap_intern(&c->terms_map, k, kn, &v, &found, &stored);
                if (rc)
                        return rc;
                t = &c->terms[c->n_terms++];
                memset(t, 0, sizeof(*t));
                t->key = stored;
                t->ngram = (uint8_t)ngram;
                t->side = -1;
        }
        t = &c->terms[v];
        /* the surface form, for display */
        {
                uint64_t sv = c->n_surf;

                rc = cxg_hmap_intern(&c->surf_map, s, sn, &sv, &found, NULL);
                if (rc)
                        return rc;
                if (!found) {
                        if (CXG_GROW(c->surf, c->n_surf + 1, c->cap_surf, CXG_GROW_NOCAP))
                                return CXG_ERR_NOMEM;
                        c->surf[c->n_surf].term = (uint32_t)v;
                        c->surf[c->n_surf].count = 0;
                        c->n_surf++;
                }
                c->surf[sv].count++;
        }
        if (t->last_doc == d + 1 && c->cfg->binary)
                return CXG_OK;
        if (t->last_doc != d + 1) {
                t->last_doc = d + 1;
                if (group == 0 || group == 1)
                        t->docs[group]++;
                rc = push_id(c, (uint32_t)v);
                if (rc)
                        return rc;
        }
        t->y_u[2] += 1;
        t->y_w[2] += w;
        if (group == 0 || group == 1) {
                t->y_u[group] += 1;
                t->y_w[group] += w;
        }
        return CXG_OK;
}

static int cmp_z_desc(const void *pa, const void *pb)
{
        const struct term *a = *(const struct term *const *)pa;
        const struct term *b = *(const struct term *const *)pb;

        if (a->z != b->z)
                return a->z > b->z ? -1 : 1;
        return strcmp(a->key, b->key);
}

static int cmp_z_asc(const void *pa, const void *pb)
{
        const struct term *a = *(const struct term *const *)pa;
        const struct term *b = *(const struct term *const *)pb;

        if (a->z != b->z)
                return a->z < b->z ? -1 : 1;
        return strcmp(a->key, b->key);
}

/* delta and z of every term from counts y[0], y[1], y[2] (A, B, all) with prior total a0. */
static void score(struct ctx *c, int weighted, double *a0_out, double *na_out, double *nb_out)
{
        double na = 0, nb = 0, ntot = 0, a0;

        for (size_t i = 0; i < c->n_terms; i++) {
                const double *y = weighted ? c->terms[i].y_w : c->terms[i].y_u;

                na += y[0];
                nb += y[1];
                ntot += y[2];
        }
        a0 = c->cfg->a0 > 0 ? c->cfg->a0 : ntot;
        for (size_t i = 0; i < c->n_terms; i++) {
                struct term *t = &c->terms[i];
                const double *y = weighted ? t->y_w : t->y_u;
                double aw, d, var, z = 0;

                if (ntot > 0 && y[0] + y[1] > 0 && y[2] > 0) {
                        aw = a0 * y[2] / ntot;
                        d = log((y[0] + aw) / (na + a0 - y[0] - aw)) -
                            log((y[1] + aw) / (nb + a0 - y[1] - aw));
                        var = 1 / (y[0] + aw) + 1 / (y[1] + aw);
                        z = d / sqrt(var);
                        if (!isfinite(z))
                                z = 0, d = 0;
                        if (weighted || !c->cfg->weighted)
                                t->delta = d;
                } else {
                        d = 0;
                }
                if (weighted)
                        t->z = z;
                else
                        t->z_u = z;
                (void)d;
        }
        if (a0_out)
                *a0_out = a0;
        if (na_out)
                *na_out = na;
        if (nb_out)
                *nb_out = nb;
}

static enum cxg_err emit(struct eng_themes_result *r, struct term **sel, size_t k,
                         struct eng_theme **out)
{
        struct eng_theme *th;

        *out = NULL;
        if (!k)
                return CXG_OK;
        th = cxg_arena_alloc(&r->arena, k * sizeof(*th));
        if (!th)
                return CXG_ERR_NOMEM;
        memset(th, 0, k * sizeof(*th));
        for (size_t i = 0; i < k; i++) {
                const struct term *t = sel[i];
                int w = r->weighted;

                th[i].term = cxg_arena_strdup(&r->arena, t->best ? t->best : t->key);
                th[i].stem = cxg_arena_strdup(&r->arena, t->key);
                if (!th[i].term || !th[i].stem)
                        return CXG_ERR_NOMEM;
                th[i].ngram = t->ngram;
                th[i].count_a = w ? t->y_w[0] : t->y_u[0];
                th[i].count_b = w ? t->y_w[1] : t->y_u[1];
                th[i].docs_a = t->docs[0];
                th[i].docs_b = t->docs[1];
                th[i].delta = t->delta;
                th[i].z = w ? t->z : t->z_u;
                th[i].z_unweighted = t->z_u;
        }
        *out = th;
        return CXG_OK;
}

void eng_themes_result_release(struct eng_themes_result *r)
{
        cxg_arena_release(&r->arena);
        r->a = r->b = NULL;
        r->n_a = r->n_b = 0;
}

/* Count the unigrams and (with cfg.bigrams) the bigrams of tokenised comment d of group g. */
static enum cxg_err count_doc_terms(struct ctx *c, const struct eng_tokenizer *tk, uint32_t d,
                                    int g, double w)
{
        char key[2 * 256 + 2], surf[2 * (ENG_THEMES_MAX_TOKEN + 1)];
        enum cxg_err rc;

        for (size_t i = 0; i < tk->n; i++) {
                const struct eng_token *t = &tk->tok[i];
                const struct eng_token *p;
                size_t l1, l2, s1, s2;

                rc = count(c, t->stem, strlen(t->stem), t->surface, strlen(t->surface), 1, d, g, w);
                if (rc)
                        return rc;
                if (!c->cfg->bigrams || i == 0 || t->brk)
                        continue;
                p = &tk->tok[i - 1];
                l1 = strlen(p->stem), l2 = strlen(t->stem);
                s1 = strlen(p->surface), s2 = strlen(t->surface);
                if (l1 + l2 + 2 > sizeof(key) || s1 + s2 + 2 > sizeof(surf))
                        continue;
                memcpy(key, p->stem, l1);
                key[l1] = ' ';
                memcpy(key + l1 + 1, t->stem, l2 + 1);
                memcpy(surf, p->surface, s1);
                surf[s1] = ' ';
                memcpy(surf + s1 + 1, t->surface, s2 + 1);
                rc = count(c, key, l1 + l2 + 1, surf, s1 + s2 + 1, 2, d, g, w);
                if (rc)
                        return rc;
        }
        return CXG_OK;
}

/* Representative surfaces: the most frequent form of each stem (ties: the smaller). */
static void pick_surfaces(struct ctx *c)
{
        for (size_t i = 0; i < c->surf_map.cap; i++) {
                const struct cxg_hmap_slot *sl = &c->surf_map.slots[i];
                struct term *t;
                const struct surface *s;

                if (!sl->key)
                        continue;
                s = &c->surf[sl->val];
                t = &c->terms[s->term];
                if (s->count > t->best_count ||
                    (s->count == t->best_count && t->best && strcmp(sl->key, t->best) < 0)) {
                        t->best_count = s->count;
                        t->best = sl->key;
                }
        }
}

/* Example comments, in input order, from each theme's own side. */
static void attach_examples(const struct ctx *c, const struct eng_themes_doc *docs, size_t n,
                            struct eng_themes_result *out)
{
        for (size_t d = 0; d < n; d++) {
                int g = docs[d].group;

                if (g != 0 && g != 1)
                        continue;
                for (size_t j = c->off[d]; j < c->off[d + 1]; j++) {
                        const struct term *t = &c->terms[c->ids[j]];
                        struct eng_theme *th;

                        if (t->side != g)
                                continue;
                        th = g == 0 ? &out->a[t->slot] : &out->b[t->slot];
                        if (th->n_examples < c->cfg->max_examples)
                                th->examples[th->n_examples++] = d;
                }
        }
}

enum cxg_err eng_themes_compute(const struct eng_themes_cfg *cfg_in,
                                const struct eng_themes_doc *docs, size_t n,
                                struct eng_themes_result *out, struct cxg_error *err)
{
        struct eng_themes_cfg cfg = *cfg_in;
        struct eng_tokenizer tk;
        struct ctx c;
        struct term **sel = NULL;
        double scale = 1, sw = 0, sww = 0;
        enum cxg_err rc;
        size_t k_a = 0, k_b = 0;

        memset(out, 0, sizeof(*out));
        cxg_arena_init(&out->arena, 64 * 1024, 0);
        memset(&c, 0, sizeof(c));
        if (!cfg.max_comment_bytes)
                cfg.max_comment_bytes = 4096;
        if (!cfg.max_terms)
                cfg.max_terms = 200000;
        if (cfg.max_terms > UINT32_MAX - 1)
                cfg.max_terms = UINT32_MAX - 1;
        if (!cfg.top)
                cfg.top = 20;
        if (!cfg.max_examples || cfg.max_examples > 3)
                cfg.max_examples = 3;
        if (n >= UINT32_MAX)
                return cxg_error_set(err, CXG_ERR_LIMIT, "themes: too many comments (%zu)", n);
        c.cfg = &cfg;
        out->weighted = cfg.weighted;
        rc = eng_themes_tokenizer_init(&tk, cfg.lang, cfg.max_comment_bytes, err);
        if (rc)
                return rc;
        cxg_hmap_init(&c.terms_map);
        cxg_hmap_init(&c.surf_map);
        c.off = cxg_malloc((n + 1) * sizeof(*c.off));
        if (!c.off) {
                rc = CXG_ERR_NOMEM;
                goto done;
        }
        /* weights scaled so the counts are in effective comments: w * sum(w) / sum(w^2) */
        if (cfg.weighted) {
                for (size_t i = 0; i < n; i++) {
                        double w = docs[i].weight;

                        if (isfinite(w) && w > 0)
                                sw += w, sww += w * w;
                }
                scale = sww > 0 ? sw / sww : 0;
        }
        for (size_t d = 0; d < n; d++) {
                const struct eng_themes_doc *doc = &docs[d];
                double w = 1;
                int trunc;

                c.off[d] = c.n_ids;
                if (cfg.weighted)
                        w = isfinite(doc->weight) && doc->weight > 0 ? doc->weight * scale : 0;
                rc = eng_themes_tokenize(&tk, doc->text, doc->text ? doc->len : 0, &trunc);
                if (rc)
                        goto done;
                out->truncated += (size_t)trunc;
                if (tk.n) {
                        if (doc->group == 0)
                                out->docs_a++;
                        else if (doc->group == 1)
                                out->docs_b++;
                        else
                                out->docs_other++;
                }
                rc = count_doc_terms(&c, &tk, (uint32_t)d, doc->group, w);
                if (rc)
                        goto done;
        }
        c.off[n] = c.n_ids;
        out->vocab = c.n_terms;
        out->dropped_terms = c.dropped;

        pick_surfaces(&c);

        score(&c, 0, &out->a0, &out->n_a_terms, &out->n_b_terms);
        if (cfg.weighted)
                score(&c, 1, &out->a0, &out->n_a_terms, &out->n_b_terms);
        else
                for (size_t i = 0; i < c.n_terms; i++)
                        c.terms[i].z = c.terms[i].z_u;

        /* select each side's themes */
        sel = cxg_malloc((c.n_terms + 1) * sizeof(*sel));
        if (!sel) {
                rc = CXG_ERR_NOMEM;
                goto done;
        }
        for (int side = 0; side < 2; side++) {
                size_t k = 0;

                for (size_t i = 0; i < c.n_terms; i++) {
                        struct term *t = &c.terms[i];

                        if (t->docs[side] < cfg.min_docs)
                                continue;
                        if ((side == 0 && t->z > 0) || (side == 1 && t->z < 0))
                                sel[k++] = t;
                }
                qsort(sel, k, sizeof(*sel), side == 0 ? cmp_z_desc : cmp_z_asc);
                if (k > cfg.top)
                        k = cfg.top;
                for (size_t i = 0; i < k; i++) {
                        sel[i]->side = (int8_t)side;
                        sel[i]->slot = (int32_t)i;
                }
                rc = emit(out, sel, k, side == 0 ? &out->a : &out->b);
                if (rc)
                        goto done;
                if (side == 0)
                        k_a = k;
                else
                        k_b = k;
        }
        out->n_a = k_a;
        out->n_b = k_b;

        attach_examples(&c, docs, n, out);
        rc = CXG_OK;
done:
        if (rc == CXG_ERR_NOMEM)
                cxg_error_set(err, rc, "themes: out of memory after %zu terms", c.n_terms);
        if (rc)
                eng_themes_result_release(out);
        cxg_free(sel);
        cxg_free(c.off);
        cxg_free(c.ids);
        cxg_free(c.terms);
        cxg_free(c.surf);
        cxg_hmap_release(&c.terms_map);
        cxg_hmap_release(&c.surf_map);
        eng_themes_tokenizer_release(&tk);
        return rc;
}
