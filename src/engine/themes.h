/*
 * themes.h: comment themes. A UTF-8 aware tokenizer with stopwords and Snowball stemming
 * (libstemmer), unigrams and bigrams of stems, and the weighted log-odds ratio with an
 * informative Dirichlet prior (Monroe, Colaresi and Quinn, 2008) that ranks the themes setting
 * one group of comments (detractors, a segment) apart from another (promoters, the rest).
 *
 * Thread-safety: a tokenizer is used by one thread at a time (the stemmer keeps state);
 * eng_themes_compute makes its own and may run in parallel over shared read-only documents.
 * Formulas: docs/scoring.md, section "Voice of the customer".
 */
#ifndef CXG_ENG_THEMES_H
#define CXG_ENG_THEMES_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/hmap.h"

/* Longest token kept, in bytes of UTF-8; longer runs of letters (URLs, hashes) are skipped. */
#define ENG_THEMES_MAX_TOKEN 64

/*
 * Scan the next word of s (n bytes of UTF-8) from *pos: a run of letters and digits (ASCII,
 * Latin-1 supplement and Latin Extended-A letters; an apostrophe between two letters stays in
 * the word, U+2019 written as '), lower-cased into out (capacity cap, NUL added; at least
 * ENG_THEMES_MAX_TOKEN + 1). Invalid UTF-8, emoji, punctuation and other scripts separate
 * words. *brk is set to 1 when a sentence or clause break (. , ; : ! ? newline, or a dash or
 * bracket) lies between the previous word and this one. Words longer than
 * ENG_THEMES_MAX_TOKEN bytes are skipped. Returns the length written, or 0 at the end.
 * Never reads outside [s, s + n).
 */
size_t eng_themes_next_word(const char *s, size_t n, size_t *pos, char *out, size_t cap, int *brk);

/* 1 when word (lower case, NUL-terminated) is a stopword of the language ("english", ...). */
int eng_themes_is_stopword(const char *lang, const char *word);

/* One token of a comment: the lower-cased word and its stem, both in the tokenizer's arena. */
struct eng_token {
        const char *surface;
        const char *stem;
        int brk; /* a clause break precedes it: no bigram with the previous token */
};

struct eng_tokenizer {
        struct sb_stemmer *stemmer;
        char lang[32];
        const char *const *stopwords; /* sorted list, or NULL when the language has none */
        size_t n_stopwords;
        size_t max_bytes; /* longer comments are cut (at a character boundary) */
        struct eng_token *tok;
        size_t n, cap;
        struct cxg_arena arena; /* surfaces and stems of the current comment */
};

/*
 * Set up a tokenizer for lang (a Snowball algorithm name such as "english", "portuguese",
 * "spanish", "french", "german"; NULL: english), cutting comments at max_bytes (0: 4096).
 * Stopword lists exist for english, portuguese, spanish, french and german; other languages
 * are stemmed without stopwords. An unknown language is CXG_ERR_INVALID listing the ones
 * available. Release with eng_themes_tokenizer_release.
 */
enum cxg_err eng_themes_tokenizer_init(struct eng_tokenizer *t, const char *lang, size_t max_bytes,
                                       struct cxg_error *err) CXG_WUR;
/* Free the stemmer and the buffers. */
void eng_themes_tokenizer_release(struct eng_tokenizer *t);
/*
 * Tokenize one comment into t->tok[0 .. t->n): words of at least 2 characters that are not
 * stopwords, with their stems. Pointers stay valid until the next call. Sets *truncated (may
 * be NULL) when the comment was cut at max_bytes.
 */
enum cxg_err eng_themes_tokenize(struct eng_tokenizer *t, const char *text, size_t n,
                                 int *truncated) CXG_WUR;

/* A comment and its group for eng_themes_compute. */
struct eng_themes_doc {
        const char *text; /* UTF-8, borrowed */
        size_t len;
        int group;     /* 0: group A (e.g. detractors), 1: group B, other: prior only */
        double weight; /* used when cfg->weighted; NAN or < 0: left out of the weighted counts */
};

struct eng_themes_cfg {
        const char *lang;         /* NULL: english */
        double a0;                /* total of the Dirichlet prior; 0: the corpus' term count */
        int bigrams;              /* 1: bigrams of adjacent stems as well as unigrams */
        int binary;               /* 1: a term counts once per comment (robust to repetition) */
        int weighted;             /* 1: rank by the document weights; unweighted z beside */
        size_t max_comment_bytes; /* 0: 4096 */
        size_t max_terms;         /* vocabulary cap, 0: 200000 (extra terms are dropped) */
        size_t top;               /* themes per side, 0: 20 */
        unsigned min_docs;        /* a theme appears in at least this many comments of its side */
        size_t max_examples;      /* example comments per theme, up to 3 (0: 3) */
};

