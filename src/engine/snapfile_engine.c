/*
 * snapfile_engine.c: the engine's use of its persisted snapshot (engine.h): opening from the
 * file when it is valid for the store (else from the store, then writing a fresh file),
 * replaying the change log after it, and saving it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/engine.h"
#include "engine/engine_int.h"
#include "engine/snapfile.h"
#include "store/store_changes.h"

static enum cxg_err count_change(void *ctx, const struct store_change *c)
{
        (void)c;
        ++*(size_t *)ctx;
        return CXG_OK;
}

/*
 * Read the file into e->snap and check it against the store. CXG_ERR_INVALID or NOTFOUND with
 * the reason in err when the file is not to be trusted; other codes are the store's failures.
 */
static enum cxg_err load_file(struct eng_engine *e, struct store *st, const char *path,
                              struct eng_open_report *rep, struct cxg_error *err)
{
        char id[ENG_SNAPFILE_ID_MAX];
        int64_t seq = 0, head, floor;
        enum cxg_err rc;

        if ((rc = store_identity(st, id, sizeof(id), err)) ||
            (rc = store_changes_head(st, &head, err)) ||
            (rc = store_changes_floor(st, &floor, err)))
                return rc;
        if ((rc = eng_snapfile_read(&e->snap, path, id, &seq, err)))
                return rc;
        rep->file_seq = seq;
        if (seq > head)
                rc = cxg_error_set(err, CXG_ERR_INVALID,
                                   "snapshot file %s: includes change %" PRId64
                                   ", ahead of the store's newest change %" PRId64
                                   " (a store restored from a backup?)",
                                   path, seq, head);
        else if (seq < floor)
                rc = cxg_error_set(err, CXG_ERR_INVALID,
                                   "snapshot file %s: includes changes up to %" PRId64
                                   ", the change log starts after %" PRId64 " (pruned)",
                                   path, seq, floor);
        else
                rc = store_changes_scan(st, seq, 0, count_change, &rep->replayed, err);
        e->seq = seq;
        return rc;
}

/* Scores of the file-loaded snapshot, then the changes after its seq. */
static enum cxg_err serve_from_file(struct eng_engine *e, struct store *st,
                                    struct eng_open_report *rep, struct cxg_error *err)
{
        struct eng_catchup cu;
        enum cxg_err rc;
        double t0 = eng_now();

        rc = eng_engine_compute(e, st, e->at, &e->scores, err);
        e->compute_s = rep->compute_s = eng_now() - t0;
        if (rc)
                return rc;
        /* called even when the log shows nothing after seq: it is the one path that brings
         * the snapshot up to date, whatever it reads */
        t0 = eng_now();
        rc = eng_engine_catch_up(e, st, 0, &cu, err);
        rep->catch_up_s = eng_now() - t0;
        if (rc == CXG_OK && cu.changes > rep->replayed)
                rep->replayed = cu.changes;
        return rc;
}

static void report_file(const char *path, const struct eng_open_report *rep,
                        const struct eng_engine *e)
{
        cxg_log(CXG_LOG_INFO,
                "engine: snapshot file %s loaded (change %" PRId64
                ", %zu interactions) in %.2f s, scores in %.2f s; replayed %zu changes in "
                "%.2f s",
                path, rep->file_seq, e->snap.main.n + e->snap.delta.n, rep->read_s, rep->compute_s,
                rep->replayed, rep->catch_up_s);
}

/* eng_engine_open_file, of a cluster node when own is not NULL. */
static enum cxg_err open_file(struct eng_engine *e, struct store *st, const struct cxg_config *cfg,
                              int64_t at, int threads, const struct cxg_shardset *own,
                              const char *path, struct eng_open_report *rep_out,
                              struct cxg_error *err)
{
        struct eng_open_report local, *rep = rep_out ? rep_out : &local;
        struct cxg_error why;
        enum cxg_err rc;
        double t0 = eng_now();

        memset(rep, 0, sizeof(*rep));
        cxg_error_clear(&why);
        if ((rc = eng_engine_init(e, cfg, at, threads, err)) ||
            (own && (rc = eng_engine_cluster_init(e, own, err))))
                return rc;
        rc = load_file(e, st, path, rep, &why);
        e->load_s = rep->read_s = eng_now() - t0;
        if (rc == CXG_OK) {
                if ((rc = serve_from_file(e, st, rep, err)))
                        return rc;
                rep->from_file = 1;
                e->snapfile_at = eng_now();
                report_file(path, rep, e);
        } else if (rc == CXG_ERR_INVALID || rc == CXG_ERR_NOTFOUND || rc == CXG_ERR_IO) {
                snprintf(rep->reason, sizeof(rep->reason), "%s", why.msg);
                cxg_log(rc == CXG_ERR_NOTFOUND ? CXG_LOG_INFO : CXG_LOG_WARN,
                        "engine: snapshot file not used, loading from the store: %s", why.msg);
                eng_engine_release(e);
                rc = own ? eng_engine_open_sharded(e, st, cfg, at, threads, own, err)
                         : eng_engine_open(e, st, cfg, at, threads, err);
                if (rc)
                        return rc;
                rep->read_s = e->load_s;
                rep->compute_s = e->compute_s;
        } else {
                if (err)
                        *err = why;
                return rc;
        }
        if (!(e->snapfile = cxg_strdup(path)))
                return cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory");
        return CXG_OK;
}

enum cxg_err eng_engine_open_file(struct eng_engine *e, struct store *st,
                                  const struct cxg_config *cfg, int64_t at, int threads,
                                  const char *path, struct eng_open_report *rep,
                                  struct cxg_error *err)
{
        return open_file(e, st, cfg, at, threads, NULL, path, rep, err);
}

enum cxg_err eng_engine_open_sharded_file(struct eng_engine *e, struct store *st,
                                          const struct cxg_config *cfg, int64_t at, int threads,
                                          const struct cxg_shardset *own, const char *path,
                                          struct eng_open_report *rep, struct cxg_error *err)
{
        if (!own || !own->n)
                return cxg_error_set(err, CXG_ERR_INVALID, "engine: a node needs a shard count");
        return open_file(e, st, cfg, at, threads, own, path, rep, err);
}

enum cxg_err eng_engine_save(struct eng_engine *e, struct store *st, struct cxg_error *err)
{
        char id[ENG_SNAPFILE_ID_MAX];
        enum cxg_err rc;
        double t0 = eng_now();

        if (!e->snapfile)
                return CXG_OK;
        if ((rc = store_identity(st, id, sizeof(id), err)))
                return rc;
        eng_engine_read_lock(e);
        rc = eng_snapfile_write(&e->snap, e->seq, id, e->snapfile, err);
        if (rc == CXG_OK)
                cxg_log(CXG_LOG_INFO,
                        "engine: snapshot file %s written (change %" PRId64 ") in %.2f s",
                        e->snapfile, e->seq, eng_now() - t0);
        eng_engine_unlock(e);
        if (rc == CXG_OK)
                e->snapfile_at = eng_now();
        return rc;
}

void eng_engine_save_periodic(struct eng_engine *e, struct store *st)
{
        struct cxg_error err;

        if (!e->snapfile ||
            (e->snapfile_at > 0 && eng_now() - e->snapfile_at < ENG_SNAPFILE_INTERVAL))
                return;
        cxg_error_clear(&err);
        if (eng_engine_save(e, st, &err))
                cxg_log(CXG_LOG_WARN, "engine: %s", err.msg);
}
