/*
 * Tests for daemon/idem.c: the Idempotency-Key grammar, and that the
 * derived record answers only the same id with the same body -- another
 * body or another id neither matches the check nor opens the receipt,
 * and a tampered record does not open.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/idem.h"

static const unsigned char	 skey[32] = { 1, 2, 3 };
static const char		 rc[] = "4821773011950062";

Test(idem, header_grammar)
{
	char	 id[IDEM_ID_MAX + 1];

	cr_assert_eq(idem_parse_header("Vb7Q0cQm2kq4rT9wX1yZ3a", id), 22);
	cr_assert_str_eq(id, "Vb7Q0cQm2kq4rT9wX1yZ3a");
	cr_assert_eq(idem_parse_header("\"Vb7Q0cQm2kq4rT9wX1yZ3a\"", id), 22);
	cr_assert_str_eq(id, "Vb7Q0cQm2kq4rT9wX1yZ3a");
	cr_assert_eq(idem_parse_header(
	    "0f3d6c1e-9a7b-4c2d-8e5f-a1b2c3d4e5f6", id), 36);
	cr_assert_eq(idem_parse_header("Vb7Q0cQm2kq4rT9wX1yZ3", id), -1);
	cr_assert_eq(idem_parse_header("Vb7Q0cQm2kq4rT9wX1yZ3a!", id), -1);
	cr_assert_eq(idem_parse_header("\"Vb7Q0cQm2kq4rT9wX1yZ3a", id), -1);
	cr_assert_eq(idem_parse_header("Vb7Q0cQm2kq4 rT9wX1yZ3a", id), -1);
	cr_assert_eq(idem_parse_header("", id), -1);
	cr_assert_eq(idem_parse_header(NULL, id), -1);
	cr_assert_eq(idem_parse_header("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", id), -1);	/* 65 */
}

Test(idem, same_id_and_body_only)
{
	struct idem	 a, b, c, d;
	unsigned char	 sealed[IDEM_SEALED_LEN];
	char		 out[RECEIPT_DIGITS + 1];

	cr_assert_eq(idem_derive(skey, sizeof(skey), "abcdefghijklmnopqrstuv",
	    22, (const unsigned char *)"{\"x\":1}", 7, &a), 0);
	cr_assert_eq(idem_derive(skey, sizeof(skey), "abcdefghijklmnopqrstuv",
	    22, (const unsigned char *)"{\"x\":1}", 7, &b), 0);
	cr_assert_eq(idem_derive(skey, sizeof(skey), "abcdefghijklmnopqrstuv",
	    22, (const unsigned char *)"{\"x\":2}", 7, &c), 0);
	cr_assert_eq(idem_derive(skey, sizeof(skey), "abcdefghijklmnopqrstuw",
	    22, (const unsigned char *)"{\"x\":1}", 7, &d), 0);
	cr_assert_eq(memcmp(a.id_lookup, b.id_lookup, IDEM_LEN), 0);
	cr_assert_eq(memcmp(a.id_lookup, c.id_lookup, IDEM_LEN), 0,
	    "another body finds the same record");
	cr_assert_neq(memcmp(a.id_lookup, d.id_lookup, IDEM_LEN), 0);
	cr_assert(idem_same_body(&b, a.id_check, IDEM_LEN));
	cr_assert(!idem_same_body(&c, a.id_check, IDEM_LEN));
	cr_assert(!idem_same_body(&b, a.id_check, IDEM_LEN - 1));

	cr_assert_eq(idem_seal(&a, rc, sealed), 0);
	cr_assert(memmem(sealed, sizeof(sealed), rc, 8) == NULL);
	cr_assert_eq(idem_open(&b, sealed, sizeof(sealed), out), 0);
	cr_assert_str_eq(out, rc);
	cr_assert_eq(idem_open(&c, sealed, sizeof(sealed), out), -1);
	cr_assert_eq(idem_open(&d, sealed, sizeof(sealed), out), -1);
	cr_assert_eq(idem_open(&b, sealed, sizeof(sealed) - 1, out), -1);
	sealed[20] ^= 1;
	cr_assert_eq(idem_open(&b, sealed, sizeof(sealed), out), -1);
	idem_clear(&a);
	idem_clear(&b);
	idem_clear(&c);
	idem_clear(&d);
}
