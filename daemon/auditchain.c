/*
 * The audit chainer (see auditchain.h).  One tick: read the head and up
 * to BATCH pending digests in one transaction, compute the HMAC links on
 * the loop (a microsecond each), store them with audit.chain_extend, and
 * sign a checkpoint when one is due.  Only one tick is in flight at a
 * time; a full batch schedules the next tick at once, so a backlog (say
 * after a restart) drains at BATCH events per two round trips.
 *
 * What the process keeps: the chain key and the checkpoint signing key
 * (locked memory, wiped on exit), the last head it saw or made (to notice
 * a head moving backwards) and the last head it made but did not sign
 * yet.  Nothing else; another process can take over at any time.
 *
 * Logs carry positions and counts only, never event content (the
 * chainer never sees it: chain_pending gives digests).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "crypto/auditlog.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "daemon/app.h"
#include "daemon/auditchain.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/store.h"

#define BATCH		"1000"	/* events per chain_extend */
#define HEX_HASH	(2 * AUDITLOG_HASH_LEN)

static struct {
	struct app		*app;
	struct event		*timer;
	struct store_req	*req;		/* the tick in flight */
	struct secret		*key;		/* audit-chain, 32 bytes */
	struct secret		*cpkey;		/* audit-checkpoint seed */
	char			*cpfile;
	int			 interval_ms;
	long long		 cp_events;
	int			 cp_interval_s;
	int			 stopped;	/* head went backwards */
	/* The newest head seen or made; pos -1: none yet. */
	long long		 seen_pos;
	unsigned char		 seen_hash[AUDITLOG_HASH_LEN];
	/* The newest head made here and not yet signed; pos 0: none. */
	long long		 own_pos;
	unsigned char		 own_hash[AUDITLOG_HASH_LEN];
	/* The last checkpoint written here. */
	long long		 cp_pos;
	time_t			 cp_time;
	unsigned char		 batch_last[AUDITLOG_HASH_LEN]; /* in flight */
	long long		 chained;
} ac;

static void	auditchain_schedule(int ms);

long long
auditchain_chained(void)
{
	return (ac.chained);
}

/* ------------------------------------------------------------ checkpoints */