/* Defaults: english, a0 = corpus size, bigrams, binary, unweighted, top 20, min_docs 3. */
void eng_themes_cfg_init(struct eng_themes_cfg *cfg);

struct eng_theme {
        const char *term;        /* representative surface form ("slow", "customer support") */
        const char *stem;        /* the stem key ("slow", "custom support") */
        int ngram;               /* 1 or 2 */
        double count_a, count_b; /* counts in A and B (weighted, in effective comments, when
                                    weighted) */
        uint32_t docs_a, docs_b; /* comments of A and B containing it (unweighted) */
        double delta;            /* log-odds ratio A vs B (of the ranking counts) */
        double z;                /* delta / sd: the ranking score, > 0 leans to A */
        double z_unweighted;     /* the same on unweighted counts (= z when unweighted) */
        size_t examples[3];      /* indices into the docs array, in input order */
        size_t n_examples;
};

struct eng_themes_result {
        struct eng_theme *a; /* themes of A, z descending */
        size_t n_a;
        struct eng_theme *b; /* themes of B, z ascending (most B-like first) */
        size_t n_b;
        size_t docs_a, docs_b, docs_other; /* comments per group with at least one token */
        double n_a_terms, n_b_terms;       /* n_i of the formula (ranking counts) */
        double a0;                         /* the prior total used */
        size_t vocab;                      /* distinct terms counted */
        size_t dropped_terms;              /* term occurrences dropped by the vocabulary cap */
        size_t truncated;                  /* comments cut at max_comment_bytes */
        int weighted;
        struct cxg_arena arena; /* owns the arrays and strings above */
};

/*
 * Rank the themes of docs[0 .. n) that set group 0 apart from group 1. The prior is
 * a_w = a0 * y_w / N over every document (groups 0, 1 and others), y_w the term's count and N
 * the total. With cfg->weighted each document's counts are multiplied by its weight scaled by
 * sum(w) / sum(w^2), so counts are in effective comments. *out is owned by the caller: free
 * with eng_themes_result_release. Errors: CXG_ERR_INVALID (unknown language), CXG_ERR_NOMEM.
 */
enum cxg_err eng_themes_compute(const struct eng_themes_cfg *cfg, const struct eng_themes_doc *docs,
                                size_t n, struct eng_themes_result *out,
                                struct cxg_error *err) CXG_WUR;
/* Free what a result holds. Safe on a zeroed or already released result. */
void eng_themes_result_release(struct eng_themes_result *r);

/* ---- over the engine snapshot (src/engine/themes_snapshot.c) ---- */

struct eng_snapshot;
struct eng_scores;
struct cxg_buf;

struct eng_themes_query {
        struct eng_themes_cfg cfg;
        int weight; /* enum eng_voc_weight: none, mrr (account MRR), seniority (respondent) */
        int metric; /* enum eng_voc_metric whose detractors and promoters are compared (NPS) */
        const char *field, *value; /* segment: comments whose account (or person, for person
                                      fields) has field = value (any case) against the rest;
                                      NULL field: detractors against promoters */
        int64_t since, until;      /* answers in [since, until]; CXG_TS_NONE: open */
        int64_t at;                /* as-of time for field values; CXG_TS_NONE: latest data */
};

/* Defaults: eng_themes_cfg_init, unweighted, NPS detractors vs promoters, all time. */
void eng_themes_query_init(struct eng_themes_query *q);

struct eng_themes_report {
        struct eng_themes_result res;
        struct eng_themes_doc *docs; /* texts borrowed from the snapshot */
        uint32_t *doc_fb;            /* feedback row of each document */
        size_t n_docs;
        char label_a[160], label_b[160]; /* "detractors", "promoters"; "plan=Premium", "rest" */
        char lang[32];
        int weight, metric, segmented;
};

/*
 * Themes of the snapshot's comments: without a segment, the answers of q->metric split into
 * detractors (group A: score <= neg_max), promoters (group B: score >= pos_min) and the rest
 * (passives and comments on other surveys: prior only); with a segment, every comment of the
 * segment (A) against every other comment (B). Documents are weighted by q->weight. r (may be
 * NULL) supplies score-based fields (band, stage). *out is owned by the caller:
 * eng_themes_report_release. Errors: CXG_ERR_INVALID (language), CXG_ERR_NOMEM.
 */
enum cxg_err eng_themes_snapshot(const struct eng_snapshot *s, const struct eng_scores *r,
                                 const struct eng_themes_query *q, struct eng_themes_report *out,
                                 struct cxg_error *err) CXG_WUR;
/* Free what the report holds. Safe on a zeroed report. */
void eng_themes_report_release(struct eng_themes_report *rep);

#endif
