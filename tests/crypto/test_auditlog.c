/*
 * Tests for crypto/auditlog.c: the chain link equals an independent
 * HMAC-SHA256 over the bytes docs/schema.md specifies; a checkpoint line
 * signs, parses (also behind a journal prefix) and verifies, and every
 * changed field, a foreign key or a malformed line is refused; and the
 * OpenSSL command line verifies a line with the recipe of docs/crypto.md
 * §11, so a second host needs nothing of meldpunt to check one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "crypto/auditlog.h"
#include "crypto/secret.h"

static const struct auditlog_event ev = {
	"42", "2026-12-01T10:00:00.123456Z", "user:7", "case.read",
	"case:0b7c", "{\"n\": 1, \"who\": \"Zoë\"}"
};

/* lp(s) appended to buf at *off. */
static void
put_lp(unsigned char *buf, size_t *off, const char *s)
{
	uint32_t	n = (uint32_t)strlen(s);

	buf[(*off)++] = (unsigned char)(n >> 24);
	buf[(*off)++] = (unsigned char)(n >> 16);
	buf[(*off)++] = (unsigned char)(n >> 8);
	buf[(*off)++] = (unsigned char)n;
	memcpy(buf + *off, s, n);
	*off += n;
}

Test(auditlog, link_is_the_specified_hmac)
{
	unsigned char	key[32], prev[32], d[32], h[32], want[32];
	unsigned char	buf[1024], msg[256];
	size_t		off = 0, moff = 0;
	unsigned int	wl = 0;

	memset(key, 0x11, sizeof(key));
	memset(prev, 0x22, sizeof(prev));
	memcpy(buf, "meldpunt-audit-v1", 17);
	off = 17;
	put_lp(buf, &off, ev.ae_id);
	put_lp(buf, &off, ev.ae_at);
	put_lp(buf, &off, ev.ae_actor);
	put_lp(buf, &off, ev.ae_action);
	put_lp(buf, &off, ev.ae_object);
	put_lp(buf, &off, ev.ae_details);
	SHA256(buf, off, want);
	cr_assert_eq(auditlog_digest(&ev, d), 0);
	cr_assert_arr_eq(d, want, 32);
	memcpy(msg, "meldpunt-audit-v2", 17);
	moff = 17;
	memcpy(msg + moff, prev, 32);
	moff += 32;
	put_lp(msg, &moff, "3");
	memcpy(msg + moff, d, 32);
	moff += 32;
	cr_assert_not_null(HMAC(EVP_sha256(), key, 32, msg, moff, want, &wl));
	cr_assert_eq(auditlog_hash_v2(key, prev, 3, d, h), 0);
	cr_assert_arr_eq(h, want, 32);
	/* Another position, another link. */
	cr_assert_eq(auditlog_hash_v2(key, prev, 4, d, h), 0);
	cr_assert(memcmp(h, want, 32) != 0);
	cr_assert_eq(auditlog_hash_v2(key, prev, 0, d, h), -1);
}

Test(auditlog, checkpoint_signs_parses_verifies)
{
	struct auditlog_cp	 cp;
	unsigned char		 sk[32], pk[32], sk2[32], pk2[32], head[32];
	char			 line[AUDITLOG_CP_LINE_MAX], pre[600], bad[600];
	const char		*fields[] = { "count=", "head=", "at=", "key=",
				    "sig=" };
	size_t			 i;
	char			*p;

	cr_assert_eq(auditlog_ed25519_generate(sk, pk), 0);
	cr_assert_eq(auditlog_ed25519_generate(sk2, pk2), 0);
	memset(head, 0xab, sizeof(head));
	cr_assert_eq(auditlog_cp_sign(sk, 1234, head, 1764583200, line,
	    sizeof(line)), 0);
	cr_assert(strncmp(line, "meldpunt-audit-checkpoint-v1 count=1234 "
	    "head=abab", 49) == 0, "%s", line);
	cr_assert_not_null(strstr(line, " at=2025-12-01T10:00:00Z key="));
	snprintf(pre, sizeof(pre), "Dec 01 10:00:01 staff1 meldpuntd[9]: "
	    "%s\n", line);
	cr_assert_eq(auditlog_cp_parse(pre, &cp), 1);
	cr_expect_eq(cp.cp_count, 1234);
	cr_expect_arr_eq(cp.cp_head, head, 32);
	cr_expect_eq(auditlog_cp_verify(&cp, pk), 0);
	cr_expect_eq(auditlog_cp_verify(&cp, pk2), -1);
	cr_expect_eq(auditlog_cp_parse("an unrelated journal line\n", &cp), 0);
	/* One changed character in each field: refused. */
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(bad, sizeof(bad), "%s", line);
		cr_assert_not_null(p = strstr(bad, fields[i]));
		p += strlen(fields[i]);
		*p = *p == '1' ? '2' : '1';
		if (auditlog_cp_parse(bad, &cp) == 1)
			cr_expect_eq(auditlog_cp_verify(&cp, pk), -1, "%s",
			    fields[i]);
	}
	/* Truncated or padded: malformed. */
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(line) - 1, line);
	cr_expect_eq(auditlog_cp_parse(bad, &cp), -1);
	snprintf(bad, sizeof(bad), "%s0", line);
	cr_expect_eq(auditlog_cp_parse(bad, &cp), -1);
}

Test(auditlog, openssl_cli_verifies_a_line)
{
	unsigned char	 sk[32], pk[32], head[32], sig[64];
	char		 line[AUDITLOG_CP_LINE_MAX], dir[600], cmd[2400];
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	char		*s;
	FILE		*fp;
	static const unsigned char spki[12] = { 0x30, 0x2a, 0x30, 0x05, 0x06,
	    0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

	cr_assert_eq(auditlog_ed25519_generate(sk, pk), 0);
	memset(head, 0x5a, sizeof(head));
	cr_assert_eq(auditlog_cp_sign(sk, 77, head, 1764583200, line,
	    sizeof(line)), 0);
	snprintf(dir, sizeof(dir), "%s/auditlog-%d", tmp ? tmp : "/tmp",
	    (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	/* msg: the line before " sig="; sig: its hex decoded; pub.der. */
	cr_assert_not_null(s = strstr(line, " sig="));
	snprintf(cmd, sizeof(cmd), "%s/msg", dir);
	cr_assert_not_null(fp = fopen(cmd, "w"));
	fwrite(line, 1, (size_t)(s - line), fp);
	fclose(fp);
	cr_assert_eq(secret_hex_decode(s + 5, 128, sig, 64), 0);
	snprintf(cmd, sizeof(cmd), "%s/sig", dir);
	cr_assert_not_null(fp = fopen(cmd, "w"));
	fwrite(sig, 1, 64, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "%s/pub.der", dir);
	cr_assert_not_null(fp = fopen(cmd, "w"));
	fwrite(spki, 1, sizeof(spki), fp);
	fwrite(pk, 1, 32, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl pkeyutl -verify -pubin "
	    "-inkey pub.der -keyform DER -rawin -in msg -sigfile sig "
	    ">/dev/null 2>&1", dir);
	cr_expect_eq(system(cmd), 0, "openssl did not verify the line");
	/* And refuses a changed message. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && printf x >> msg && openssl "
	    "pkeyutl -verify -pubin -inkey pub.der -keyform DER -rawin -in msg "
	    "-sigfile sig >/dev/null 2>&1", dir);
	cr_expect_neq(system(cmd), 0);
}
