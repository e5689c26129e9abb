/*
 * Content-free urgent alerts of the staff process (issue 17 item 2;
 * schema/0191_alerts.sql, docs/staff-api.md "Urgent alerts").  When an
 * urgent case arrives, or is still without a first contact when half of
 * its first-response interval is left, one staff process -- whichever
 * records the alert in casework.alerts first -- runs the configured
 * command hook (alert_command) and sends an e-mail through the host's
 * sendmail-compatible MTA client (alert_sendmail, alert_mail_to); every
 * console polls GET /v1/staff/alerts.  A message names the queue, the
 * number of cases and the stored due hour, nothing else.
 *
 * The process learns of new urgent cases by LISTEN meldpunt_alert on a
 * connection of its own, and checks every alert_check_s and after every
 * reconnect as well, so a lost notification delays an alert by at most
 * that interval.
 */
#ifndef MELDPUNT_ALERT_H
#define MELDPUNT_ALERT_H

#include <stddef.h>

struct app;
struct http_request;

/* Start-up: checks the outlet keys (err says why, EX_CONFIG), opens the
 * notification connection in the background, starts the check timer. */
int	 alert_init(struct app *app, char *err, size_t errlen);
/* Close the connection; kill outlet programs that still run. */
void	 alert_free(void);

/* GET /v1/staff/alerts: the alerts of cases in the caller's queues that
 * still wait for a first contact. */
void	 alert_list(struct http_request *req, void *arg);

/*
 * The message for one (queue, condition) group, as text (the command's
 * stdin and the mail body).  queue is [a-z0-9_], kind "arrival" or
 * "half_deadline", n a count, due RFC 3339 UTC to the second.  NULL on a
 * malformed field or no memory; the caller frees.  For tests.
 */
char	*alert_text(const char *queue, const char *kind, long long n,
	    const char *due);

#endif
