/*
 * Attachment reads of the staff role (attach_staff.c): the list of a
 * case's attachments with their names opened, and one part of one file
 * in clear.  Routes: docs/staff-api.md "Attachments".
 */
#ifndef MELDPUNT_ATTACH_STAFF_H
#define MELDPUNT_ATTACH_STAFF_H

struct http_request;

void	attach_staff_list(struct http_request *req, void *arg);
void	attach_staff_part(struct http_request *req, void *arg);

#endif
