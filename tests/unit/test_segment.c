/* test_segment.c: the Segment message mapping (src/ingest/segment.c) against oracles computed
 * by hand from the payloads: times (sentAt correction), traits, channels, attributes, rejects. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/parse.h"
#include "ingest/segment.h"

struct fx {
        struct cxg_jparser *p;
        struct cxg_arena a;
        struct cxg_buf b;
        struct seg_env env;
        struct seg_msg m;
        struct cxg_error err;
};

static int setup(void **state)
{
        static struct fx f;

        memset(&f, 0, sizeof(f));
        f.p = cxg_jparser_new();
        cxg_arena_init(&f.a, 4096, 0);
        cxg_buf_init(&f.b, 0);
        f.env.received_at = 1700000000; /* 2023-11-14T22:13:20Z */
        f.env.sent_at = CXG_TS_NONE;
        f.env.default_channel = CXG_CH_EMAIL;
        *state = &f;
        return f.p ? 0 : -1;
}

static int teardown(void **state)
{
        struct fx *f = *state;

        cxg_jparser_free(f->p);
        cxg_arena_release(&f->a);
        cxg_buf_release(&f->b);
        return 0;
}

/* Map text as a message of kind (-1: batch element): the cxg_err. */
static enum cxg_err map(struct fx *f, const char *text, int kind)
{
        struct cxg_jval v;

        memset(&f->err, 0, sizeof(f->err));
        assert_int_equal(cxg_jparse(f->p, text, strlen(text), &v, &f->err), CXG_OK);
        return seg_map(v, kind, &f->env, &f->a, &f->b, &f->m, &f->err);
}

static void test_segment_event_time_corrects_the_sender_clock(void **state)
{
        (void)state;
        /* sent 10 s after the event by a clock 1 h behind: received - (sent - t) */
        assert_int_equal(seg_event_time(1000, 1010, 4610), 4600);
        assert_int_equal(seg_event_time(1000, CXG_TS_NONE, 4610), 1000);
        assert_int_equal(seg_event_time(CXG_TS_NONE, 1010, 4610), 4610);
}

static void test_segment_track_maps_name_time_value_and_attributes(void **state)
{
        struct fx *f = *state;

        /* timestamp 2023-11-14T22:00:00Z = 1699999200, message sentAt 22:10:00Z = 1699999800:
         * received 1700000000 - (1699999800 - 1699999200) = 1699999400 */
        assert_int_equal(map(f,
                             "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Signed Up\","
                             "\"messageId\":\"m1\",\"timestamp\":\"2023-11-14T22:00:00Z\","
                             "\"sentAt\":\"2023-11-14T22:10:00.500Z\","
                             "\"properties\":{\"plan\":\"Pro\",\"revenue\":12.5},"
                             "\"context\":{\"groupId\":\"acc9\",\"ip\":\"1.2.3.4\"}}",
                             -1),
                         CXG_OK);
        assert_int_equal(f->m.kind, SEG_TRACK);
        assert_string_equal(f->m.message_id, "m1");
        assert_string_equal(f->m.user_id, "u1");
        assert_string_equal(f->m.group_id, "acc9");
        assert_int_equal(f->m.ts, 1699999400);
        assert_string_equal(f->m.ia.type, "Signed Up");
        assert_true(f->m.ia.value == 12.5);
        assert_int_equal(f->m.ia.channel, CXG_CH_EMAIL); /* no hint: the default */
        assert_string_equal(f->m.ia.attributes,
                            "{\"properties\":{\"plan\":\"Pro\",\"revenue\":12.5},"
                            "\"context\":{\"groupId\":\"acc9\",\"ip\":\"1.2.3.4\"}}");
}

