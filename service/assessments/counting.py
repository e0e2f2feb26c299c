"""Which visits stand: the review states whose visits count (a rejected one never does).

A leaf module (nothing of the service imported) so the household sync (service/households/visit_state.py), the
assessments and the tallies' coverage (service/tallies/coverage.py) read the one definition without an import
cycle through the visits' schemas.
"""

COUNTING = ("pending", "approved", "has_issues")
