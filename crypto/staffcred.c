/*
 * Staff credentials and the queue/thread key wraps of docs/crypto.md §7
 * (see staffcred.h).  One Argon2id per login gives both the proof the
 * database checks and the key that opens the handler's private key, so a
 * login costs one hash, and nothing readable before the proof (salt and
 * parameters) allows an offline guess.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/envelope.h"
#include "crypto/staffcred.h"

#define INFO_PROOF	"meldpunt staff v1 proof"
#define INFO_KEK	"meldpunt staff v1 key-seal"
#define AAD_LABEL	"meldpunt-staff-seal"
#define QWRAP_LABEL	"meldpunt-queue-key-wrap"
#define TWRAP_LABEL	"meldpunt-thread-key-wrap"
#define IWRAP_LABEL	"meldpunt-identity-key-wrap"
#define LWRAP_LABEL	"meldpunt-contact-link-wrap"

int
staffcred_derive(const struct secret_kdf *kdf, const char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen,
    unsigned char proof[STAFFCRED_PROOF_LEN],
    unsigned char kek[STAFFCRED_KEK_LEN])
{
	unsigned char	a[32];
	int		rc = -1;

	if (pw == NULL || pwlen > 1024 || salt == NULL || saltlen < 16)
		return (-1);
	if (secret_argon2id(kdf, pw, pwlen, salt, saltlen, a, sizeof(a)) == -1)
		goto done;
	if (secret_hkdf(a, sizeof(a), NULL, 0, INFO_PROOF, proof,
	    STAFFCRED_PROOF_LEN) == -1 ||
	    secret_hkdf(a, sizeof(a), NULL, 0, INFO_KEK, kek,
	    STAFFCRED_KEK_LEN) == -1)
		goto done;
	rc = 0;
 done:
	secret_wipe(a, sizeof(a));
	if (rc == -1) {
		secret_wipe(proof, STAFFCRED_PROOF_LEN);
		secret_wipe(kek, STAFFCRED_KEK_LEN);
	}
	return (rc);
}

/* AAD = version || label || 0x00 || purpose || 0x00 || username. */
static unsigned char *
seal_aad(const char *purpose, const char *username, size_t *len)
{
	size_t		 lp, lu, ll = strlen(AAD_LABEL);
	unsigned char	*a;

	if (purpose == NULL || username == NULL)
		return (NULL);
	lp = strlen(purpose);
	lu = strlen(username);
	if (lp > 16 || lu == 0 || lu > STAFFCRED_USER_MAX)
		return (NULL);
	*len = 1 + ll + 1 + lp + 1 + lu;
	if ((a = malloc(*len)) == NULL)
		return (NULL);
	a[0] = STAFFCRED_VERSION;
	memcpy(a + 1, AAD_LABEL, ll);
	a[1 + ll] = 0;
	memcpy(a + 2 + ll, purpose, lp);
	a[2 + ll + lp] = 0;
	memcpy(a + 3 + ll + lp, username, lu);
	return (a);
}

int
staffcred_seal(const unsigned char key[32], const char *purpose,
    const char *username, const unsigned char *pt, size_t ptlen,
    unsigned char **out, size_t *outlen)
{
	unsigned char	*aad, *buf = NULL;
	size_t		 aadlen;

	*out = NULL;
	if (pt == NULL || ptlen == 0 || ptlen > 256)
		return (-1);
	if ((aad = seal_aad(purpose, username, &aadlen)) == NULL)
		return (-1);
	if ((buf = malloc(ptlen + STAFFCRED_SEAL_OVERHEAD)) == NULL)
		goto fail;
	buf[0] = STAFFCRED_VERSION;
	if (secret_random(buf + 1, SECRET_GCM_NONCELEN) == -1 ||
	    secret_gcm_seal(key, buf + 1, aad, aadlen, pt, ptlen,
	    buf + 1 + SECRET_GCM_NONCELEN) == -1)
		goto fail;
	free(aad);
	*out = buf;
	*outlen = ptlen + STAFFCRED_SEAL_OVERHEAD;
	return (0);
 fail:
	free(aad);
	free(buf);
	return (-1);
}

int
staffcred_open(const unsigned char key[32], const char *purpose,
    const char *username, const unsigned char *in, size_t inlen,
    struct secret **out)
{
	unsigned char	*aad;
	size_t		 aadlen, ptlen;
	struct secret	*s = NULL;

	*out = NULL;
	if (in == NULL || inlen <= STAFFCRED_SEAL_OVERHEAD ||
	    inlen > 256 + STAFFCRED_SEAL_OVERHEAD || in[0] != STAFFCRED_VERSION)
		return (-1);
	if ((aad = seal_aad(purpose, username, &aadlen)) == NULL)
		return (-1);
	ptlen = inlen - STAFFCRED_SEAL_OVERHEAD;
	if ((s = secret_new_locked(ptlen)) == NULL ||
	    secret_gcm_open(key, in + 1, aad, aadlen,
	    in + 1 + SECRET_GCM_NONCELEN, inlen - 1 - SECRET_GCM_NONCELEN,
	    s->s_buf) == -1) {
		secret_free(s);
		free(aad);
		return (-1);
	}
	free(aad);
	*out = s;
	return (0);
}

int
staffcred_key_id(const struct hpke_key *key,
    unsigned char id[STAFFCRED_KEYID_LEN])
{
	return (envelope_key_id(key, id));
}

