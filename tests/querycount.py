"""Query-count guard: a list costs the same number of SQL statements for 10 rows as for 1,000.

def test_list_is_constant(api, clerk):
    assert_constant_queries(lambda: api.get(url), grow=lambda n: make_rows(n))
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(request) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    return len(queries), response


def assert_constant_queries(request, grow, small: int = 10, large: int = 1000):
    """Call `grow(n)` to add rows, then `request()`; the statement count must not depend on n."""
    grow(small)
    request()  # warm per-process caches (content types, calendar) so they do not count
    few, response = count_queries(request)
    assert response.status_code == 200, response.status_code
    grow(large - small)
    many, response = count_queries(request)
    assert response.status_code == 200, response.status_code
    assert few == many, f"{few} statements with {small} rows but {many} with {large}: an N+1 query"
    return few
