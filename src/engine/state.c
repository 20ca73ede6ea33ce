/*
 * state.c: an account's published state (engine/cluster.h, eng_state_encode) and its decoding
 * (state_int.h). The blob, little-endian whatever the host:
 *   "CXST", version u32,
 *   account external id (str), as-of i64,
 *   the struct eng_account_score figures (floats bit for bit), its reasons with each
 *     reference as a kind and a number or a name (person ext id, type name, objective ext id),
 *   u32 months, each: absolute month i64, n failed slow sup_n lat_n u32, sup_sum lat_sum f64,
 *   u32 people, each: ext id (str), engagement activity prior f32, last i32, channels u16,
 *     caps u8, capmask u64, feedback u16, u32 active months, each an absolute month i64,
 *   (version 2) the detector inputs of the same people in the same order (detect_features.h):
 *     u32 people, each: last interaction i32, u32 days, each: age in days u16, count u32,
 *   CRC-32 (zlib) of every byte before it, u32.
 * A str is u32 length (the NUL included) then the bytes and the NUL. Decoding checks every
 * length against the bytes left before reading, so a truncated or corrupted blob is rejected
 * with a reason, never read past its end.
 */
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "engine/cluster.h"
#include "engine/detect_features.h"
#include "engine/state_int.h"

#define STATE_MAGIC "CXST"
/* Bytes of the smallest month and person entries (bounds the counts a blob may claim). */
#define STATE_MONTH_BYTES 44
#define STATE_PERSON_BYTES 39
#define STATE_DFEAT_BYTES 8 /* a person's detector inputs: last, day count */
#define STATE_DAY_BYTES 6
#define STATE_STR_MAX (1u << 20)

/* ---- writing ---- */

struct wr {
        struct cxg_buf *b;
        enum cxg_err rc;
};

static void put(struct wr *w, const void *p, size_t n)
{
        if (w->rc == CXG_OK)
                w->rc = cxg_buf_append(w->b, p, n);
}

static void put_u64(struct wr *w, uint64_t v, int bytes)
{
        unsigned char x[8];

        for (int i = 0; i < bytes; i++)
                x[i] = (unsigned char)(v >> (8 * i));
        put(w, x, (size_t)bytes);
}

static void put_u32(struct wr *w, uint32_t v)
{
        put_u64(w, v, 4);
}

static void put_f32(struct wr *w, float f)
{
        uint32_t v;

        memcpy(&v, &f, 4);
        put_u32(w, v);
}

static void put_f64(struct wr *w, double d)
{
        uint64_t v;

        memcpy(&v, &d, 8);
        put_u64(w, v, 8);
}

static void put_str(struct wr *w, const char *s)
{
        size_t n = s ? strlen(s) : 0;

        put_u32(w, (uint32_t)n + 1);
        put(w, s ? s : "", n + 1);
}

/* The type dict's name of index t, NULL when out of range. */
static const char *type_name(const struct eng_snapshot *s, uint32_t t)
{
        return t < s->types.n ? s->types.names[t] : NULL;
}

static void put_reason(struct wr *w, const struct eng_snapshot *s, const struct eng_reason *why)
{
        const char *name = NULL;
        uint8_t kind = ENG_REF_NUM;

        switch (why->code) {
        case ENG_R_INACTIVE:
        case ENG_R_NEVER_ACTIVE:
        case ENG_R_CHAMPION:
        case ENG_R_DETRACTOR:
        case ENG_R_PROMOTER:
                kind = ENG_REF_PERSON;
                name = why->ref < s->n_people ? s->p_ext[why->ref] : NULL;
                break;
        case ENG_R_TYPE_SLOW:
                kind = ENG_REF_TYPE;
                name = type_name(s, why->ref);
                break;
        case ENG_R_OBJECTIVE:
                kind = ENG_REF_OBJECTIVE;
                name = why->ref < s->n_obj ? s->o_ext[why->ref] : NULL;
                break;
        default:
                break;
        }
        put(w, &why->code, 1);
        put(w, &why->aux, 1);
        put(w, &why->score, 1);
        put_f32(w, why->impact);
        put_f32(w, why->value);
        put_u64(w, (uint64_t)why->ts, 8);
        put(w, &kind, 1);
        if (kind == ENG_REF_NUM)
                put_u32(w, why->ref);
        else
                put_str(w, name);
}

