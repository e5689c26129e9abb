/*
 * Tests for daemon/sparse.c, the staff request parsers lifted out of the
 * handlers so that they can be fuzzed: each refuses with the status, code
 * and pointer the handler answered before, in the same order (the shape
 * of a body before its case id), and yields exactly what it yielded.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "daemon/sparse.h"

#define U	"0b9f4c1e-7a2d-4c3b-9e8f-1a2b3c4d5e6f"

static int
body(const char *s, enum sparse_kind k, struct sparse_body *b,
    struct sparse_err *e)
{
	memset(e, 0, sizeof(*e));
	return (sparse_case_body((const unsigned char *)s, strlen(s), k, b, e));
}

static void
refused(int rc, const struct sparse_err *e, int status, const char *code,
    const char *field)
{
	cr_assert_eq(rc, -1);
	cr_expect_eq(e->e_status, status);
	cr_expect_str_eq(e->e_code, code);
	cr_expect_str_eq(e->e_field, field);
	cr_expect_not_null(e->e_message);
}

Test(sparse, case_bodies_shape_then_case_id)
{
	struct sparse_body	 b;
	struct sparse_err	 e;

	cr_assert_eq(body("{\"case\":\"" U "\"}", SPARSE_CASE, &b, &e), 0);
	cr_expect_str_eq(b.sb_case, U);
	sparse_body_clear(&b);
	cr_expect_null(b.sb_root);
	refused(body("[1]", SPARSE_CASE, &b, &e), &e, 400, "bad_request", "");
	cr_expect_str_eq(e.e_message, "The body must be a JSON object.");
	refused(body("{\"case\":\"" U "\",\"x\":1}", SPARSE_CASE, &b, &e), &e,
	    400, "bad_request", "");
	refused(body("{\"case\":\"" U "\",\"case\":\"" U "\"}", SPARSE_CASE,
	    &b, &e), &e, 400, "bad_request", "");
	/* A body of the right shape with a malformed id names no case. */
	refused(body("{\"case\":\"nope\"}", SPARSE_CASE, &b, &e), &e, 404,
	    "not_found", "");
	/* ... but the shape is judged first. */
	refused(body("{\"case\":\"nope\",\"to\":\"Bad\",\"reason\":\"r\"}",
	    SPARSE_TRANSITION, &b, &e), &e, 400, "bad_request", "");
	refused(body("{\"case\":\"" U "\",\"to\":\"closed\",\"reason\":\"\"}",
	    SPARSE_TRANSITION, &b, &e), &e, 400, "bad_request", "");
	cr_assert_eq(body("{\"case\":\"" U "\",\"to\":\"closed\",\"reason\":"
	    "\"done\"}", SPARSE_TRANSITION, &b, &e), 0);
	cr_expect_str_eq(b.sb_to, "closed");
	cr_expect_str_eq(b.sb_reason, "done");
	sparse_body_clear(&b);
	refused(body("{\"case\":\"" U "\",\"text\":\"\"}", SPARSE_NOTE, &b,
	    &e), &e, 400, "bad_request", "");
	cr_expect_str_eq(e.e_message, "Expected {\"case\": id, \"text\": "
	    "1-65536 bytes}.");
	refused(body("{\"case\":\"" U "\",\"queue\":\"Q-1\"}", SPARSE_TRANSFER,
	    &b, &e), &e, 400, "bad_request", "");
	cr_expect_str_eq(e.e_message, "Expected {\"case\": id, \"queue\": "
	    "name, \"reason\": optional}.");
	/* The transfer's reason (schema 0252): optional, 1-1000 bytes. */
	refused(body("{\"case\":\"" U "\",\"queue\":\"obi\",\"reason\":\"\"}",
	    SPARSE_TRANSFER, &b, &e), &e, 400, "invalid_field", "/reason");
	cr_assert_eq(body("{\"case\":\"" U "\",\"queue\":\"obi\",\"reason\":"
	    "\"wrong queue\"}", SPARSE_TRANSFER, &b, &e), 0);
	cr_expect_str_eq(b.sb_reason, "wrong queue");
	sparse_body_clear(&b);
}

