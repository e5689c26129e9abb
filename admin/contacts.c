/*
 * `meldctl contact flush` (issue 11, schema/0053_contact_handover.sql,
 * docs/crypto.md §12.3): move the pending contact hand-overs into
 * identity.contacts, so that no contact row can be joined to its case by
 * transaction id, insertion order or commit time.  The public process
 * writes each hand-over sealed to the current epoch's public key in the
 * case's transaction; this opens them with the epoch key files and, only
 * when at least K (--batch, default 20) are pending, inserts ALL of them
 * in a random order (Fisher-Yates over the CSPRNG) with one statement that
 * also deletes the pending rows: one transaction, so a crash loses nothing
 * and every contact shares its xmin and commit with at least K - 1 others.
 * `meldctl epoch rotate` re-seals pending rows to the new epoch
 * (contacts_reseal()).  Prints counts only.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/retention.h"
#include "admin/staffadm.h"
#include "crypto/casekey.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"

const char contact_usage[] = "contact flush [--epoch-dir DIR] [--batch K]";
const char contact_help[] =
    "  contact flush [--epoch-dir DIR] [--batch K]\n"
    "      Move the pending contact hand-overs into identity.contacts when\n"
    "      at least K are pending (default 20): all of them, in a random\n"
    "      order, in one transaction that also deletes the pending rows.\n"
    "      Fewer than K stay pending (officers can still read them).\n"
    "      Run it often (deploy/meldpunt-contacts.timer); K is the number of\n"
    "      cases a contact row can be narrowed down to from a dump or from\n"
    "      transaction ids.  Audited as contact.flush.\n"
    "  DIR defaults to " EPOCH_DIR_DEFAULT ".\n"
    "Exit codes: 0 (also when fewer than K are pending), 64 usage,\n"
    "65 a hand-over does not open (epoch key file missing), 69 database.\n";

/* One opened hand-over. */
struct pend {
	char		*p_id;
	char		*p_link, *p_kid, *p_enc, *p_ct;	/* SQL literals */
};

static void
pend_clear(struct pend *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(p[i].p_id);
		free(p[i].p_link);
		free(p[i].p_kid);
		free(p[i].p_enc);
		free(p[i].p_ct);
	}
	free(p);
}

/* Open row i of pending_list() with the epoch key of its row. */
static int
pend_open(PGresult *r, int i, const char *dir, struct pend *p)
{
	struct casekey_contact	 c;
	struct hpke_key		*sk = NULL;
	unsigned char		*enc = NULL, *sealed = NULL, *pt = NULL;
	size_t			 enclen, sealedlen;
	char			 err[512], hex[33];
	uint32_t		 e = (uint32_t)strtoul(PQgetvalue(r, i, 1), NULL,
				    10);
	int			 rc = -1;

	if ((sk = casekey_epoch_load(dir, e, err, sizeof(err))) == NULL) {
		fprintf(stderr, "meldctl: %s\n", err);
		goto done;
	}
	if ((enc = keys_bytea(PQgetvalue(r, i, 2), &enclen)) == NULL ||
	    (sealed = keys_bytea(PQgetvalue(r, i, 3), &sealedlen)) == NULL ||
	    sealedlen <= HPKE_TAG_LEN ||
	    (pt = malloc(sealedlen - HPKE_TAG_LEN)) == NULL ||
	    casekey_handover_open(sk, e, enc, enclen, sealed, sealedlen,
	    pt) == -1 || casekey_handover_parse(pt, sealedlen - HPKE_TAG_LEN,
	    &c) == -1)
		goto done;
	secret_hex_encode(c.cc_key_id, sizeof(c.cc_key_id), hex);
	if ((p->p_id = strdup(PQgetvalue(r, i, 0))) == NULL ||
	    (p->p_link = keys_hexlit(c.cc_link, sizeof(c.cc_link))) == NULL ||
	    (p->p_kid = strdup(hex)) == NULL ||
	    (p->p_enc = keys_hexlit(c.cc_enc, c.cc_enclen)) == NULL ||
	    (p->p_ct = keys_hexlit(c.cc_ct, c.cc_ctlen)) == NULL)
		goto done;
	rc = 0;
 done:
	if (pt != NULL)
		OPENSSL_clear_free(pt, sealedlen - HPKE_TAG_LEN);
	free(enc);
	free(sealed);
	hpke_key_free(sk);
	return (rc);
}

/* Uniform in [0, n) from the CSPRNG, without modulo bias. */
static size_t
uniform(size_t n)
{
	uint32_t	 x, lim = UINT32_MAX - UINT32_MAX % (uint32_t)n;

	do {
		if (secret_random(&x, sizeof(x)) == -1)
			abort();
	} while (x >= lim);
	return (x % (uint32_t)n);
}

/* {"a","b"} literal of one member of every pend, in order. */
static char *
array_lit(const struct pend *p, size_t n, size_t off)
{
	size_t	 len = 3, i;
	char	*s, *w;

	for (i = 0; i < n; i++)
		len += strlen(*(char *const *)((const char *)&p[i] + off)) + 8;
	if ((s = malloc(len)) == NULL)
		return (NULL);
	w = s;
	*w++ = '{';
	for (i = 0; i < n; i++) {
		const char *v = *(char *const *)((const char *)&p[i] + off);

		w += sprintf(w, "%s\"%s%s\"", i ? "," : "",
		    v[0] == '\\' ? "\\" : "", v);
	}
	*w++ = '}';
	*w = '\0';
	return (s);
}