static void put_score(struct wr *w, const struct eng_snapshot *s,
                      const struct eng_account_score *sc)
{
        put_f32(w, sc->health);
        put_f32(w, sc->robustness);
        put_f32(w, sc->engagement);
        for (int k = 0; k < ENG_C__COUNT; k++)
                put_f32(w, sc->comp[k]);
        for (int k = 0; k < ENG_M__COUNT; k++) {
                put_f32(w, sc->exp_value[k]);
                put_f32(w, sc->exp_base[k]);
        }
        put_f32(w, sc->activity);
        put_f32(w, sc->activity_prior);
        put_u32(w, sc->n_people);
        put_u32(w, sc->n_engaged);
        put(w, &sc->band, 1);
        put(w, &sc->card, 1);
        put(w, &sc->stage, 1);
        put(w, &sc->n_reasons, 1);
        for (int k = 0; k < sc->n_reasons && k < ENG_MAX_REASONS; k++)
                put_reason(w, s, &sc->reasons[k]);
}

static void put_months(struct wr *w, const struct eng_snapshot *s, uint32_t a)
{
        const struct eng_month *row = s->a_month ? &s->a_month[(size_t)a * s->n_months] : NULL;
        uint32_t n = 0;

        for (size_t m = 0; row && m < s->n_months; m++)
                n += row[m].n || row[m].sup_n || row[m].lat_n;
        put_u32(w, n);
        for (size_t m = 0; row && m < s->n_months; m++) {
                const struct eng_month *mo = &row[m];

                if (!mo->n && !mo->sup_n && !mo->lat_n)
                        continue;
                put_u64(w, (uint64_t)(s->month0 + (int64_t)m), 8);
                put_u32(w, mo->n);
                put_u32(w, mo->failed);
                put_u32(w, mo->slow);
                put_u32(w, mo->sup_n);
                put_u32(w, mo->lat_n);
                put_f64(w, mo->sup_sum);
                put_f64(w, mo->lat_sum);
        }
}

static int active(const struct eng_snapshot *s, uint32_t p, size_t m)
{
        return (s->p_active[(size_t)p * s->p_words + m / 64] >> (m % 64)) & 1;
}

static void put_person(struct wr *w, const struct eng_snapshot *s, const struct eng_scores *r,
                       uint32_t p)
{
        uint32_t n = 0;

        put_str(w, s->p_ext[p]);
        put_f32(w, r->p_engagement[p]);
        put_f32(w, r->p_activity[p]);
        put_f32(w, r->p_prior[p]);
        put_u32(w, (uint32_t)r->p_last[p]);
        put_u64(w, r->p_channels[p], 2);
        put(w, &r->p_caps[p], 1);
        put_u64(w, r->p_capmask[p], 8);
        put_u64(w, r->p_feedback[p], 2);
        for (size_t m = 0; s->p_active && m < s->n_months; m++)
                n += (uint32_t)active(s, p, m);
        put_u32(w, n);
        for (size_t m = 0; s->p_active && m < s->n_months; m++)
                if (active(s, p, m))
                        put_u64(w, (uint64_t)(s->month0 + (int64_t)m), 8);
}

/* The detector inputs of a's people as of r->at (the people put_person wrote, in order). */
static enum cxg_err put_dfeat(struct wr *w, const struct eng_snapshot *s,
                              const struct eng_scores *r, uint32_t a, uint32_t np,
                              struct eng_dfeat_acc *f)
{
        if (eng_dfeat_account(s, a, r->at, f))
                return CXG_ERR_NOMEM;
        put_u32(w, np);
        for (uint32_t q = 0; q < f->np; q++) {
                if (s->p_list[s->a_poff[a] + q] >= r->n_people)
                        continue;
                put_u32(w, (uint32_t)f->last[q]);
                put_u32(w, f->off[q + 1] - f->off[q]);
                for (uint32_t k = f->off[q]; k < f->off[q + 1]; k++) {
                        put_u64(w, f->age[k], 2);
                        put_u32(w, f->cnt[k]);
                }
        }
        return CXG_OK;
}

enum cxg_err eng_state_encode(const struct eng_snapshot *s, const struct eng_scores *r, uint32_t a,
                              struct cxg_buf *out, struct cxg_error *err)
{
        struct eng_dfeat_acc f;
        enum cxg_err rc;

        eng_dfeat_acc_init(&f);
        rc = eng_state_encode_with(s, r, a, &f, out, err);
        eng_dfeat_acc_release(&f);
        return rc;
}

