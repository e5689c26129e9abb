/*
 * Member onboarding without the recovery key (issue 15, schema 0100):
 * right after a login, the staff process wraps the queue keys the new
 * session holds to the members of the same queues who still lack them
 * (casework.pending_wraps()), stores the wraps through
 * casework.pending_wraps_store(), which re-checks and audits each one,
 * and then lets the login answer.  Nothing here is logged but counts.
 */
#ifndef MELDPUNT_KEYSHARE_H
#define MELDPUNT_KEYSHARE_H

struct app;
struct ssession;

typedef void (*keyshare_cb)(void *arg);

/*
 * Share s's queue keys with its pending colleagues, then call done(arg)
 * on the loop exactly once, whatever happened (a failure only leaves the
 * members pending for the next login, with a warning in the log).  s is
 * referenced until then.  Returns -1 when nothing could be started; done
 * is then not called.
 */
int	keyshare_start(struct app *app, struct ssession *s, keyshare_cb done,
	    void *arg);

#endif /* MELDPUNT_KEYSHARE_H */
