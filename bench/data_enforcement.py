"""Enforcement at scale: a squad per township with certified officers, cases in every state with the open clocks
the services would have started, leads and transfers waiting, published decisions and a registry of market
subjects for the random draw. Written with bulk inserts; the clocks' thresholds come from ruian.clocks' own
functions (working-day calendar included), cached per start date.

`generate` puts into `ctx.enforcement` (a dict) what `requests` and `sweeps` need:

    leaders      {township id: the squad leader (User)}
    township     the township the board, the writes and the random draw use (it holds the most subjects)
    power        a penalty power that township holds today

Each "file a case" write files one of the township's new leads (FILE_LEADS of them are generated for it), as the
squad leader files from the board; past the end of the list it files without a lead.
"""

import datetime
import json
import random
import secrets
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from bench.data import backlog
from catalogs.models import (
    AdjustmentAction,
    CatalogKind,
    CatalogVersion,
    Category,
    EmpowermentBatch,
    EmpowermentEntry,
    PowerItem,
)
from catalogs.selectors import powers_of_township
from catalogs.states import VersionStatus
from enforcement import services
from enforcement.conf import setting
from enforcement.masking import mask_id_number, mask_name, mask_phone
from enforcement.models import (
    Case,
    CaseOfficer,
    CriminalTransfer,
    Decision,
    Lead,
    LeadSource,
    MarketSubject,
    PartyKind,
    PenaltyMeasure,
    PostingType,
    Publication,
    Squad,
    SquadMember,
    Suspension,
    Transfer,
    TransferDirection,
)
from enforcement.states import CaseStatus, LeadStatus, TransferStatus
from ruian import clocks
from ruian.clocks import ClockStatus, Deadline, Unit
from ruian.divisions import Division
from ruian.organisations import OrgKind
from ruian.staff import Role, StaffProfile

PASSWORD = "bench-pass-2026"
OFFICERS_PER_SQUAD = 4
GRANTED = datetime.date(2021, 1, 1)
FILE_LEADS = 5_000  # new leads of the request township, one per "file a case" write
BATCH = 5000
PARTIES = [
    ("王建华", "320623198503124517", "13962710101", PartyKind.INDIVIDUAL, "占道经营"),
    ("如东县海鲜大排档", "92320623MA1XK2L03A", "13962710102", PartyKind.ORGANISATION, "油烟直排"),
    ("陈晓东", "32062319900218331X", "13962710103", PartyKind.INDIVIDUAL, "违规设置户外广告"),
    ("周丽萍", "320623197711054526", "13962710104", PartyKind.INDIVIDUAL, "乱倒建筑垃圾"),
    ("宏达建材经营部", "92320623MA1YB7Q55C", "13962710105", PartyKind.ORGANISATION, "夜间施工噪声"),
]
INDUSTRIES = ["餐饮", "食品销售", "建材", "美容美发", "娱乐场所", "药品零售"]
DECIDED_STATES = {CaseStatus.DECIDED, CaseStatus.SERVED, CaseStatus.EXECUTED, CaseStatus.CLOSED}
CRIMINAL_STATES = {CaseStatus.CRIMINAL_REVIEW, CaseStatus.CRIMINAL_TRANSFERRING, CaseStatus.POLICE}