enum cxg_err eng_state_encode_with(const struct eng_snapshot *s, const struct eng_scores *r,
                                   uint32_t a, struct eng_dfeat_acc *scratch, struct cxg_buf *out,
                                   struct cxg_error *err)
{
        struct wr w = {out, CXG_OK};
        size_t start = out->len;
        uint32_t np = 0;

        if (a >= s->n_accounts || a >= r->n_accounts || !r->acc)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "engine state: account index %u has no scores", a);
        put(&w, STATE_MAGIC, 4);
        put_u32(&w, ENG_STATE_VERSION);
        put_str(&w, s->a_ext[a]);
        put_u64(&w, (uint64_t)r->at, 8);
        put_score(&w, s, &r->acc[a]);
        put_months(&w, s, a);
        for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++)
                np += s->p_list[k] < r->n_people;
        put_u32(&w, np);
        for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++)
                if (s->p_list[k] < r->n_people)
                        put_person(&w, s, r, s->p_list[k]);
        if (w.rc == CXG_OK && put_dfeat(&w, s, r, a, np, scratch))
                w.rc = CXG_ERR_NOMEM;
        if (w.rc == CXG_OK)
                put_u32(&w, (uint32_t)crc32(crc32(0, Z_NULL, 0), (const Bytef *)out->data + start,
                                            (uInt)(out->len - start)));
        if (w.rc)
                return cxg_error_set(err, w.rc, "engine state: out of memory encoding account %s",
                                     s->a_ext[a]);
        return CXG_OK;
}

/* ---- reading ---- */

struct rd {
        const unsigned char *p;
        size_t pos, len;
        const char *bad; /* the first problem, NULL while fine */
};

static int need(struct rd *r, size_t n, const char *what)
{
        if (r->bad)
                return 0;
        if (n > r->len - r->pos) {
                r->bad = what;
                return 0;
        }
        return 1;
}

static uint64_t get_u64(struct rd *r, int bytes, const char *what)
{
        uint64_t v = 0;

        if (!need(r, (size_t)bytes, what))
                return 0;
        for (int i = 0; i < bytes; i++)
                v |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
        r->pos += (size_t)bytes;
        return v;
}

static uint32_t get_u32(struct rd *r, const char *what)
{
        return (uint32_t)get_u64(r, 4, what);
}

static uint8_t get_u8(struct rd *r, const char *what)
{
        return (uint8_t)get_u64(r, 1, what);
}

static float get_f32(struct rd *r, const char *what)
{
        uint32_t v = get_u32(r, what);
        float f;

        memcpy(&f, &v, 4);
        return f;
}

static double get_f64(struct rd *r, const char *what)
{
        uint64_t v = get_u64(r, 8, what);
        double d;

        memcpy(&d, &v, 8);
        return d;
}

/* A str: pointer into the blob, NUL-terminated (checked). */
static const char *get_str(struct rd *r, const char *what)
{
        uint32_t n = get_u32(r, what);
        const char *s;

        if (r->bad)
                return NULL;
        if (n == 0 || n > STATE_STR_MAX || !need(r, n, what) || r->p[r->pos + n - 1] != 0 ||
            memchr(r->p + r->pos, 0, n - 1)) {
                r->bad = r->bad ? r->bad : what;
                return NULL;
        }
        s = (const char *)r->p + r->pos;
        r->pos += n;
        return s;
}