int
staffcred_key_id_parse(const char *hex, unsigned char id[STAFFCRED_KEYID_LEN])
{
	size_t	i;

	if (hex == NULL || strlen(hex) != 2 * STAFFCRED_KEYID_LEN)
		return (-1);
	/* Lowercase only: one spelling per id, as in the JSON form. */
	for (i = 0; hex[i] != '\0'; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			return (-1);
	return (secret_hex_decode(hex, 2 * STAFFCRED_KEYID_LEN, id,
	    STAFFCRED_KEYID_LEN) == -1 ? -1 : 0);
}

void
staffcred_key_id_hex(const unsigned char id[STAFFCRED_KEYID_LEN],
    char hex[2 * STAFFCRED_KEYID_LEN + 1])
{
	secret_hex_encode(id, STAFFCRED_KEYID_LEN, hex);
}

/* info = label || a (16) || b (16) */
static size_t
wrap_info(const char *label, const unsigned char *a, const unsigned char *b,
    unsigned char *info)
{
	size_t	l = strlen(label);

	memcpy(info, label, l);
	memcpy(info + l, a, 16);
	memcpy(info + l + 16, b, 16);
	return (l + 32);
}

static int
wrap32(const struct hpke_key *pk, const char *label, const unsigned char *a,
    const unsigned char *b, const unsigned char *pt, uint8_t *enc,
    size_t *enclen, uint8_t *wrapped)
{
	unsigned char	info[64];
	size_t		infolen;

	if (pk == NULL || pt == NULL)
		return (-1);
	infolen = wrap_info(label, a, b, info);
	*enclen = HPKE_MAX_ENC;
	return (hpke_seal(&hpke_suite_default, pk, info, infolen, NULL, 0,
	    pt, 32, enc, enclen, wrapped));
}

static int
unwrap32(const struct hpke_key *sk, const char *label,
    const unsigned char *a, const unsigned char *b, const uint8_t *enc,
    size_t enclen, const uint8_t *wrapped, size_t wrappedlen,
    unsigned char *pt)
{
	unsigned char	info[64];
	size_t		infolen;

	if (sk == NULL || enc == NULL || wrapped == NULL ||
	    wrappedlen != STAFFCRED_WRAPPED_LEN)
		return (-1);
	infolen = wrap_info(label, a, b, info);
	return (hpke_open(&hpke_suite_default, sk, enc, enclen, info, infolen,
	    NULL, 0, wrapped, wrappedlen, pt));
}

int
staffcred_wrap_queue_key(const struct hpke_key *pk_rcpt,
    const unsigned char qkid[STAFFCRED_KEYID_LEN],
    const unsigned char rkid[STAFFCRED_KEYID_LEN],
    const unsigned char *scalar, uint8_t *enc, size_t *enclen,
    uint8_t *wrapped)
{
	return (wrap32(pk_rcpt, QWRAP_LABEL, qkid, rkid, scalar, enc, enclen,
	    wrapped));
}

int
staffcred_unwrap_queue_key(const struct hpke_key *sk_rcpt,
    const unsigned char qkid[STAFFCRED_KEYID_LEN],
    const unsigned char rkid[STAFFCRED_KEYID_LEN], const uint8_t *enc,
    size_t enclen, const uint8_t *wrapped, size_t wrappedlen,
    unsigned char scalar[STAFFCRED_SCALAR_LEN])
{
	return (unwrap32(sk_rcpt, QWRAP_LABEL, qkid, rkid, enc, enclen,
	    wrapped, wrappedlen, scalar));
}

int
staffcred_wrap_officer_key(const struct hpke_key *pk_officer, int link,
    const unsigned char ikid[STAFFCRED_KEYID_LEN],
    const unsigned char okid[STAFFCRED_KEYID_LEN],
    const unsigned char *key32, uint8_t *enc, size_t *enclen,
    uint8_t *wrapped)
{
	return (wrap32(pk_officer, link ? LWRAP_LABEL : IWRAP_LABEL, ikid,
	    okid, key32, enc, enclen, wrapped));
}

int
staffcred_unwrap_officer_key(const struct hpke_key *sk_officer, int link,
    const unsigned char ikid[STAFFCRED_KEYID_LEN],
    const unsigned char okid[STAFFCRED_KEYID_LEN], const uint8_t *enc,
    size_t enclen, const uint8_t *wrapped, size_t wrappedlen,
    unsigned char key32[32])
{
	return (unwrap32(sk_officer, link ? LWRAP_LABEL : IWRAP_LABEL, ikid,
	    okid, enc, enclen, wrapped, wrappedlen, key32));
}

int
staffcred_wrap_thread_key(const struct hpke_key *pk_queue,
    const unsigned char qkid[STAFFCRED_KEYID_LEN],
    const unsigned char case_id[16], const unsigned char tk[32],
    uint8_t *enc, size_t *enclen, uint8_t *wrapped)
{
	return (wrap32(pk_queue, TWRAP_LABEL, qkid, case_id, tk, enc, enclen,
	    wrapped));
}

int
staffcred_unwrap_thread_key(const struct hpke_key *sk_queue,
    const unsigned char qkid[STAFFCRED_KEYID_LEN],
    const unsigned char case_id[16], const uint8_t *enc, size_t enclen,
    const uint8_t *wrapped, size_t wrappedlen, unsigned char tk[32])
{
	return (unwrap32(sk_queue, TWRAP_LABEL, qkid, case_id, enc, enclen,
	    wrapped, wrappedlen, tk));
}

int
staffcred_uuid_parse(const char *s, unsigned char out[16])
{
	char	hex[33];
	size_t	i, n = 0;

	if (s == NULL || strlen(s) != 36)
		return (-1);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (-1);
			continue;
		}
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (-1);
		hex[n++] = s[i];
	}
	hex[n] = '\0';
	return (secret_hex_decode(hex, 32, out, 16) == -1 ? -1 : 0);
}