static void test_segment_original_timestamp_and_batch_sent_at(void **state)
{
        struct fx *f = *state;

        f->env.sent_at = 1699999800; /* the batch's sentAt */
        assert_int_equal(map(f,
                             "{\"type\":\"page\",\"userId\":42,\"name\":\"Home\","
                             "\"originalTimestamp\":\"2023-11-14T21:50:00Z\"}",
                             -1),
                         CXG_OK);
        /* 21:50:00Z = 1699998600: 1700000000 - (1699999800 - 1699998600) = 1699998800 */
        assert_int_equal(f->m.ts, 1699998800);
        assert_string_equal(f->m.user_id, "42");
        assert_string_equal(f->m.ia.type, "page");
        assert_int_equal(f->m.ia.channel, CXG_CH_WEB);
        assert_string_equal(f->m.ia.attributes, "{\"name\":\"Home\"}");
        f->env.sent_at = CXG_TS_NONE;
        assert_int_equal(map(f, "{\"userId\":\"u\"}", SEG_SCREEN), CXG_OK);
        assert_int_equal(f->m.ts, 1700000000); /* no time given: received */
        assert_int_equal(f->m.ia.channel, CXG_CH_APP);
        assert_null(f->m.ia.attributes);
}

static void test_segment_channel_from_context(void **state)
{
        struct fx *f = *state;
        static const struct {
                const char *ctx;
                int ch;
        } cases[] = {
            {"{\"channel\":\"browser\"}", CXG_CH_WEB},
            {"{\"channel\":\"mobile\"}", CXG_CH_APP},
            {"{\"channel\":\"support\"}", CXG_CH_SUPPORT},
            {"{\"channel\":\"server\"}", CXG_CH_EMAIL},
            {"{\"device\":{\"type\":\"ios\"}}", CXG_CH_APP},
            {"{\"library\":{\"name\":\"analytics.js\"}}", CXG_CH_WEB},
            {"{\"library\":{\"name\":\"analytics-android\"}}", CXG_CH_APP},
            {"{\"library\":{\"name\":\"analytics-node\"}}", CXG_CH_EMAIL},
            {"{\"userAgent\":\"Mozilla/5.0\"}", CXG_CH_WEB},
        };
        char text[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(text, sizeof(text), "{\"userId\":\"u\",\"event\":\"e\",\"context\":%s}",
                         cases[i].ctx);
                assert_int_equal(map(f, text, SEG_TRACK), CXG_OK);
                assert_int_equal(f->m.ia.channel, cases[i].ch);
        }
}

static void test_segment_batch_context_merges_under_the_message(void **state)
{
        struct fx *f = *state;
        struct cxg_jval ctx;
        const char *batch = "{\"ip\":\"9.9.9.9\",\"device\":{\"type\":\"phone\"}}";

        assert_int_equal(cxg_jparse(f->p, batch, strlen(batch), &ctx, &f->err), CXG_OK);
        /* a second parser keeps the batch context alive while the message is parsed */
        {
                struct cxg_jparser *p2 = cxg_jparser_new();
                const char *msg =
                    "{\"userId\":\"u\",\"event\":\"e\",\"context\":{\"ip\":\"1.1.1.1\"}}";
                struct cxg_jval v;

                assert_non_null(p2);
                assert_int_equal(cxg_jparse(p2, msg, strlen(msg), &v, &f->err), CXG_OK);
                f->env.context = ctx;
                assert_int_equal(seg_map(v, SEG_TRACK, &f->env, &f->a, &f->b, &f->m, &f->err),
                                 CXG_OK);
                assert_string_equal(f->m.ia.attributes,
                                    "{\"context\":{\"ip\":\"1.1.1.1\",\"device\":{\"type\":"
                                    "\"phone\"}}}");
                assert_int_equal(f->m.ia.channel, CXG_CH_APP); /* the batch's device */
                memset(&f->env.context, 0, sizeof(f->env.context));
                cxg_jparser_free(p2);
        }
}