/* Append line + "\n" to the checkpoint file with one write(2) and fsync. */
static int
checkpoint_append(const char *line)
{
	char	 buf[AUDITLOG_CP_LINE_MAX + 2];
	size_t	 n;
	ssize_t	 w;
	int	 fd, rc = -1;

	n = (size_t)snprintf(buf, sizeof(buf), "%s\n", line);
	if ((fd = open(ac.cpfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		return (-1);
	/* O_APPEND: one write of a short line lands whole at the end, even
	 * with several processes appending to the same file. */
	if ((w = write(fd, buf, n)) == (ssize_t)n && fsync(fd) == 0)
		rc = 0;
	close(fd);
	return (rc);
}

/* Sign the own unsigned head when N events or M seconds have passed. */
static void
checkpoint_maybe(int force)
{
	char	 line[AUDITLOG_CP_LINE_MAX];
	time_t	 now = time(NULL);

	if (ac.own_pos <= ac.cp_pos)
		return;
	if (!force && ac.own_pos - ac.cp_pos < ac.cp_events &&
	    now - ac.cp_time < ac.cp_interval_s)
		return;
	if (auditlog_cp_sign(ac.cpkey->s_buf, ac.own_pos, ac.own_hash, now,
	    line, sizeof(line)) == -1) {
		log_warnx("audit: cannot sign a checkpoint");
		return;
	}
	if (checkpoint_append(line) == -1) {
		/* Kept unsigned: retried on the next tick. */
		log_warn("audit: cannot append to the checkpoint file");
		return;
	}
	/* The journal is the second copy the database administrator cannot
	 * rewrite; the line is public information (counts and a MAC). */
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", line);
	ac.cp_pos = ac.own_pos;
	ac.cp_time = now;
}

/* ------------------------------------------------------------ ticks */

static void
tick_stored(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	long long	 pos;

	(void)nres;
	(void)arg;
	ac.req = NULL;
	if (st != STORE_OK) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("audit: chain_extend: sqlstate %s", sqlstate);
		auditchain_schedule(ac.interval_ms);
		return;
	}
	pos = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
	if (pos < 0) {
		/* Another chainer was first: start again from its head. */
		auditchain_schedule(0);
		return;
	}
	ac.chained += pos - (ac.seen_pos < 0 ? 0 : ac.seen_pos);
	ac.seen_pos = ac.own_pos = pos;
	memcpy(ac.seen_hash, ac.batch_last, AUDITLOG_HASH_LEN);
	memcpy(ac.own_hash, ac.batch_last, AUDITLOG_HASH_LEN);
	checkpoint_maybe(0);
	auditchain_schedule(0);		/* more may be waiting */
}

/*
 * Build the links of the batch in res (id, digest hex) behind (pos,
 * prev) and send them.  Returns 0 when a request is in flight.
 */
static int
tick_send(const PGresult *res, long long pos, unsigned char prev[32])
{
	struct store_stmt	 s;
	char			 posbuf[24], prevhex[HEX_HASH + 1];
	char			*ids = NULL, *hashes = NULL;
	const char		*p[4];
	unsigned char		 d[32], h[32];
	size_t			 n = (size_t)PQntuples(res), i, io = 0, ho = 0;
	int			 rc = -1;

	if ((ids = malloc(n * 21 + 3)) == NULL ||
	    (hashes = malloc(n * (HEX_HASH + 1) + 3)) == NULL)
		goto fail;
	secret_hex_encode(prev, 32, prevhex);
	snprintf(posbuf, sizeof(posbuf), "%lld", pos);
	ids[io++] = '{';
	hashes[ho++] = '{';
	for (i = 0; i < n; i++) {
		const char *id = PQgetvalue(res, (int)i, 0);
		const char *dh = PQgetvalue(res, (int)i, 1);

		if (strlen(id) > 20 || strlen(dh) != HEX_HASH ||
		    secret_hex_decode(dh, HEX_HASH, d, 32) == -1 ||
		    auditlog_hash_v2(ac.key->s_buf, prev, pos + (long long)i +
		    1, d, h) == -1)
			goto fail;
		io += (size_t)sprintf(ids + io, "%s%s", i ? "," : "", id);
		if (i > 0)
			hashes[ho++] = ',';
		secret_hex_encode(h, 32, hashes + ho);
		ho += HEX_HASH;
		memcpy(prev, h, 32);
	}
	ids[io++] = '}';
	ids[io] = '\0';
	hashes[ho++] = '}';
	hashes[ho] = '\0';
	memcpy(ac.batch_last, prev, 32);
	p[0] = posbuf;
	p[1] = prevhex;
	p[2] = ids;
	p[3] = hashes;
	memset(&s, 0, sizeof(s));
	s.st_sql = "SELECT audit.chain_extend($1::bigint, "
	    "decode($2, 'hex'), $3::bigint[], (SELECT array_agg("
	    "decode(u.h, 'hex') ORDER BY u.n) FROM unnest($4::text[]) "
	    "WITH ORDINALITY AS u(h, n)))";
	s.st_nparams = 4;
	s.st_values = p;
	if ((ac.req = store_exec(ac.app->a_store, &s, 1, tick_stored,
	    NULL)) == NULL)
		goto fail;
	rc = 0;
 fail:
	free(ids);
	free(hashes);
	return (rc);
}

/* A head older than one this process saw means history was removed. */
static int
tick_head_ok(long long pos, const unsigned char hash[32])
{
	if (ac.seen_pos < 0 || pos > ac.seen_pos)
		return (1);
	if (pos == ac.seen_pos && CRYPTO_memcmp(hash, ac.seen_hash, 32) == 0)
		return (1);
	log_warnx("ALARM audit: the chain head moved back from position %lld "
	    "to %lld or was rewritten: chained events were removed or "
	    "changed in the database; chaining stopped (run meldctl audit "
	    "verify --checkpoints)", ac.seen_pos, pos);
	syslog(LOG_AUTHPRIV | LOG_ALERT, "meldpunt audit chain head moved "
	    "back from %lld to %lld", ac.seen_pos, pos);
	ac.stopped = 1;
	return (0);
}

static void
tick_read(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	unsigned char	 prev[32];
	long long	 pos;

	(void)nres;
	(void)arg;
	ac.req = NULL;
	if (st != STORE_OK) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("audit: chain_pending: sqlstate %s",
			    sqlstate);
		auditchain_schedule(ac.interval_ms);
		return;
	}
	pos = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
	if (secret_hex_decode(PQgetvalue(res[0], 0, 1), HEX_HASH, prev,
	    32) == -1) {
		log_warnx("audit: audit.head holds a malformed hash");
		auditchain_schedule(ac.interval_ms);
		return;
	}
	if (!tick_head_ok(pos, prev))
		return;
	ac.seen_pos = pos;
	memcpy(ac.seen_hash, prev, 32);
	if (PQntuples(res[1]) == 0) {
		checkpoint_maybe(0);
		auditchain_schedule(ac.interval_ms);
		return;
	}
	if (tick_send(res[1], pos, prev) == -1) {
		log_warnx("audit: cannot build a chain batch");
		auditchain_schedule(ac.interval_ms);
	}
}

static void
auditchain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct store_stmt	 s[2];
	static const char	*lim[1] = { BATCH };

	(void)fd;
	(void)what;
	(void)arg;
	if (ac.stopped || ac.req != NULL)
		return;
	memset(s, 0, sizeof(s));
	s[0].st_sql = "SELECT last_pos, encode(last_hash, 'hex') "
	    "FROM audit.chain_head()";
	s[1].st_sql = "SELECT id, encode(digest, 'hex') "
	    "FROM audit.chain_pending($1::integer)";
	s[1].st_nparams = 1;
	s[1].st_values = lim;
	if ((ac.req = store_exec(ac.app->a_store, s, 2, tick_read, NULL)) ==
	    NULL)
		auditchain_schedule(ac.interval_ms);
}

