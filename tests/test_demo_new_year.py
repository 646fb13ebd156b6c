"""The demo seeded in the first days of a year, when the previous quarter is in the previous year."""

from datetime import date
from io import StringIO

from django.core.management import call_command

from cascade.demo.seed import seed
from cascade.orgs.models import Period


def test_acme_seeds_in_the_first_days_of_a_year(db):
    ceo = seed(date(2027, 1, 4))
    previous = Period.objects.get(organisation=ceo.organisation, name="Q4 2026")
    assert previous.parent is None
    out = StringIO()
    call_command("verify_progress", stdout=out)
    assert "no difference" in out.getvalue()
