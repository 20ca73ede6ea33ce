/*
 * gardens_demo.h: the demo-garden scenario (prefix gdemo_), input for `cxgarden gardens
 * seed-demo` as the generator (ingest/gen.h) is for `generate`. gdemo_plan_build reads the
 * generated accounts (attributes "garden" and "garden_joined_at") and people from the store and
 * writes down, in order, every operation the demo performs: users, gardens, internal and
 * customer members, ideas in every state with votes, comments and approvals, experiments,
 * results, the conclusion of the two measured ideas, a rollout and the sessions credited.
 * It writes nothing; app/gardens_seed.c carries the plan out through the app_* operations.
 *
 * Times are either absolute or offsets from the end of the data (only the executor knows it:
 * the garden panel's end), see struct gdemo_time. What depends on measurements (which accounts
 * are customers when an experiment starts, which of two results is better) is left to the
 * executor and named as such in the operation.
 */
#ifndef CXG_INGEST_GARDENS_DEMO_H
#define CXG_INGEST_GARDENS_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/* Customer members per garden who get a user of their own (and vote, write ideas). */
#define GDEMO_MEMBER_USERS 3
/* Participating accounts of one demo experiment, at most. */
#define GDEMO_MAX_PARTICIPANTS 60
/* Distinct approvers an idea of the demo needs. */
#define GDEMO_APPROVERS 2

/* A moment: at (seconds) when from_end is 0, else the data's end + at. */
struct gdemo_time {
        int64_t at;
        int from_end;
};

/* A generated garden member account, in order of joining. */
struct gdemo_member {
        int64_t account_id;
        int garden; /* index of the garden (order of GDEMO_GARDEN operations) */
        int64_t joined;
        const char *owner;  /* the account's owner (a user name), or NULL */
        const char *person; /* its most senior current person (external id), or NULL */
};

enum gdemo_kind {
        GDEMO_USER,          /* ensure user name with role (and person) exists */
        GDEMO_GARDEN,        /* create garden (starts when it is created) */
        GDEMO_MEMBER,        /* add a member (internal user or customer person) */
        GDEMO_MEMBER_STATUS, /* a customer member's status changes */
        GDEMO_IDEA,          /* create an idea */
        GDEMO_VOTE,
        GDEMO_COMMENT,
        GDEMO_MOVE,       /* move an idea to another state */
        GDEMO_EXPERIMENT, /* set up an idea's experiment */
        GDEMO_RESULT,     /* record the result measured when the experiment was set up */
        GDEMO_CONCLUDE,   /* adopt the better-supported of two results, reject the other */
        GDEMO_ROLLOUT,    /* roll the idea adopted by a GDEMO_CONCLUDE out to a segment */
        GDEMO_CREDIT,     /* credit a session to a user in the ledger */
};

/* One operation of the demo: who does what when; the member of u named by kind applies. */
struct gdemo_op {
        enum gdemo_kind kind;
        struct gdemo_time t;
        const char *by; /* the acting user (NULL for GDEMO_USER) */
        union {
                struct {
                        const char *name, *role, *person;
                } user;
                struct {
                        const char *key, *name, *goal, *owner;
                        int topic; /* enum garden_topic */
                } garden;
                struct {
                        int garden;
                        const char *user, *person; /* one of them */
                        int role, status;          /* enum garden_member_role, _status */
                } member;
                struct {
                        int garden;
                        const char *person;
                        int status;
                } status;
                struct {
                        int garden;
                        const char *title, *hypothesis;
                        int metric; /* enum garden_metric */
                } idea;
                struct {
                        int idea; /* index of the idea (order of GDEMO_IDEA operations) */
                        int value;
                } vote;
                struct {
                        int idea;
                        const char *body;
                        int counted; /* counts in the summary's comments */
                } comment;
                struct {
                        int idea;
                        int to; /* enum idea_state */
                        const char *why;
                } move;
                /*
                 * Participants: the accounts of garden members (in order of joining) who joined
                 * before `from` and are customers then, at most GDEMO_MAX_PARTICIPANTS. With
                 * measure set, the result over [from, to] is measured now and GDEMO_RESULT
                 * records it.
                 */
                struct {
                        int idea, garden;
                        struct gdemo_time from, to;
                        int measure;
                } experiment;
                struct {
                        int idea;
                } result;
                /* idea[k] concludes at t_k: the higher z = diff / se adopted by adopter (the
                 * op's `by`), the other rejected by rejecter, each with the figures as why */
                struct {
                        int idea[2];
                        struct gdemo_time at[2];
                        const char *rejecter;
                } conclude;
                struct {
                        int conclude;  /* index of the GDEMO_CONCLUDE operation */
                        int64_t after; /* seconds after the adoption */
                        const char *segment, *note;
                } rollout;
                struct {
                        int garden;
                        const char *user;
                        int kind; /* enum ledger_kind */
                        const char *cause, *note;
                } credit;
        } u;
};

/* The demo: its member accounts and operations; strings live in the arena. */
struct gdemo_plan {
        struct cxg_arena a;
        struct gdemo_member *m;
        size_t n_members, cap_members;
        struct gdemo_op *ops;
        size_t n_ops, cap_ops;
        size_t n_gardens, n_ideas;
};

void gdemo_plan_init(struct gdemo_plan *p);
void gdemo_plan_release(struct gdemo_plan *p);
/*
 * Build the demo plan from the accounts and people in s (read only). p must be initialised;
 * it is owned by the caller (gdemo_plan_release), also on failure. CXG_ERR_NOTFOUND when no
 * account carries the attributes "garden" and "garden_joined_at".
 */
enum cxg_err gdemo_plan_build(struct gdemo_plan *p, struct store *s, struct cxg_error *err) CXG_WUR;

#endif