int
contacts_flush(PGconn *conn, const char *dir, int batch, FILE *out)
{
	struct pend	*p = NULL, t;
	PGresult	*r = NULL, *f;
	char		*a[5] = { NULL }, mins[16];
	const char	*v[7];
	size_t		 n, i, j;
	int		 rc = EX_UNAVAILABLE, k;

	r = keys_exec(conn, "SELECT * FROM identity.pending_list()", 0, NULL);
	if (!keys_ok(r))
		goto done;
	n = (size_t)PQntuples(r);
	if (n < (size_t)batch) {
		fprintf(out, "%zu contact%s pending, fewer than %d: nothing "
		    "flushed\n", n, n == 1 ? "" : "s", batch);
		rc = EX_OK;
		goto done;
	}
	if ((p = calloc(n, sizeof(*p))) == NULL)
		goto done;
	for (i = 0; i < n; i++)
		if (pend_open(r, (int)i, dir, &p[i]) == -1) {
			fprintf(stderr, "meldctl: a pending contact does not "
			    "open; nothing flushed\n");
			rc = EX_DATAERR;
			goto done;
		}
	/* Fisher-Yates: the insertion order says nothing of the cases'. */
	for (i = n - 1; i > 0; i--) {
		j = uniform(i + 1);
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	if ((a[0] = array_lit(p, n, offsetof(struct pend, p_id))) == NULL ||
	    (a[1] = array_lit(p, n, offsetof(struct pend, p_link))) == NULL ||
	    (a[2] = array_lit(p, n, offsetof(struct pend, p_kid))) == NULL ||
	    (a[3] = array_lit(p, n, offsetof(struct pend, p_enc))) == NULL ||
	    (a[4] = array_lit(p, n, offsetof(struct pend, p_ct))) == NULL)
		goto done;
	snprintf(mins, sizeof(mins), "%d", batch);
	v[0] = keys_actor();
	v[1] = mins;
	for (k = 0; k < 5; k++)
		v[2 + k] = a[k];
	f = keys_exec(conn, "SELECT identity.pending_flush($1, $2::integer, "
	    "$3::bigint[], $4::bytea[], $5::text[], $6::bytea[], $7::bytea[])",
	    7, v);
	if (keys_ok(f)) {
		fprintf(out, "flushed %zu contacts in one shuffled batch\n", n);
		rc = EX_OK;
	}
	PQclear(f);
 done:
	for (k = 0; k < 5; k++)
		free(a[k]);
	if (p != NULL)
		pend_clear(p, n);
	PQclear(r);
	return (rc);
}

/* Re-seal pending rows of epochs below `to` (or of `only`) to `to`. */
long
contacts_reseal(PGconn *conn, const char *dir, const struct hpke_key *pk,
    uint32_t to, uint32_t only)
{
	PGresult	*r, *u;
	struct hpke_key	*sk;
	unsigned char	*enc, *sealed, *pt, nenc[HPKE_MAX_ENC], *ns;
	size_t		 enclen, sealedlen, nenclen;
	char		 err[512], tos[16], *e1, *s1;
	const char	*v[5];
	long		 failed = 0;
	uint32_t	 e;
	int		 i;

	r = keys_exec(conn, "SELECT * FROM identity.pending_list()", 0, NULL);
	if (!keys_ok(r)) {
		PQclear(r);
		return (-1);
	}
	snprintf(tos, sizeof(tos), "%u", to);
	for (i = 0; i < PQntuples(r); i++) {
		e = (uint32_t)strtoul(PQgetvalue(r, i, 1), NULL, 10);
		if (only != 0 ? e != only : e >= to)
			continue;
		enc = sealed = pt = ns = NULL;
		e1 = s1 = NULL;
		sk = casekey_epoch_load(dir, e, err, sizeof(err));
		nenclen = sizeof(nenc);
		if (sk == NULL || (enc = keys_bytea(PQgetvalue(r, i, 2),
		    &enclen)) == NULL || (sealed = keys_bytea(PQgetvalue(r, i,
		    3), &sealedlen)) == NULL || sealedlen <= HPKE_TAG_LEN ||
		    (pt = malloc(sealedlen)) == NULL ||
		    (ns = malloc(sealedlen)) == NULL ||
		    casekey_handover_open(sk, e, enc, enclen, sealed,
		    sealedlen, pt) == -1 || casekey_handover_seal(pk, to, pt,
		    sealedlen - HPKE_TAG_LEN, nenc, &nenclen, ns) == -1 ||
		    (e1 = keys_hexlit(nenc, nenclen)) == NULL ||
		    (s1 = keys_hexlit(ns, sealedlen)) == NULL)
			failed++;
		else {
			v[0] = PQgetvalue(r, i, 0);
			v[1] = PQgetvalue(r, i, 1);
			v[2] = tos;
			v[3] = e1;
			v[4] = s1;
			u = keys_exec(conn, "SELECT identity.pending_reseal("
			    "$1::bigint, $2::integer, $3::integer, $4::bytea, "
			    "$5::bytea)", 5, v);
			if (!keys_ok(u))
				failed++;
			PQclear(u);
		}
		if (pt != NULL)
			OPENSSL_clear_free(pt, sealedlen);
		free(ns);
		free(enc);
		free(sealed);
		free(e1);
		free(s1);
		hpke_key_free(sk);
	}
	PQclear(r);
	return (failed);
}

int
contact_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	const char	*dir = EPOCH_DIR_DEFAULT;
	PGconn		*conn;
	char		*end;
	long		 batch = 20;
	int		 i, rc;

	if (argc < 2 || strcmp(argv[1], "flush") != 0)
		goto usage;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--epoch-dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			batch = strtol(argv[++i], &end, 10);
			if (*end != '\0' || batch < 1 || batch > 100000)
				goto usage;
		} else
			goto usage;
	}
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = contacts_flush(conn, dir, (int)batch, stdout);
	PQfinish(conn);
	return (rc);
 usage:
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s", contact_usage,
	    contact_help);
	return (EX_USAGE);
}