def _penalty_powers(ctx, today) -> dict:
    """{township id: [penalty PowerItem, ...]} the township holds today."""
    catalog = getattr(ctx, "catalog", None)
    if not catalog:
        get_user_model().objects.create(username="bench_enf_catalog_editor", is_superuser=True)
        editor = get_user_model().objects.get(username="bench_enf_catalog_editor")
        versions = [
            CatalogVersion(
                county=county,
                kind=CatalogKind.POWER,
                title=f"{county.name}镇(街道)权力清单(执法)",
                edition="2020版",
                document_number=f"{county.name}政发〔2020〕9号",
                effective_date=datetime.date(2020, 1, 1),
                status=VersionStatus.PUBLISHED,
                created_by=editor,
            )
            for county in ctx.counties
        ]
        CatalogVersion.objects.bulk_create(versions)
        PowerItem.objects.bulk_create(
            [
                PowerItem(
                    version=version,
                    category=Category.PENALTY,
                    code=f"{version.county.code[:6]}-{Category.PENALTY}-{seq:04d}",
                    name=f"对{PARTIES[seq % len(PARTIES)][4]}的行政处罚",
                    legal_basis="《中华人民共和国行政处罚法》",
                    implementing_subject="乡镇人民政府(街道办事处)",
                    legal_time_limit=90,
                    promised_time_limit=90,
                )
                for version in versions
                for seq in range(1, 7)
            ],
            batch_size=BATCH,
        )
    # Townships hold a penalty power through an empowerment grant (catalogs.selectors.powers_of_township). Where
    # the catalogs' generator granted some, use what each township holds; elsewhere grant the county's first six.
    editor = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    powers, entries = {}, []
    for county in ctx.counties:
        townships = [t for t in ctx.townships if t.parent_id == county.pk]
        if powers_of_township(townships[0], today).filter(category=Category.PENALTY).exists():
            for township in townships:
                held = powers_of_township(township, today).filter(category=Category.PENALTY)
                powers[township.pk] = list(held.order_by("pk")[:6])
            continue
        items = list(
            PowerItem.objects.filter(
                version__county=county,
                version__kind=CatalogKind.POWER,
                version__status=VersionStatus.PUBLISHED,
                category=Category.PENALTY,
            ).order_by("pk")[:6]
        )
        batch = EmpowermentBatch.objects.create(
            county=county,
            title=f"{county.name}赋予乡镇(街道)行政处罚权(执法基准)",
            document_number=f"{county.name}政复〔2021〕9号",
            approved_by="江苏省人民政府",
            effective_date=GRANTED,
            created_by=editor,
        )
        for township in townships:
            powers[township.pk] = items
            entries += [
                EmpowermentEntry(
                    batch=batch, township=township, item=item, action=AdjustmentAction.GRANT, effective_date=GRANTED
                )
                for item in items
            ]
    EmpowermentEntry.objects.bulk_create(entries, batch_size=BATCH)
    return powers


def _users(ctx, today) -> tuple[dict, dict]:
    """A squad leader and certified officers per township, placed as set_staff_organisation places them."""
    User = get_user_model()
    password = make_password(PASSWORD)
    leaders, officers, profiles = {}, {}, []
    for township in ctx.townships:
        code = township.code[:9]
        leaders[township.pk] = User(username=f"enf_leader_{code}", password=password, last_name="队长")
        officers[township.pk] = [
            User(username=f"enf_officer_{code}_{n}", password=password, last_name=f"队员{n}")
            for n in range(1, OFFICERS_PER_SQUAD + 1)
        ]
    everyone = list(leaders.values()) + [u for team in officers.values() for u in team]
    User.objects.bulk_create(everyone, batch_size=BATCH)
    valid_from, valid_until = datetime.date(2020, 1, 1), today + datetime.timedelta(days=5 * 365)
    for township in ctx.townships:
        org = ctx.orgs[(township.pk, OrgKind.ENFORCEMENT_SQUAD)]
        for n, user in enumerate([leaders[township.pk], *officers[township.pk]]):
            profiles.append(
                StaffProfile(
                    user=user,
                    organisation=org,
                    phone=f"139{township.pk:05d}{n:03d}"[:20],
                    certificate_number=f"B{township.code[:9]}{n:02d}",
                    certificate_valid_from=valid_from,
                    certificate_valid_until=valid_until,
                )
            )
    StaffProfile.objects.bulk_create(profiles, batch_size=BATCH)
    leader_group = Group.objects.get(name=Role.SQUAD_LEADER)
    officer_group = Group.objects.get(name=Role.OFFICER)
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=u.pk, group_id=leader_group.pk) for u in leaders.values()]
        + [through(user_id=u.pk, group_id=officer_group.pk) for team in officers.values() for u in team],
        batch_size=BATCH,
    )
    permission = Permission.objects.get(codename="work_in_division", content_type__app_label="ruian")
    division_type = ContentType.objects.get_for_model(Division)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(user=u, permission=permission, content_type=division_type, object_pk=str(t.pk))
            for t in ctx.townships
            for u in [leaders[t.pk], *officers[t.pk]]
        ],
        batch_size=BATCH,
    )
    squads = {
        t.pk: Squad(
            township=t,
            organisation=ctx.orgs[(t.pk, OrgKind.ENFORCEMENT_SQUAD)],
            name="第一中队",
            leader=leaders[t.pk],
        )
        for t in ctx.townships
    }
    Squad.objects.bulk_create(squads.values(), batch_size=BATCH)
    SquadMember.objects.bulk_create(
        [
            SquadMember(
                squad=squads[t.pk], user=u, posting=PostingType.OWN if n < 3 else PostingType.FIXED, since=valid_from
            )
            for t in ctx.townships
            for n, u in enumerate([leaders[t.pk], *officers[t.pk]])
        ],
        batch_size=BATCH,
    )
    return leaders, officers, squads