static void test_segment_identify_traits_to_person(void **state)
{
        struct fx *f = *state;

        assert_int_equal(map(f,
                             "{\"userId\":\"p1\",\"traits\":{\"firstName\":\"Ada\","
                             "\"lastName\":\"Lovelace\",\"email\":\"ada@example.com\","
                             "\"title\":\"Chief Scientist\",\"logins\":5,"
                             "\"createdAt\":\"2020-01-02T00:00:00Z\"}}",
                             SEG_IDENTIFY),
                         CXG_OK);
        assert_string_equal(f->m.person.id, "p1");
        assert_string_equal(f->m.person.name, "Ada Lovelace");
        assert_string_equal(f->m.person.email, "ada@example.com");
        assert_string_equal(f->m.person.role, "Chief Scientist");
        assert_int_equal(f->m.person.seniority, -1); /* derived by the store from the role */
        assert_int_equal(f->m.person.created_at, 1577923200);
        assert_null(f->m.person.account_id);
        assert_string_equal(f->m.person.attributes, "{\"logins\":5}");
        assert_int_equal(map(f, "{\"userId\":\"p1\",\"traits\":{\"name\":\"A\",\"role\":\"CTO\"}}",
                             SEG_IDENTIFY),
                         CXG_OK);
        assert_string_equal(f->m.person.role, "CTO");
        assert_null(f->m.person.attributes);
}

static void test_segment_group_traits_to_account(void **state)
{
        struct fx *f = *state;

        assert_int_equal(map(f,
                             "{\"type\":\"group\",\"userId\":\"p1\",\"groupId\":\"g7\","
                             "\"traits\":{\"name\":\"Initech\",\"plan\":\"Enterprise\","
                             "\"monthlyRevenue\":1250,\"employees\":420}}",
                             -1),
                         CXG_OK);
        assert_string_equal(f->m.group_id, "g7");
        assert_string_equal(f->m.account.id, "g7");
        assert_string_equal(f->m.account.name, "Initech");
        assert_string_equal(f->m.account.plan, "Enterprise");
        assert_true(f->m.account.mrr == 1250.0);
        assert_string_equal(f->m.account.attributes, "{\"employees\":420}");
        assert_int_equal(map(f, "{\"userId\":\"p1\",\"groupId\":\"g\",\"traits\":{}}", SEG_GROUP),
                         CXG_OK);
        assert_true(isnan(f->m.account.mrr));
}

static void test_segment_rejects_name_the_field(void **state)
{
        struct fx *f = *state;
        static const struct {
                const char *text;
                int kind;
                const char *field;
        } cases[] = {
            {"{\"type\":\"launch\",\"userId\":\"u\"}", -1, "type"},
            {"{\"userId\":\"u\"}", -1, "type"},
            {"{\"type\":\"track\",\"userId\":\"u\"}", -1, "event"},
            {"{\"event\":\"e\",\"anonymousId\":\"a\"}", SEG_TRACK, "userId"},
            {"{\"event\":\"e\",\"userId\":[1]}", SEG_TRACK, "userId"},
            {"{\"event\":\"e\",\"userId\":\"u\",\"timestamp\":\"2015-2-02T00:30:08Z\"}", SEG_TRACK,
             "timestamp"},
            {"{\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"\"}", SEG_TRACK, "messageId"},
            {"{\"userId\":\"u\"}", SEG_GROUP, "groupId"},
            {"{\"userId\":\"u\",\"groupId\":\"g\",\"traits\":{\"mrr\":-1}}", SEG_GROUP,
             "traits.mrr"},
            {"{\"userId\":\"u\",\"previousId\":\"x\"}", SEG_ALIAS, "type"},
            {"{\"userId\":\"u\",\"event\":\"e\",\"context\":{\"groupId\":{}}}", SEG_TRACK,
             "context.groupId"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(map(f, cases[i].text, cases[i].kind), CXG_ERR_INVALID);
                assert_string_equal(f->err.field, cases[i].field);
        }
        assert_int_equal(map(f, "{\"event\":\"e\",\"anonymousId\":\"a\"}", SEG_TRACK),
                         CXG_ERR_INVALID);
        assert_non_null(strstr(f->err.msg, "anonymous"));
        assert_int_equal(map(f, "[]", SEG_TRACK), CXG_ERR_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_segment_event_time_corrects_the_sender_clock),
            cmocka_unit_test_setup_teardown(test_segment_track_maps_name_time_value_and_attributes,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_segment_original_timestamp_and_batch_sent_at,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_segment_channel_from_context, setup, teardown),
            cmocka_unit_test_setup_teardown(test_segment_batch_context_merges_under_the_message,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_segment_identify_traits_to_person, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_segment_group_traits_to_account, setup, teardown),
            cmocka_unit_test_setup_teardown(test_segment_rejects_name_the_field, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
