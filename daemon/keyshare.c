/*
 * Queue keys for pending members, wrapped by a colleague's fresh session
 * (see keyshare.h, schema/0100_member_onboarding.sql).  Three steps:
 *   1 loop    casework.pending_wraps(): (queue key id, member, member's
 *             public key) for keys this session holds; the queue
 *             scalars are copied out of the session into locked memory
 *   2 worker  HPKE-wrap each scalar to the member's public key (the same
 *             wrap `meldctl queue members add --recovery-key` makes)
 *   3 loop    casework.pending_wraps_store(), which re-checks each row
 *             and audits it as queue.member_wrap.
 * The scalars are wiped as soon as they are wrapped.  The database
 * bounds the work per login (64 rows); the rest waits for the next one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/app.h"
#include "daemon/keyshare.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define KS_MAX		64	/* = the LIMIT of casework.pending_wraps() */
#define KS_PUB_HEX	(2 * HPKE_MAX_PUB + 1)

struct ks_item {
	char		 ki_key[2 * STAFFCRED_KEYID_LEN + 1];
	int		 ki_user;
	unsigned char	 ki_pub[HPKE_MAX_PUB];
	size_t		 ki_publen;
	struct secret	*ki_scalar;	/* locked; freed once wrapped */
	int		 ki_ok;
	char		 ki_enc[2 * HPKE_MAX_ENC + 1];
	char		 ki_wrapped[2 * STAFFCRED_WRAPPED_LEN + 1];
};

struct keyshare {
	struct app	*ks_app;
	struct ssession	*ks_s;
	keyshare_cb	 ks_done;
	void		*ks_arg;
	struct ks_item	 ks_items[KS_MAX];
	int		 ks_n;
};

static void
keyshare_finish(struct keyshare *ks)
{
	int	i;

	ks->ks_done(ks->ks_arg);
	for (i = 0; i < ks->ks_n; i++)
		secret_free(ks->ks_items[i].ki_scalar);
	ssession_unref(ks->ks_s);
	OPENSSL_cleanse(ks, sizeof(*ks));
	free(ks);
}

static void
keyshare_stored(int st, const char *sqlstate, PGresult **res, int n,
    void *arg)
{
	struct keyshare	*ks = arg;

	if (st != STORE_OK || n < 1)
		log_warnx("%s: storing wraps for pending members failed, "
		    "status %d sqlstate %s", __func__, st, sqlstate);
	else
		log_info("queue keys wrapped for pending members: %s",
		    PQgetvalue(res[0], 0, 0));
	keyshare_finish(ks);
}

/* A "{a,b,...}" array literal of the chosen member of each wrapped item;
 * the values are hex, key ids or integers, which need no quoting. */
static char *
keyshare_array(const struct keyshare *ks, int which)
{
	size_t	 cap = 2, len = 0;
	char	*s, num[16];
	int	 i, first = 1;
	const char *v;

	for (i = 0; i < ks->ks_n; i++)
		cap += KS_PUB_HEX + 2;
	if ((s = malloc(cap)) == NULL)
		return (NULL);
	s[len++] = '{';
	for (i = 0; i < ks->ks_n; i++) {
		const struct ks_item *it = &ks->ks_items[i];

		if (!it->ki_ok)
			continue;
		switch (which) {
		case 0:
			v = it->ki_key;
			break;
		case 1:
			snprintf(num, sizeof(num), "%d", it->ki_user);
			v = num;
			break;
		case 2:
			v = NULL;	/* the public key, hex-encoded in place */
			break;
		case 3:
			v = it->ki_enc;
			break;
		default:
			v = it->ki_wrapped;
			break;
		}
		if (!first)
			s[len++] = ',';
		first = 0;
		if (v == NULL) {
			secret_hex_encode(it->ki_pub, it->ki_publen, s + len);
			len += 2 * it->ki_publen;
		} else {
			memcpy(s + len, v, strlen(v));
			len += strlen(v);
		}
	}
	s[len++] = '}';
	s[len] = '\0';
	return (s);
}