class ClockMaker:
    """Deadline rows as clocks.start_clock writes them, with the thresholds cached per (start, unit, amount)."""

    def __init__(self):
        self.share = settings.CLOCK_YELLOW_SHARE
        self.cache = {}
        self.rows = []

    def add(self, obj_type, obj_id, kind, division_id, start, unit, amount, *, suspended_at=None):
        key = (start, unit, amount)
        if key not in self.cache:
            due = clocks.compute_due(start, unit, amount)
            self.cache[key] = (
                clocks._as_moment(start),
                clocks.compute_yellow(start, unit, amount, due, self.share),
                due,
            )
        started, yellow, due = self.cache[key]
        self.rows.append(
            Deadline(
                content_type=obj_type,
                object_id=obj_id,
                kind=kind,
                division_id=division_id,
                unit=unit,
                amount=amount,
                started_at=started,
                yellow_at=yellow,
                due_at=due,
                status=ClockStatus.SUSPENDED if suspended_at else ClockStatus.RUNNING,
                suspended_at=suspended_at,
            )
        )


def _party(i):
    name, number, phone, kind, matter = PARTIES[i % len(PARTIES)]
    return {
        "party_kind": kind,
        "party_name": f"{name}{i}" if kind == PartyKind.ORGANISATION else name,
        "party_id_number": number,
        "party_phone": phone,
    }, matter


def _leads(count, townships, leaders, now, clock_maker, lead_type, offset=0, status=LeadStatus.NEW, days=20):
    rows = []
    for n in range(count):
        township = townships[n % len(townships)]
        party, matter = _party(n + offset)
        rows.append(
            Lead(
                township=township,
                source=LeadSource.values[n % len(LeadSource.values)],
                summary=f"{party['party_name']}{matter}",
                location=f"{township.name}人民路{n % 300 + 1}号",
                received_at=now - datetime.timedelta(hours=(n * 7) % (days * 24)),
                first_inquiry_owner=leaders[township.pk],
                status=status,
                created_by=leaders[township.pk],
                **party,
            )
        )
    Lead.objects.bulk_create(rows, batch_size=BATCH)
    if status == LeadStatus.NEW:
        amount = setting("FILING_WORKING_DAYS")
        for lead in rows:
            clock_maker.add(
                lead_type, lead.pk, services.FILING, lead.township_id, lead.received_at, Unit.WORKING_DAYS, amount
            )
    return rows