Test(sparse, referral_and_identity_request)
{
	struct sparse_body	 b;
	struct sparse_err	 e;

	cr_assert_eq(body("{\"case\":\"" U "\",\"organisation\":\"Gemeente\","
	    "\"referred_on\":\"2024-02-29\",\"reference\":\"\"}",
	    SPARSE_REFERRAL, &b, &e), 0);
	cr_expect_null(b.sb_ref, "an empty reference is none");
	cr_expect_null(b.sb_type);
	sparse_body_clear(&b);
	refused(body("{\"case\":\"" U "\",\"organisation\":\"G\","
	    "\"referred_on\":\"2023-02-29\"}", SPARSE_REFERRAL, &b, &e), &e,
	    400, "bad_request", "");
	refused(body("{\"case\":\"" U "\",\"organisation\":\"G\","
	    "\"referred_on\":\"2024-01-01\",\"organisation_type\":\"nope\"}",
	    SPARSE_REFERRAL, &b, &e), &e, 400, "bad_request", "");
	/* Identity requests: the case first (404), then the reason. */
	refused(body("{\"reason\":\"\"}", SPARSE_IDREQUEST, &b, &e), &e, 404,
	    "not_found", "");
	refused(body("{\"case\":\"" U "\"}", SPARSE_IDREQUEST, &b, &e), &e,
	    400, "missing_field", "/reason");
	refused(body("{\"case\":\"" U "\",\"reason\":7}", SPARSE_IDREQUEST, &b,
	    &e), &e, 400, "invalid_field", "/reason");
	cr_assert_eq(body("{\"case\":\"" U "\",\"reason\":\"police\","
	    "\"other\":true}", SPARSE_IDREQUEST, &b, &e), 0);
	cr_expect_str_eq(b.sb_reason, "police");
	sparse_body_clear(&b);
}

Test(sparse, reclassify_names_the_member)
{
	struct sparse_reclassify r;
	struct sparse_err	 e;
	const char		*s;

	s = "{\"case\":\"" U "\",\"subtype\":\"housing\",\"province\":null}";
	cr_assert_eq(sparse_reclassify((const unsigned char *)s, strlen(s), &r,
	    &e), 0);
	cr_expect_str_eq(r.sr_case, U);
	cr_expect(r.sr_given[0] && r.sr_given[1] && !r.sr_given[2]);
	cr_expect_str_eq(r.sr_val[0], "housing");
	cr_expect_str_eq(r.sr_val[1], "");
	s = "{\"case\":\"" U "\",\"colour\":\"red\"}";
	refused(sparse_reclassify((const unsigned char *)s, strlen(s), &r, &e),
	    &e, 400, "unknown_field", "/colour");
	s = "{\"case\":\"" U "\",\"Bad Name\":1}";
	refused(sparse_reclassify((const unsigned char *)s, strlen(s), &r, &e),
	    &e, 400, "unknown_field", "/");
	s = "{\"case\":\"" U "\",\"id\":\"" U "\",\"sector\":null}";
	refused(sparse_reclassify((const unsigned char *)s, strlen(s), &r, &e),
	    &e, 400, "invalid_field", "/id");
	s = "{\"case\":\"" U "\"}";
	refused(sparse_reclassify((const unsigned char *)s, strlen(s), &r, &e),
	    &e, 400, "missing_field", "/subtype");
	s = "{\"subtype\":null}";
	refused(sparse_reclassify((const unsigned char *)s, strlen(s), &r, &e),
	    &e, 400, "invalid_field", "/subtype");
	s = "{\"case\":\"x\",\"ground\":\"age\"}";
	refused(sparse_reclassify((const unsigned char *)s, strlen(s), &r, &e),
	    &e, 404, "not_found", "");
}

Test(sparse, decide_and_purge)
{
	struct sparse_decide	 d;
	struct sparse_err	 e;
	const char		*s;

	s = "{\"request\":42,\"approve\":false}";
	cr_assert_eq(sparse_decide((const unsigned char *)s, strlen(s), 0, &d,
	    &e), 0);
	cr_expect_str_eq(d.d_id, "42");
	cr_expect_eq(d.d_approve, 0);
	s = "{\"request\":42}";
	refused(sparse_decide((const unsigned char *)s, strlen(s), 0, &d, &e),
	    &e, 400, "missing_field", "/approve");
	cr_assert_eq(sparse_decide((const unsigned char *)s, strlen(s), 1, &d,
	    &e), 0);
	s = "{\"request\":\"42\",\"approve\":true}";
	refused(sparse_decide((const unsigned char *)s, strlen(s), 0, &d, &e),
	    &e, 400, "invalid_field", "/request");
	s = "{\"request\":-1,\"approve\":true}";
	refused(sparse_decide((const unsigned char *)s, strlen(s), 0, &d, &e),
	    &e, 404, "not_found", "");
}

