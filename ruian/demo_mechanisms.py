"""Demo data for the working mechanisms: stationed units' types and township shares, home-department scores,
and secondments (one over the yearly limit, so the warning shows). Runs after the apps' demo data, from
`ruian.demo.load_apps`; like the rest of the demo, a second run changes nothing."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from ruian import assessment, secondments
from ruian.demo import COUNTY_PREFIX, HOME_TOWNSHIP
from ruian.organisations import Organisation, OrgKind, StationedType, update_organisation

# Home department short code -> what the stationed unit is.
TYPES = {
    "gaj": StationedType.POLICE_STATION,
    "sfj": StationedType.JUSTICE_OFFICE,
    "scjgj": StationedType.MARKET_REGULATION,
    "zrzyj": StationedType.NATURAL_RESOURCES,
    "swj": StationedType.TAX_BRANCH,
}
# 长沙镇 follows Dezhou's stricter rule for its police station: the township's score weighs 60%.
HOME_SHARES = {"gaj": "0.60"}
# (home department, score) of the home departments' assessment of 长沙镇's units this month.
DEPARTMENT_SCORES = {"gaj": 88, "sfj": 92, "scjgj": 85}


def load(stdout=None) -> None:
    units = list(
        Organisation.objects.filter(
            kind=OrgKind.STATIONED_UNIT, division__code__startswith=COUNTY_PREFIX
        ).select_related("home_department", "division")
    )
    period = assessment.Period.parse("")
    for unit in units:
        code = unit.home_department.short_code if unit.home_department else ""
        fields = {"stationed_type": TYPES.get(code, StationedType.OTHER)}
        if unit.division.code == HOME_TOWNSHIP and code in HOME_SHARES:
            fields["township_share"] = HOME_SHARES[code]
        update_organisation(organisation=unit, **fields)
        if unit.division.code == HOME_TOWNSHIP and code in DEPARTMENT_SCORES:
            existing = unit.department_scores.filter(period=str(period)).first()
            if existing is None:
                assessment.record_department_score(
                    unit=unit, period=period, score=DEPARTMENT_SCORES[code], note="派出部门月度考核"
                )
    _secondments()
    written = secondments.warn_long_secondments()
    if stdout is not None:
        stdout.write(
            f"Mechanisms: {len(units)} stationed units typed; secondments recorded; {written} over-limit notices."
        )


def _secondments() -> None:
    users = get_user_model().objects.in_bulk(["approver", "legal_reviewer"], field_name="username")
    year = timezone.localdate().year
    spec = [
        # 王建国 spent January to April at the county approval bureau: over three months, so it is flagged.
        ("approver", "spj", datetime.date(year, 1, 5), datetime.date(year, 4, 30), "县行政审批局集中审批改革专班"),
        ("legal_reviewer", "sfj", datetime.date(year, 9, 1), datetime.date(year, 9, 14), "县司法局行政执法案卷评查"),
    ]
    offices = {
        org.short_code: org
        for org in Organisation.objects.filter(kind=OrgKind.COUNTY_DEPARTMENT, division__code=COUNTY_PREFIX + "000000")
    }
    for username, office, started_on, ended_on, reason in spec:
        person = users.get(username)
        if person is None or offices.get(office) is None:
            continue
        if secondments.Secondment.objects.filter(person=person, started_on=started_on).exists():
            continue
        secondments.record_secondment(
            person=person,
            township=person.staff.organisation.scope_division,
            office=offices[office],
            started_on=started_on,
            ended_on=ended_on,
            reason=reason,
        )