def _cases(scale, ctx, leaders, officers, squads, powers, today, now, clock_maker):
    states = list(CaseStatus)
    cases = []
    for i in range(scale["cases"]):
        township = ctx.townships[i % len(ctx.townships)]
        status = states[(i // len(ctx.townships)) % len(states)]
        county_powers = powers[township.pk]
        party, matter = _party(i)
        filed_on = today - datetime.timedelta(days=(i * 7) % 100)
        notified = status not in (CaseStatus.FILED, CaseStatus.INVESTIGATING, CaseStatus.SUSPENDED) and (
            status not in CRIMINAL_STATES
        )
        fine = Decimal(200 + (i % 50) * 100)
        cases.append(
            Case(
                number=f"{township.code[:9]}-{filed_on.year}-B{i:07d}",
                township=township,
                squad=squads[township.pk],
                power=county_powers[i % len(county_powers)],
                title=f"{party['party_name']}{matter}案",
                facts=f"经现场检查,当事人存在{matter}行为。",
                status=status,
                major=i % 20 == 0,
                major_reasons=["fine"] if i % 20 == 0 else [],
                filed_on=filed_on,
                filed_by=leaders[township.pk],
                proposed_fine=fine if notified else None,
                proposed_measures=[PenaltyMeasure.FINE] if notified else [],
                closed_on=today if status == CaseStatus.CLOSED else None,
                archive_number=f"档B{i:07d}" if status == CaseStatus.CLOSED else "",
                **party,
            )
        )
    Case.objects.bulk_create(cases, batch_size=BATCH)
    CaseOfficer.objects.bulk_create(
        [
            CaseOfficer(
                case=c, officer=officers[c.township_id][k], lead_officer=k == 0, assigned_by=leaders[c.township_id]
            )
            for n, c in enumerate(cases)
            if c.status != CaseStatus.FILED
            for k in ((n % 2) * 2, (n % 2) * 2 + 1)
        ],
        batch_size=BATCH,
    )

    case_type = ContentType.objects.get_for_model(Case)
    decisions, criminal, suspensions = [], [], []
    for i, case in enumerate(cases):
        township_id, status = case.township_id, case.status
        decided_on = min(today, case.filed_on + datetime.timedelta(days=30))
        notice_on = min(today, case.filed_on + datetime.timedelta(days=20))
        proposed_at = now - datetime.timedelta(hours=(i * 5) % 96)

        def add(kind, start, unit, amount, suspended_at=None, case=case, township_id=township_id):
            clock_maker.add(case_type, case.pk, kind, township_id, start, unit, amount, suspended_at=suspended_at)

        if status in (
            CaseStatus.FILED,
            CaseStatus.INVESTIGATING,
            CaseStatus.NOTIFIED,
            CaseStatus.HEARING,
            CaseStatus.LEGAL_REVIEW,
        ):
            add(services.DECISION, case.filed_on, Unit.DAYS, setting("DECISION_DAYS"))
        if status == CaseStatus.NOTIFIED:
            add(services.HEARING_REQUEST, notice_on, Unit.WORKING_DAYS, setting("HEARING_REQUEST_WORKING_DAYS"))
        if status == CaseStatus.SUSPENDED:
            started = now - datetime.timedelta(days=i % 10)
            add(services.DECISION, case.filed_on, Unit.DAYS, setting("DECISION_DAYS"), suspended_at=started)
            suspensions.append(
                Suspension(case=case, reason="等待检验检测结果", started_at=started, recorded_by=case.filed_by)
            )
        if status in (CaseStatus.CRIMINAL_REVIEW, CaseStatus.CRIMINAL_TRANSFERRING):
            add(services.DECISION, case.filed_on, Unit.DAYS, setting("DECISION_DAYS"), suspended_at=proposed_at)
        if status == CaseStatus.CRIMINAL_REVIEW:
            add(services.CRIMINAL_DECISION, proposed_at, Unit.HOURS, setting("CRIMINAL_DECISION_DAYS") * 24)
        if status == CaseStatus.CRIMINAL_TRANSFERRING:
            add(services.CRIMINAL_HANDOVER, proposed_at, Unit.HOURS, setting("CRIMINAL_TRANSFER_HOURS"))
        if status in CRIMINAL_STATES:
            criminal.append(
                CriminalTransfer(
                    case=case,
                    grounds="涉案金额较大,涉嫌构成犯罪",
                    proposed_by=case.filed_by,
                    proposed_at=proposed_at,
                    approved=None if status == CaseStatus.CRIMINAL_REVIEW else True,
                    head_name="" if status == CaseStatus.CRIMINAL_REVIEW else "张局长",
                    decided_at=None if status == CaseStatus.CRIMINAL_REVIEW else proposed_at,
                    police_unit="县公安局" if status == CaseStatus.POLICE else "",
                    transferred_at=proposed_at if status == CaseStatus.POLICE else None,
                    receipt_number=f"公移B{i:07d}" if status == CaseStatus.POLICE else "",
                )
            )
        if status == CaseStatus.DECIDED:
            add(services.SERVICE, decided_on, Unit.WORKING_DAYS, setting("SERVICE_WORKING_DAYS"))
        if status in (CaseStatus.DECIDED, CaseStatus.SERVED):
            add(services.PUBLICITY, decided_on, Unit.WORKING_DAYS, setting("PUBLICITY_WORKING_DAYS"))
        if status in DECIDED_STATES:
            served = status != CaseStatus.DECIDED
            executed = status in (CaseStatus.EXECUTED, CaseStatus.CLOSED)
            decisions.append(
                Decision(
                    case=case,
                    number=f"{case.township.code[:9]}罚决〔{decided_on.year}〕B{i:07d}号",
                    decided_on=decided_on,
                    fine=case.proposed_fine,
                    measures=[PenaltyMeasure.FINE],
                    reasoning=case.facts,
                    decided_by=case.filed_by,
                    served_on=decided_on if served else None,
                    service_method="direct" if served else "",
                    served_in_time=True if served else None,
                    payment_due=decided_on + datetime.timedelta(days=setting("PAYMENT_DAYS")) if served else None,
                    execution_method="paid" if executed else "",
                    executed_on=decided_on if executed else None,
                    paid_amount=case.proposed_fine if executed else None,
                )
            )
    Suspension.objects.bulk_create(suspensions, batch_size=BATCH)
    CriminalTransfer.objects.bulk_create(criminal, batch_size=BATCH)
    Decision.objects.bulk_create(decisions, batch_size=BATCH)
    # Executed and closed cases were published within the 7 working days, masked as decision_publish masks them.
    publications = []
    for decision in decisions:
        case = decision.case
        if case.status not in (CaseStatus.EXECUTED, CaseStatus.CLOSED):
            continue
        masked = mask_name(case.party_name, case.party_kind)
        publications.append(
            Publication(
                decision=decision,
                township_id=case.township_id,
                party_masked=masked,
                id_number_masked=mask_id_number(case.party_id_number, case.party_kind),
                phone_masked=mask_phone(case.party_phone),
                decision_number=decision.number,
                case_title=case.title.replace(case.party_name, masked),
                penalty=f"罚款 {decision.fine} 元",
                basis=case.power.legal_basis,
                decided_on=decision.decided_on,
                published_at=timezone.make_aware(datetime.datetime.combine(decision.decided_on, datetime.time(10))),
                published_by=case.filed_by,
            )
        )
    Publication.objects.bulk_create(publications, batch_size=BATCH)
    return cases, decisions, publications


def _transfers(ctx, leaders, count, now, clock_maker):
    """Leads outside the townships' powers sent to the county department, waiting for it to accept or return."""
    lead_type = ContentType.objects.get_for_model(Lead)
    leads = _leads(count, ctx.townships, leaders, now, clock_maker, lead_type, offset=7, status=LeadStatus.TRANSFERRED)
    transfers = [
        Transfer(
            township_id=lead.township_id,
            department=ctx.orgs[(ctx_county(ctx, lead.township_id), OrgKind.COUNTY_DEPARTMENT)],
            direction=TransferDirection.OUTGOING,
            lead=lead,
            summary=lead.summary,
            reason="不属于本镇(街道)赋权范围",
            status=TransferStatus.SENT,
            sent_at=now - datetime.timedelta(hours=(n * 11) % (12 * 24)),
            sent_by=leaders[lead.township_id],
        )
        for n, lead in enumerate(leads)
    ]
    Transfer.objects.bulk_create(transfers, batch_size=BATCH)
    transfer_type = ContentType.objects.get_for_model(Transfer)
    amount = setting("TRANSFER_ACCEPT_WORKING_DAYS")
    for transfer in transfers:
        clock_maker.add(
            transfer_type,
            transfer.pk,
            services.TRANSFER_ACCEPTANCE,
            transfer.township_id,
            transfer.sent_at,
            Unit.WORKING_DAYS,
            amount,
        )
    return transfers


def ctx_county(ctx, township_id) -> int:
    if not hasattr(ctx, "_enf_parent"):
        ctx._enf_parent = {t.pk: t.parent_id for t in ctx.townships}
    return ctx._enf_parent[township_id]


def _subjects(count, ctx, township):
    """Half the registry in the draw's township (the draw reads one township's registry), the rest spread."""
    others = [t for t in ctx.townships if t.pk != township.pk] or [township]
    rows = []
    for n in range(count):
        where = township if n % 2 == 0 else others[n % len(others)]
        rows.append(
            MarketSubject(
                township=where,
                name=f"{where.name}{INDUSTRIES[n % len(INDUSTRIES)]}经营户{n}",
                credit_code=f"92B{n:015d}",
                industry=INDUSTRIES[n % len(INDUSTRIES)],
                address=f"{where.name}解放路{n % 500 + 1}号",
            )
        )
    MarketSubject.objects.bulk_create(rows, batch_size=BATCH)


@transaction.atomic
def generate(scale: dict, ctx, out) -> None:
    started = time.monotonic()
    today, now = timezone.localdate(), timezone.now()
    powers = _penalty_powers(ctx, today)
    leaders, officers, squads = _users(ctx, today)
    clock_maker = ClockMaker()
    cases, decisions, publications = _cases(scale, ctx, leaders, officers, squads, powers, today, now, clock_maker)
    township = ctx.townships[0]
    lead_type = ContentType.objects.get_for_model(Lead)
    new_leads = _leads(max(scale["cases"] // 10, 100), ctx.townships, leaders, now, clock_maker, lead_type)
    file_leads = _leads(FILE_LEADS, [township], leaders, now, clock_maker, lead_type, offset=3)
    transfers = _transfers(ctx, leaders, max(scale["cases"] // 40, 20), now, clock_maker)
    Deadline.objects.bulk_create(clock_maker.rows, batch_size=BATCH)
    _subjects(scale["subjects"], ctx, township)
    with connection.cursor() as cursor:
        for model in (Case, Lead, Transfer, Publication, MarketSubject, Deadline):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    ctx.enforcement = {
        "leaders": leaders,
        "township": township,
        "power": powers[township.pk][0],
    }
    ctx.timings["enforcement"] = time.monotonic() - started
    out.write(
        f"enforcement: {len(squads)} squads, {len(cases):,} cases, {len(decisions):,} decisions "
        f"({len(publications):,} published), {len(new_leads) + len(file_leads):,} new leads, {len(transfers):,} "
        f"transfers, {len(clock_maker.rows):,} open clocks, {scale['subjects']:,} market subjects "
        f"in {ctx.timings['enforcement']:.1f}s\n"
    )


def _context(ctx) -> dict:
    """ctx.enforcement, rebuilt from the database after `--reuse`."""
    if getattr(ctx, "enforcement", None):
        return ctx.enforcement
    User = get_user_model()
    leaders = {s.township_id: s.leader for s in Squad.objects.select_related("leader")}
    township = ctx.townships[0]
    ctx.enforcement = {
        "leaders": leaders or {township.pk: User.objects.get(username=f"enf_leader_{township.code[:9]}")},
        "township": township,
        "power": powers_of_township(township, timezone.localdate()).filter(category=Category.PENALTY).first(),
    }
    return ctx.enforcement


# Session writes go through the REST API with the squad leader's session: Django's CSRF check wants the same
# token as cookie and header (no '%' in this Lua: the harness fills it into a %-format).
LUA_POST = """
local nonce = "{nonce}"
local csrf = "{csrf}"
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  local k = (tid or 0) + 2 * n
  local headers = {{}}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Cookie"] = (wrk.headers["Cookie"] or "") .. "; csrftoken=" .. csrf
  headers["X-CSRFToken"] = csrf
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = nonce .. "-" .. k
  return wrk.format("POST", nil, headers, {body})
end
"""


def _lua(body_expression: str) -> str:
    return LUA_POST.format(nonce=secrets.token_hex(8), csrf=secrets.token_hex(16), body=body_expression)


def requests(ctx) -> list[dict]:
    data = _context(ctx)
    township = data["township"]
    leader = data["leaders"][township.pk]
    leads = Lead.objects.filter(township=township, status=LeadStatus.NEW).order_by("pk")
    lead_ids = ",".join(str(pk) for pk in leads.values_list("pk", flat=True)[:FILE_LEADS])
    lead_body = {"township": township.code, "source": LeadSource.PLATFORM, "summary": "省平台推送线索"}
    case_body = {"township": township.code, "power": data["power"].pk, "title": "占道经营案"}
    return [
        {
            "name": "enforcement: squad leader board",
            "group": "read",
            "path": "/enforcement/",
            "auth": "session",
            "user": leader,
        },
        {
            "name": "enforcement: cases sync (first page)",
            "group": "read",
            "path": "/api/v1/enforcement/cases/?updated_since=2000-01-01T00:00:00Z",
            "auth": "token",
        },
        {"name": "enforcement: public decisions page", "group": "read", "path": "/enforcement/decisions/"},
        {
            "name": "enforcement: lead create (API)",
            "group": "write",
            "path": "/api/v1/enforcement/leads/",
            "method": "POST",
            "auth": "session",
            "user": leader,
            "body": json.dumps(lead_body, ensure_ascii=False),
            "profile_paths": ["/api/v1/enforcement/leads/"],
            "lua": _lua(
                '\'{"township": "'
                + township.code
                + '", "source": "platform", "summary": "省平台推送线索 \' .. k .. \'"}\''
            ),
        },
        {
            "name": "enforcement: file a case (API)",
            "group": "write",
            "path": "/api/v1/enforcement/cases/",
            "method": "POST",
            "auth": "session",
            "user": leader,
            "body": json.dumps(case_body, ensure_ascii=False),
            "profile_paths": ["/api/v1/enforcement/cases/"],
            "lua": f"local lead_ids = {{{lead_ids}}}\n"
            + _lua(
                f'\'{{"township": "{township.code}", "power": {data["power"].pk}, "title": "占道经营案"\' '
                ".. (lead_ids[k] and (', \"lead\": ' .. lead_ids[k]) or '') .. '}'"
            ),
        },
    ]


def sweeps(ctx) -> dict:
    """The deadline sweep five days on (a realistic share of clocks turns yellow or red, overdue transfers
    escalate), its rerun, and the random draw over the draw township's registry."""
    data = _context(ctx)
    results = {}
    later = timezone.now() + datetime.timedelta(days=5)
    open_clocks = Deadline.objects.exclude(status=ClockStatus.STOPPED).count()
    first = clocks.sweep_backlog(now=later)
    results[f"enforcement: deadline sweep +5 days, {open_clocks:,} open clocks ({backlog(first)})"] = first["longest"]
    # The rerun must move no enforcement clock. Other apps' clocks may cross again: an overdue grid event
    # escalates one level per sweep, and its new level's clock, started at the old one's due time, can be
    # due before a moment five days on too.
    mine = Deadline.objects.filter(kind__startswith="enforcement.").exclude(status=ClockStatus.STOPPED)
    levels = list(mine.order_by("pk").values_list("pk", "level"))
    second = clocks.sweep_backlog(now=later)
    if list(mine.order_by("pk").values_list("pk", "level")) != levels:
        raise RuntimeError(f"enforcement: the rerun of the sweep moved enforcement clocks again: {second}")
    results[f"enforcement: deadline sweep +5 days (rerun, no enforcement clock moves: {backlog(second)})"] = second[
        "longest"
    ]

    township = data["township"]
    leader = data["leaders"][township.pk]
    today = timezone.localdate()
    plan = services.inspection_plan_create(
        township=township,
        title=f"双随机抽查 {secrets.token_hex(3)}",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        target_count=50,
        actor=leader,
    )
    subjects = MarketSubject.objects.filter(township=township).count()
    started = time.monotonic()
    services.inspection_draw(plan=plan, actor=leader, seed=random.randrange(2**62))
    results[f"enforcement: random draw of 50 over {subjects:,} subjects"] = time.monotonic() - started
    return results