Test(sparse, login_password_and_key_rotation)
{
	struct sparse_login	 l;
	struct sparse_password	 p;
	struct sparse_err	 e;
	const char		*s;

	s = "{\"username\":\"Alice\",\"password\":\"pw\",\"totp\":\"1\"}";
	cr_assert_eq(sparse_login((const unsigned char *)s, strlen(s), &l, &e),
	    0);
	cr_expect_str_eq(l.sl_user, "-", "a malformed name is refused later");
	cr_expect_str_eq(l.sl_pw, "pw");
	sparse_login_clear(&l);
	s = "{\"username\":\"a\",\"password\":\"\",\"totp\":\"1\"}";
	refused(sparse_login((const unsigned char *)s, strlen(s), &l, &e), &e,
	    400, "bad_request", "");
	s = "{\"password\":\"pw\",\"totp\":\"123456\"}";
	cr_assert_eq(sparse_key_rotate((const unsigned char *)s, strlen(s), &l,
	    &e), 0);
	cr_expect_str_eq(l.sl_code, "123456");
	sparse_login_clear(&l);
	s = "{\"password\":\"pw\",\"totp\":\"12345678901234567\"}";
	refused(sparse_key_rotate((const unsigned char *)s, strlen(s), &l, &e),
	    &e, 400, "bad_request", "");
	s = "{\"old_password\":\"old one\",\"new_password\":\"ALICE\","
	    "\"totp\":\"1\"}";
	refused(sparse_password((const unsigned char *)s, strlen(s), "alice",
	    &p, &e), &e, 400, "weak_password", "/new_password");
	s = "{\"old_password\":\"old one\",\"new_password\":\"\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\",\"totp\":\"1\"}";
	refused(sparse_password((const unsigned char *)s, strlen(s), "alice",
	    &p, &e), &e, 400, "weak_password", "/new_password");
	cr_expect_str_eq(e.e_message, "The new password must be at least 12 "
	    "characters long.");
	s = "{\"old_password\":\"old one\",\"new_password\":\"twelve chars\","
	    "\"totp\":\"1\"}";
	cr_assert_eq(sparse_password((const unsigned char *)s, strlen(s),
	    "alice", &p, &e), 0);
	cr_expect_str_eq(p.sp_new, "twelve chars");
	sparse_password_clear(&p);
}

Test(sparse, case_list_filters_before_sql)
{
	struct sparse_list	 l;
	struct sparse_err	 e;

	cr_assert_eq(sparse_case_list("queue=labour&state=new&priority=2&"
	    "from=2024-02-29&limit=200&after=2025-01-31." U, &l, &e), 0);
	cr_expect_str_eq(l.ls_queue, "labour");
	cr_expect_str_eq(l.ls_state, "new");
	cr_expect_str_eq(l.ls_from, "2024-02-29");
	cr_expect_null(l.ls_to);
	cr_expect_eq(l.ls_limit, 200);
	cr_expect(l.ls_after);
	cr_expect_str_eq(l.ls_aid, U);
	cr_assert_eq(sparse_case_list("queue=labour", &l, &e), 0);
	cr_expect_eq(l.ls_limit, SPARSE_LIST_DEFAULT);
	refused(sparse_case_list("queue=labour&state=bogus", &l, &e), &e, 400,
	    "bad_request", "");
	refused(sparse_case_list("queue=labour&from=2025-13-01", &l, &e), &e,
	    400, "bad_request", "");
	refused(sparse_case_list("queue=labour&limit=201", &l, &e), &e, 400,
	    "bad_request", "");
	refused(sparse_case_list("queue=labour&nope=1", &l, &e), &e, 400,
	    "bad_request", "");
	refused(sparse_case_list("state=new", &l, &e), &e, 400, "bad_request",
	    "");
	refused(sparse_case_list("queue=labour&after=2025-02-30." U, &l, &e),
	    &e, 400, "bad_request", "");
	cr_expect_str_eq(e.e_message, "Bad cursor.");
}