static void get_score(struct rd *r, struct eng_fstate *st)
{
        struct eng_account_score *sc = &st->sc;

        sc->health = get_f32(r, "scores");
        sc->robustness = get_f32(r, "scores");
        sc->engagement = get_f32(r, "scores");
        for (int k = 0; k < ENG_C__COUNT; k++)
                sc->comp[k] = get_f32(r, "components");
        for (int k = 0; k < ENG_M__COUNT; k++) {
                sc->exp_value[k] = get_f32(r, "experience");
                sc->exp_base[k] = get_f32(r, "experience");
        }
        sc->activity = get_f32(r, "activity");
        sc->activity_prior = get_f32(r, "activity");
        sc->n_people = get_u32(r, "people counts");
        sc->n_engaged = get_u32(r, "people counts");
        sc->band = get_u8(r, "band");
        sc->card = get_u8(r, "card");
        sc->stage = get_u8(r, "stage");
        sc->n_reasons = get_u8(r, "reasons");
        if (!r->bad && sc->n_reasons > ENG_MAX_REASONS)
                r->bad = "reason count";
        for (int k = 0; k < sc->n_reasons && !r->bad; k++) {
                struct eng_reason *why = &sc->reasons[k];

                why->code = get_u8(r, "reason");
                why->aux = get_u8(r, "reason");
                why->score = get_u8(r, "reason");
                why->impact = get_f32(r, "reason");
                why->value = get_f32(r, "reason");
                why->ts = (int64_t)get_u64(r, 8, "reason");
                st->ref_kind[k] = get_u8(r, "reason reference");
                if (st->ref_kind[k] == ENG_REF_NUM)
                        why->ref = get_u32(r, "reason reference");
                else if (st->ref_kind[k] <= ENG_REF_OBJECTIVE)
                        st->ref_name[k] = get_str(r, "reason reference");
                else
                        r->bad = "reason reference kind";
        }
}

/* A count of entries of at least min_bytes each, checked against the bytes left. */
static size_t get_count(struct rd *r, size_t min_bytes, const char *what)
{
        uint32_t n = get_u32(r, what);

        if (r->bad || (size_t)n > (r->len - r->pos) / min_bytes) {
                r->bad = r->bad ? r->bad : what;
                return 0;
        }
        return n;
}

static void widen(struct eng_fstate *st, int64_t m)
{
        if (m < st->month_lo)
                st->month_lo = m;
        if (m > st->month_hi)
                st->month_hi = m;
}

static enum cxg_err get_months(struct rd *r, struct eng_fstate *st)
{
        st->n_months = get_count(r, STATE_MONTH_BYTES, "month count");
        if (st->n_months && !(st->months = cxg_calloc(st->n_months, sizeof(*st->months))))
                return CXG_ERR_NOMEM;
        for (size_t m = 0; m < st->n_months && !r->bad; m++) {
                struct eng_fmonth *mo = &st->months[m];

                mo->month = (int64_t)get_u64(r, 8, "month");
                mo->n = get_u32(r, "month");
                mo->failed = get_u32(r, "month");
                mo->slow = get_u32(r, "month");
                mo->sup_n = get_u32(r, "month");
                mo->lat_n = get_u32(r, "month");
                mo->sup_sum = get_f64(r, "month");
                mo->lat_sum = get_f64(r, "month");
                widen(st, mo->month);
        }
        return CXG_OK;
}

static enum cxg_err get_people(struct rd *r, struct eng_fstate *st)
{
        size_t left, used = 0;

        st->n_people = get_count(r, STATE_PERSON_BYTES, "people count");
        left = (r->len - r->pos) / 8; /* active months cannot outnumber the bytes left */
        if (st->n_people && !(st->people = cxg_calloc(st->n_people, sizeof(*st->people))))
                return CXG_ERR_NOMEM;
        if (left && !(st->active_all = cxg_malloc(left * sizeof(int64_t))))
                return CXG_ERR_NOMEM;
        for (size_t k = 0; k < st->n_people && !r->bad; k++) {
                struct eng_fperson *p = &st->people[k];

                p->ext = get_str(r, "person id");
                p->engagement = get_f32(r, "person");
                p->activity = get_f32(r, "person");
                p->prior = get_f32(r, "person");
                p->last = (int32_t)get_u32(r, "person");
                p->channels = (uint16_t)get_u64(r, 2, "person");
                p->caps = get_u8(r, "person");
                p->capmask = get_u64(r, 8, "person");
                p->feedback = (uint16_t)get_u64(r, 2, "person");
                p->n_active = (uint32_t)get_count(r, 8, "active months");
                if (r->bad || p->n_active > left - used) {
                        r->bad = r->bad ? r->bad : "active months";
                        break;
                }
                p->active = st->active_all + used;
                used += p->n_active;
                for (uint32_t m = 0; m < p->n_active; m++) {
                        p->active[m] = (int64_t)get_u64(r, 8, "active month");
                        widen(st, p->active[m]);
                }
        }
        return CXG_OK;
}

/* The people's detector inputs (version 2), the same people as get_people's. */
static enum cxg_err get_dfeat(struct rd *r, struct eng_fstate *st)
{
        size_t np = get_count(r, STATE_DFEAT_BYTES, "detector inputs count"), used = 0;
        size_t left = (r->len - r->pos) / STATE_DAY_BYTES;

