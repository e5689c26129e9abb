/*
 * Sealed reporter-session tokens (daemon/rsession.c): what one public
 * process seals, another with the same key opens; a different key, any
 * changed byte, a malformed header or an expired token opens nothing.
 * (Revocation is the database's: tests/e2e/test_public.c and tests/ha/.)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "daemon/rsession.h"

static void
cred(struct rsession_cred *c)
{
	memset(c, 0, sizeof(*c));
	memset(c->rc_lookup, 0x11, sizeof(c->rc_lookup));
	memset(c->rc_verifier, 0x22, sizeof(c->rc_verifier));
	memset(c->rc_case, 0x33, sizeof(c->rc_case));
	memset(c->rc_tk, 0x44, sizeof(c->rc_tk));
	c->rc_lang = I18N_TR;
}

Test(rsession, another_process_with_the_shared_key_opens_the_token)
{
	unsigned char		 key[RSESSION_KEY_LEN], h1[RSESSION_HASH_LEN],
				 h2[RSESSION_HASH_LEN];
	struct rsession_store	*a, *b, *other;
	struct rsession_cred	 c, got;
	char			 tok[RSESSION_TOKEN_HEXLEN + 1], hdr[700];
	time_t			 exp, now = 1000;

	memset(key, 7, sizeof(key));
	cr_assert_not_null(a = rsession_store_new(key, 60));
	cr_assert_not_null(b = rsession_store_new(key, 60));
	cr_assert_not_null(other = rsession_store_new(NULL, 60));
	cred(&c);
	cr_assert_eq(rsession_create(a, &c, now, tok, &exp, h1), 0);
	cr_expect_eq(exp, now + 60);
	cr_expect_eq(strlen(tok), RSESSION_TOKEN_HEXLEN);
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	memset(&got, 0, sizeof(got));
	cr_assert_eq(rsession_get(b, hdr, now + 1, &got, h2), 0);
	cr_expect_eq(memcmp(&got, &c, sizeof(c)), 0);
	cr_expect_eq(memcmp(h1, h2, sizeof(h1)), 0);
	/* A process with its own random key cannot open it. */
	cr_expect_eq(rsession_get(other, hdr, now + 1, &got, h2), -1);
	/* Expired. */
	cr_expect_eq(rsession_get(b, hdr, now + 60, &got, h2), -1);
	/* Two logins give two sessions (distinct ids). */
	cr_assert_eq(rsession_create(a, &c, now, tok, &exp, h2), 0);
	cr_expect_neq(memcmp(h1, h2, sizeof(h1)), 0);
	rsession_store_free(a);
	rsession_store_free(b);
	rsession_store_free(other);
	rsession_store_free(NULL);
}

Test(rsession, every_changed_byte_and_malformed_header_is_refused)
{
	unsigned char		 key[RSESSION_KEY_LEN], h[RSESSION_HASH_LEN];
	struct rsession_store	*ss;
	struct rsession_cred	 c, got;
	char			 tok[RSESSION_TOKEN_HEXLEN + 1], hdr[700];
	time_t			 exp, now = 1000;
	size_t			 i;

	memset(key, 9, sizeof(key));
	cr_assert_not_null(ss = rsession_store_new(key, 60));
	cred(&c);
	cr_assert_eq(rsession_create(ss, &c, now, tok, &exp, h), 0);
	for (i = 0; i < RSESSION_TOKEN_HEXLEN; i++) {
		snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
		/* Flip one bit of one hex digit's value. */
		hdr[7 + i] = hdr[7 + i] == '0' ? '1' : '0';
		cr_assert_eq(rsession_get(ss, hdr, now, &got, h), -1,
		    "changed digit %zu accepted", i);
	}
	cr_expect_eq(rsession_get(ss, NULL, now, &got, h), -1);
	cr_expect_eq(rsession_get(ss, tok, now, &got, h), -1);	/* no Bearer */
	cr_expect_eq(rsession_get(ss, "Bearer 00", now, &got, h), -1);
	snprintf(hdr, sizeof(hdr), "Bearer %sff", tok);
	cr_expect_eq(rsession_get(ss, hdr, now, &got, h), -1);
	snprintf(hdr, sizeof(hdr), "Bearer %.*s", RSESSION_TOKEN_HEXLEN - 2,
	    tok);
	cr_expect_eq(rsession_get(ss, hdr, now, &got, h), -1);
	rsession_store_free(ss);
}
