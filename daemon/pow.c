/*
 * Proof-of-work challenges (policy and format in pow.h).  The source
 * scores reuse the receipt limiter's table (ratelimit.c: fixed size, a
 * flood of fresh sources evicts only the lowest scores).  The spent table
 * is open addressing over the challenge nonces, which are random: a slot
 * is free again once its challenge has expired, so the table never needs
 * a sweep, and its size bounds what an attacker can make us hold --
 * entries are only made for solved challenges admitted to the Argon2id
 * queue, so filling it takes a hash of ours per entry as well as the work.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "crypto/secret.h"
#include "daemon/pow.h"
#include "daemon/ratelimit.h"

#define POW_PROBE	32
#define POW_INFO	"meldpunt-pow-challenge-v1"
#define POW_SOURCES	65536
/* load, as a fraction of the request budget, where the first bit is added */
#define POW_LOAD_FIRST	0.125

struct pow_spent {
	unsigned char	 sp_nonce[POW_NONCE_LEN];
	uint64_t	 sp_expires;	/* 0: free */
};

struct pow {
	struct secret		*pw_key;
	struct pow_policy	 pw_pol;
	struct ratelimit	*pw_sources;
	struct pow_spent	*pw_spent;
	size_t			 pw_cap;
};

/* HKDF-Expand(PRK = ikm, info, L = 32): one HMAC block.  0 or -1. */
static int
pow_derive(const unsigned char *ikm, size_t ikmlen, unsigned char *out)
{
	unsigned char	 info[sizeof(POW_INFO)];
	unsigned int	 len = 0;

	memcpy(info, POW_INFO, sizeof(POW_INFO) - 1);
	info[sizeof(POW_INFO) - 1] = 0x01;
	if (HMAC(EVP_sha256(), ikm, (int)ikmlen, info, sizeof(info), out,
	    &len) == NULL || len != POW_KEY_LEN)
		return (-1);
	return (0);
}

struct pow *
pow_new(const unsigned char *ikm, size_t ikmlen, const struct pow_policy *pol,
    size_t capacity)
{
	struct pow	*pw;

	if (capacity < POW_PROBE)
		capacity = POW_PROBE;
	if ((pw = calloc(1, sizeof(*pw))) == NULL)
		return (NULL);
	pw->pw_pol = *pol;
	pw->pw_cap = capacity;
	if ((pw->pw_key = secret_new_locked(POW_KEY_LEN)) == NULL ||
	    (pw->pw_sources = ratelimit_new(POW_SOURCES)) == NULL ||
	    (pw->pw_spent = calloc(capacity, sizeof(*pw->pw_spent))) == NULL)
		goto fail;
	if (ikm != NULL ? pow_derive(ikm, ikmlen, pw->pw_key->s_buf) :
	    secret_random(pw->pw_key->s_buf, POW_KEY_LEN))
		goto fail;
	return (pw);
 fail:
	pow_free(pw);
	return (NULL);
}

void
pow_free(struct pow *pw)
{
	if (pw == NULL)
		return;
	secret_free(pw->pw_key);
	ratelimit_free(pw->pw_sources);
	free(pw->pw_spent);
	free(pw);
}

const struct pow_policy *
pow_policy(const struct pow *pw)
{
	return (&pw->pw_pol);
}

int
pow_bits(const struct pow_policy *pol, double score, double load)
{
	int	 bits = pol->pp_base, lb = 0, sb = 0;

	/* One bit each time the expected wait doubles past the first. */
	if (load >= POW_LOAD_FIRST) {
		lb = 1 + (int)floor(log2(load / POW_LOAD_FIRST));
		if (lb > pol->pp_load_max)
			lb = pol->pp_load_max;
	}
	/* One bit per pp_source_per_bit challenges past the free ones. */
	if (score > pol->pp_source_free) {
		double	 over = (score - pol->pp_source_free) /
			    pol->pp_source_per_bit;

		sb = over > POW_BITS_MAX ? POW_BITS_MAX : (int)ceil(over);
	}
	bits += lb + sb;
	return (bits > pol->pp_max ? pol->pp_max : bits);
}

/*
 * The source's limit: -1 and the wait until one more challenge fits.  A
 * source may hold pp_source_limit challenges at once; the half point
 * absorbs the decay between closely spaced requests.
 */
static int
pow_limited(struct pow *pw, const unsigned char *tag, double now,
    int *retry_after_s)
{
	double	 s = ratelimit_score(pw->pw_sources, tag, now);
	double	 lim = pw->pw_pol.pp_source_limit - 0.5;

	*retry_after_s = 0;
	if (s < lim)
		return (0);
	/* s * 2^(-t / halflife) = lim */
	*retry_after_s = (int)ceil(RATELIMIT_HALFLIFE * log2(s / lim));
	if (*retry_after_s < 1)
		*retry_after_s = 1;
	return (-1);
}

int
pow_charge(struct pow *pw, const unsigned char *tag, double now,
    int *retry_after_s)
{
	if (pow_limited(pw, tag, now, retry_after_s) == -1)
		return (-1);
	ratelimit_charge(pw->pw_sources, tag, now);
	return (0);
}

double
pow_score(struct pow *pw, const unsigned char *tag, double now)
{
	return (ratelimit_score(pw->pw_sources, tag, now));
}

