"""The tables every workflow write and every deadline sweep touches carry no index that another index already
leads with: each such index is written by every insert and update and read by nothing the other cannot
serve."""

from django.db import connection

# Written on every receipt, acceptance, filing, report, dispatch and sweep.
HOT_TABLES = [
    "ruian_auditentry",
    "ruian_deadline",
    "ruian_notification",
    "ruian_idempotencykey",
    "approvals_application",
    "approvals_applicationsequence",
    "enforcement_lead",
    "enforcement_case",
    "grids_event",
]

# Plain, complete (not partial) indexes whose columns are the first columns of another complete index.
REDUNDANT_SQL = """
WITH idx AS (
    SELECT i.indexrelid::regclass::text AS name, c.relname AS tbl, string_to_array(i.indkey::text, ' ') AS keys,
           i.indisunique AS uniq, i.indpred IS NOT NULL AS partial, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relname = ANY(%s)
)
SELECT a.tbl, a.name, b.name FROM idx a JOIN idx b ON a.tbl = b.tbl AND a.name <> b.name
WHERE NOT a.uniq AND NOT a.partial AND NOT b.partial AND cardinality(a.keys) <= cardinality(b.keys)
  AND b.keys[1:cardinality(a.keys)] = a.keys
  AND a.def NOT LIKE '%%pattern_ops%%' AND b.def NOT LIKE '%%pattern_ops%%'
ORDER BY 1, 2
"""


def test_hot_tables_have_no_index_another_index_leads_with(db):
    with connection.cursor() as cursor:
        cursor.execute(REDUNDANT_SQL, [HOT_TABLES])
        redundant = cursor.fetchall()
    assert redundant == []


def test_the_check_finds_a_redundant_index(db):
    """The query above is not vacuous: an index on a column the audit's composite index leads with is found."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX test_redundant_audit_ct ON ruian_auditentry (content_type_id)")
        cursor.execute(REDUNDANT_SQL, [HOT_TABLES])
        redundant = cursor.fetchall()
    assert ("ruian_auditentry", "test_redundant_audit_ct", "ruian_audit_content_9ae10f_idx") in redundant