        if (!r->bad && np != st->n_people)
                r->bad = "detector inputs count";
        if (r->bad)
                return CXG_OK;
        st->dlast = cxg_calloc(np + 1, sizeof(*st->dlast));
        st->doff = cxg_calloc(np + 1, sizeof(*st->doff));
        st->dage = cxg_calloc(left + 1, sizeof(*st->dage));
        st->dcnt = cxg_calloc(left + 1, sizeof(*st->dcnt));
        if (!st->dlast || !st->doff || !st->dage || !st->dcnt)
                return CXG_ERR_NOMEM;
        for (size_t k = 0; k < np && !r->bad; k++) {
                size_t nd;

                st->dlast[k] = (int32_t)get_u32(r, "detector inputs");
                nd = get_count(r, STATE_DAY_BYTES, "detector days");
                if (r->bad || nd > left - used) {
                        r->bad = r->bad ? r->bad : "detector days";
                        break;
                }
                st->doff[k] = (uint32_t)used;
                for (size_t d = 0; d < nd; d++, used++) {
                        st->dage[used] = (uint16_t)get_u64(r, 2, "detector day");
                        st->dcnt[used] = get_u32(r, "detector day");
                }
        }
        st->doff[np] = (uint32_t)used;
        return CXG_OK;
}

void eng_fstate_free(struct eng_fstate *st)
{
        if (!st)
                return;
        cxg_free(st->dlast);
        cxg_free(st->doff);
        cxg_free(st->dage);
        cxg_free(st->dcnt);
        cxg_free(st->months);
        cxg_free(st->people);
        cxg_free(st->active_all);
        cxg_free(st->blob);
        cxg_free(st);
}

/* Check the frame (magic, version, checksum) of blob. NULL when fine, else why not. */
static const char *check_frame(const unsigned char *b, size_t len, uint32_t *version)
{
        uint32_t crc = 0;

        if (len < 12)
                return "shorter than its frame";
        if (memcmp(b, STATE_MAGIC, 4) != 0)
                return "bad magic (not an account state)";
        *version =
            (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        if (*version != ENG_STATE_VERSION)
                return "version";
        for (int i = 0; i < 4; i++)
                crc |= (uint32_t)b[len - 4 + (size_t)i] << (8 * i);
        if (crc != (uint32_t)crc32(crc32(0, Z_NULL, 0), b, (uInt)(len - 4)))
                return "checksum mismatch (truncated or corrupted)";
        return NULL;
}

enum cxg_err eng_fstate_decode(const void *blob, size_t len, struct eng_fstate **out,
                               struct cxg_error *err)
{
        struct eng_fstate *st;
        struct rd r = {0};
        uint32_t version = 0;
        const char *why = check_frame(blob, len, &version);
        enum cxg_err rc = CXG_OK;

        *out = NULL;
        if (why && strcmp(why, "version") == 0)
                return cxg_error_set(err, CXG_ERR_PARSE,
                                     "engine state: format version %u, this build reads %d",
                                     version, ENG_STATE_VERSION);
        if (why)
                return cxg_error_set(err, CXG_ERR_PARSE, "engine state: %s (%zu bytes)", why, len);
        if (!(st = cxg_calloc(1, sizeof(*st))) || !(st->blob = cxg_malloc(len))) {
                cxg_free(st);
                return cxg_error_set(err, CXG_ERR_NOMEM, "engine state: out of memory");
        }
        memcpy(st->blob, blob, len);
        st->month_lo = INT64_MAX;
        st->month_hi = INT64_MIN;
        r.p = st->blob;
        r.pos = 8;
        r.len = len - 4;
        st->account_ext = get_str(&r, "account id");
        st->at = (int64_t)get_u64(&r, 8, "as-of time");
        get_score(&r, st);
        if ((rc = get_months(&r, st)) || (rc = get_people(&r, st)) || (rc = get_dfeat(&r, st)))
                goto done;
        if (!r.bad && r.pos != r.len)
                r.bad = "trailing bytes";
done:
        if (rc || r.bad) {
                eng_fstate_free(st);
                if (rc)
                        return cxg_error_set(err, rc, "engine state: out of memory");
                return cxg_error_set(err, CXG_ERR_PARSE, "engine state: bad %s at byte %zu of %zu",
                                     r.bad, r.pos, len);
        }
        *out = st;
        return CXG_OK;
}