static void
pow_mac(const struct pow *pw, const unsigned char *signed_part,
    unsigned char *mac)
{
	unsigned char	 full[32];
	unsigned int	 len = 0;

	if (HMAC(EVP_sha256(), pw->pw_key->s_buf, POW_KEY_LEN, signed_part,
	    POW_SIGNED_LEN, full, &len) == NULL)
		memset(full, 0, sizeof(full));	/* never verifies: see check */
	memcpy(mac, full, POW_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
}

int
pow_issue(struct pow *pw, const unsigned char *tag, double now, uint64_t wall,
    double load, char hex[POW_CHALLENGE_HEXLEN + 1], int *bits,
    int *retry_after_s)
{
	unsigned char	 c[POW_CHALLENGE_LEN];
	uint64_t	 exp = wall + (uint64_t)pw->pw_pol.pp_ttl_s;
	int		 i;

	if (pow_charge(pw, tag, now, retry_after_s) == -1)
		return (-1);
	*bits = pow_bits(&pw->pw_pol, ratelimit_score(pw->pw_sources, tag,
	    now), load);
	c[0] = POW_VERSION;
	c[1] = (unsigned char)*bits;
	for (i = 0; i < 8; i++)
		c[2 + i] = (unsigned char)(exp >> (8 * (7 - i)));
	if (secret_random(c + 10, POW_NONCE_LEN) == -1)
		return (-1);
	pow_mac(pw, c, c + POW_SIGNED_LEN);
	secret_hex_encode(c, sizeof(c), hex);
	return (0);
}

static int
pow_unhex(const char *s, size_t n, unsigned char *out)
{
	size_t	 i;

	/* Lowercase only: one spelling per challenge. */
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return (-1);
	return (secret_hex_decode(s, n, out, n / 2) == -1 ? -1 : 0);
}

int
pow_parse(const char *v, size_t len, struct pow_solution *out)
{
	const unsigned char	*c = out->ps_chal;
	size_t			 i;

	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len != POW_HEADER_LEN || v[POW_CHALLENGE_HEXLEN] != ':' ||
	    pow_unhex(v, POW_CHALLENGE_HEXLEN, out->ps_chal) == -1 ||
	    pow_unhex(v + POW_CHALLENGE_HEXLEN + 1, 2 * POW_COUNTER_LEN,
	    out->ps_counter) == -1)
		return (-1);
	if (c[0] != POW_VERSION || c[1] > POW_BITS_MAX)
		return (-1);
	out->ps_bits = c[1];
	out->ps_expires = 0;
	for (i = 0; i < 8; i++)
		out->ps_expires = out->ps_expires << 8 | c[2 + i];
	return (0);
}

int
pow_zero_bits(const unsigned char d[32])
{
	int	 i, n = 0;
	unsigned char	 b;

	for (i = 0; i < 32; i++) {
		if (d[i] == 0) {
			n += 8;
			continue;
		}
		for (b = d[i]; (b & 0x80) == 0; b <<= 1)
			n++;
		break;
	}
	return (n);
}

int
pow_solved(const struct pow_solution *s)
{
	unsigned char	 in[POW_CHALLENGE_LEN + POW_COUNTER_LEN], d[32];

	memcpy(in, s->ps_chal, POW_CHALLENGE_LEN);
	memcpy(in + POW_CHALLENGE_LEN, s->ps_counter, POW_COUNTER_LEN);
	SHA256(in, sizeof(in), d);
	return (pow_zero_bits(d) >= s->ps_bits);
}

enum pow_verdict
pow_check(struct pow *pw, const char *value, uint64_t now,
    struct pow_solution *sol)
{
	unsigned char	 mac[POW_MAC_LEN];

	if (value == NULL)
		return (POW_MISSING);
	if (pow_parse(value, strlen(value), sol) == -1)
		return (POW_MALFORMED);
	pow_mac(pw, sol->ps_chal, mac);
	if (CRYPTO_memcmp(mac, sol->ps_chal + POW_SIGNED_LEN,
	    POW_MAC_LEN) != 0)
		return (POW_FORGED);
	/* Ours, but issued before the base was raised: not enough now. */
	if (sol->ps_bits < pw->pw_pol.pp_base || !pow_solved(sol))
		return (POW_WEAK);
	if (now >= sol->ps_expires)
		return (POW_EXPIRED);
	return (POW_OK);
}

/* The slot holding sol's nonce, or (create) a free one; NULL if none. */
static struct pow_spent *
pow_slot(struct pow *pw, const struct pow_solution *sol, uint64_t now,
    int create)
{
	const unsigned char	*nonce = sol->ps_chal + 10;
	struct pow_spent	*e, *free_slot = NULL;
	uint64_t		 h;
	size_t			 i;

	/* The nonce is random: its bytes are a hash already. */
	memcpy(&h, nonce, sizeof(h));
	for (i = 0; i < POW_PROBE; i++) {
		e = &pw->pw_spent[(h + i) % pw->pw_cap];
		if (e->sp_expires > now &&
		    memcmp(e->sp_nonce, nonce, POW_NONCE_LEN) == 0)
			return (e);
		if (e->sp_expires <= now && free_slot == NULL)
			free_slot = e;
	}
	return (create ? free_slot : NULL);
}

int
pow_is_spent(struct pow *pw, const struct pow_solution *sol, uint64_t now)
{
	return (pow_slot(pw, sol, now, 0) != NULL);
}

int
pow_spend(struct pow *pw, const struct pow_solution *sol, uint64_t now)
{
	struct pow_spent	*e;

	if (pow_is_spent(pw, sol, now) ||
	    (e = pow_slot(pw, sol, now, 1)) == NULL)
		return (-1);
	memcpy(e->sp_nonce, sol->ps_chal + 10, POW_NONCE_LEN);
	/* Kept until the challenge expires; then it is refused anyway. */
	e->sp_expires = sol->ps_expires;
	return (0);
}

void
pow_unspend(struct pow *pw, const struct pow_solution *sol)
{
	struct pow_spent	*e;

	if ((e = pow_slot(pw, sol, 0, 0)) != NULL)
		memset(e, 0, sizeof(*e));
}