static void
keyshare_wrap_work(void *arg)
{
	struct keyshare	*ks = arg;
	struct ks_item	*it;
	struct hpke_key	*pk;
	unsigned char	 qkid[STAFFCRED_KEYID_LEN], rkid[STAFFCRED_KEYID_LEN];
	unsigned char	 enc[HPKE_MAX_ENC], wr[STAFFCRED_WRAPPED_LEN];
	size_t		 enclen;
	int		 i;

	for (i = 0; i < ks->ks_n; i++) {
		it = &ks->ks_items[i];
		pk = hpke_key_from_public(HPKE_KEM_P256_SHA256, it->ki_pub,
		    it->ki_publen);
		if (pk != NULL && staffcred_key_id(pk, rkid) == 0 &&
		    staffcred_key_id_parse(it->ki_key, qkid) == 0 &&
		    staffcred_wrap_queue_key(pk, qkid, rkid,
		    it->ki_scalar->s_buf, enc, &enclen, wr) == 0) {
			secret_hex_encode(enc, enclen, it->ki_enc);
			secret_hex_encode(wr, sizeof(wr), it->ki_wrapped);
			it->ki_ok = 1;
		}
		hpke_key_free(pk);
		secret_free(it->ki_scalar);
		it->ki_scalar = NULL;
	}
}

static void
keyshare_wrap_done(void *arg)
{
	struct keyshare		*ks = arg;
	struct store_stmt	 st;
	char			*a[5] = { NULL, NULL, NULL, NULL, NULL };
	const char		*v[5];
	int			 i, ok = 0;

	for (i = 0; i < ks->ks_n; i++)
		ok += ks->ks_items[i].ki_ok;
	if (ok < ks->ks_n)
		log_warnx("%s: %d of %d wraps for pending members failed",
		    __func__, ks->ks_n - ok, ks->ks_n);
	if (ok == 0)
		goto fail;
	for (i = 0; i < 5; i++)
		if ((a[i] = keyshare_array(ks, i)) == NULL)
			goto fail;
	for (i = 0; i < 5; i++)
		v[i] = a[i];
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT casework.pending_wraps_store($1::text[], "
	    "$2::integer[], $3::text[], $4::text[], $5::text[])";
	st.st_nparams = 5;
	st.st_values = v;
	if (ssession_exec(ks->ks_s, &st, 1, keyshare_stored, ks) == -1)
		goto fail;
	for (i = 0; i < 5; i++)
		free(a[i]);
	return;
 fail:
	for (i = 0; i < 5; i++)
		free(a[i]);
	keyshare_finish(ks);
}

static void
keyshare_listed(int st, const char *sqlstate, PGresult **res, int n,
    void *arg)
{
	struct keyshare	*ks = arg;
	struct ks_item	*it;
	PGresult	*r;
	unsigned char	*pub;
	size_t		 len;
	int		 i;

	if (st != STORE_OK || n < 1) {
		log_warnx("%s: pending_wraps failed, status %d sqlstate %s",
		    __func__, st, sqlstate);
		keyshare_finish(ks);
		return;
	}
	r = res[0];
	for (i = 0; i < PQntuples(r) && ks->ks_n < KS_MAX; i++) {
		it = &ks->ks_items[ks->ks_n];
		if (strlen(PQgetvalue(r, i, 0)) >= sizeof(it->ki_key))
			continue;
		pub = store_bytea_dup(r, i, 2, &len);
		if (pub == NULL || len > sizeof(it->ki_pub) ||
		    (it->ki_scalar = ssession_queue_key(ks->ks_s,
		    PQgetvalue(r, i, 0))) == NULL) {
			free(pub);
			continue;
		}
		snprintf(it->ki_key, sizeof(it->ki_key), "%s",
		    PQgetvalue(r, i, 0));
		it->ki_user = atoi(PQgetvalue(r, i, 1));
		memcpy(it->ki_pub, pub, len);
		it->ki_publen = len;
		free(pub);
		ks->ks_n++;
	}
	if (ks->ks_n == 0 || pool_submit(ks->ks_app->a_pool,
	    keyshare_wrap_work, keyshare_wrap_done, ks) == -1)
		keyshare_finish(ks);
}

int
keyshare_start(struct app *app, struct ssession *s, keyshare_cb done,
    void *arg)
{
	struct keyshare		*ks;
	struct store_stmt	 st;

	if (ssession_nqueue_keys(s) == 0 ||
	    (ks = calloc(1, sizeof(*ks))) == NULL)
		return (-1);
	ks->ks_app = app;
	ks->ks_s = s;
	ks->ks_done = done;
	ks->ks_arg = arg;
	ssession_ref(s);
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT key_id, user_id, public_key "
	    "FROM casework.pending_wraps()";
	if (ssession_exec(s, &st, 1, keyshare_listed, ks) == -1) {
		ssession_unref(s);
		free(ks);
		return (-1);
	}
	return (0);
}