static void
auditchain_schedule(int ms)
{
	struct timeval	tv;

	if (ac.timer == NULL || ac.stopped)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ac.timer, &tv);
}

/* ------------------------------------------------------------ life cycle */

static int
auditchain_keys(const struct config *c, char *err, size_t errlen)
{
	unsigned char	pk[AUDITLOG_ED25519_LEN];
	int		fd;

	if ((ac.key = keyfile_read(c->c_audit_chain_key, KEYFILE_AUDIT_CHAIN,
	    KEYFILE_SECRET, AUDITLOG_KEY_LEN, 1, err, errlen)) == NULL)
		return (-1);
	if (c->c_audit_checkpoint_key == NULL ||
	    c->c_audit_checkpoint_file == NULL) {
		snprintf(err, errlen, "audit_chain_key: needs "
		    "audit_checkpoint_key and audit_checkpoint_file");
		return (-1);
	}
	if ((ac.cpkey = keyfile_read(c->c_audit_checkpoint_key,
	    KEYFILE_AUDIT_CHECKPOINT, KEYFILE_PRIVATE, AUDITLOG_ED25519_LEN, 1,
	    err, errlen)) == NULL)
		return (-1);
	if (auditlog_ed25519_public(ac.cpkey->s_buf, pk) == -1) {
		snprintf(err, errlen, "audit_checkpoint_key: not an Ed25519 "
		    "key");
		return (-1);
	}
	/* Refuse at start, not at the first checkpoint. */
	if ((fd = open(c->c_audit_checkpoint_file, O_WRONLY | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0640)) == -1) {
		snprintf(err, errlen, "audit_checkpoint_file: %s: %s",
		    c->c_audit_checkpoint_file, strerror(errno));
		return (-1);
	}
	close(fd);
	if ((ac.cpfile = strdup(c->c_audit_checkpoint_file)) == NULL) {
		snprintf(err, errlen, "audit: out of memory");
		return (-1);
	}
	return (0);
}

int
auditchain_init(struct app *app, char *err, size_t errlen)
{
	const struct config	*c = app->a_conf;

	auditchain_free();
	ac.app = app;
	ac.seen_pos = -1;
	if (c->c_audit_chain_key == NULL) {
		log_warnx("audit_chain_key is not set: audit events are "
		    "recorded but not chained or checkpointed");
		return (0);
	}
	if (auditchain_keys(c, err, errlen) == -1) {
		auditchain_free();
		return (-1);
	}
	ac.interval_ms = c->c_audit_chain_interval_ms;
	ac.cp_events = c->c_audit_checkpoint_events;
	ac.cp_interval_s = c->c_audit_checkpoint_interval_s;
	if ((ac.timer = evtimer_new(app->a_base, auditchain_tick, NULL)) ==
	    NULL) {
		snprintf(err, errlen, "audit: out of memory");
		auditchain_free();
		return (-1);
	}
	auditchain_schedule(0);
	return (0);
}

void
auditchain_free(void)
{
	/* What this process chained is signed before it goes. */
	if (ac.cpkey != NULL && ac.cpfile != NULL)
		checkpoint_maybe(1);
	if (ac.timer != NULL)
		event_free(ac.timer);
	if (ac.req != NULL)
		store_abandon(ac.req);
	secret_free(ac.key);
	secret_free(ac.cpkey);
	free(ac.cpfile);
	memset(&ac, 0, sizeof(ac));
	ac.seen_pos = -1;
}
