-- 0080_research_raw_counts.sql: raw counts for the owner only (issue 18).
--
-- The view stats.counts holds every non-zero cell, n = 1 included.  Until
-- now mp_research could SELECT it, so whoever held that credential could
-- read around the disclosure control, the budget and the audit event of
-- stats.cli_export.  From here on only mp_owner (and superusers) read raw
-- counts; meldctl stats export and stats annual go through the same
-- suppression, noise, budget and audit as a researcher's export.

SET LOCAL ROLE mp_owner;

REVOKE SELECT ON stats.counts FROM mp_research;
