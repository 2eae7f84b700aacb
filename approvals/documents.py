"""Written documents of the procedure as PDF (ALL Art 32, 38, 39, 42): acceptance notice, one-time notice of
missing materials, refusal to accept, extension of the decision limit, decision, certificate. Each carries
the application number and a QR code to the public status page.

Chinese is set in reportlab's built-in CID font STSong-Light (Adobe-GB1), which needs no font file: the PDF
viewer supplies the glyphs. The QR code is reportlab's own widget, so no further package is needed.
"""

import io

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from approvals.states import Status

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

KINDS = ("acceptance", "notice", "refusal", "extension", "decision", "certificate")


def available(app) -> list[str]:
    """The documents that exist for the application in its current state."""
    kinds = []
    if app.accepted_at:
        kinds.append("acceptance")
    if app.notices.exists():
        kinds.append("notice")
    if app.status == Status.REFUSED:
        kinds.append("refusal")
    if app.extended:
        kinds.append("extension")
    if app.decided_at:
        kinds.append("decision")
        if getattr(getattr(app, "decision", None), "outcome", "") == "approved":
            kinds.append("certificate")
    return kinds


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, FONT, size) > width:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


def _date(moment) -> str:
    if moment is None:
        return ""
    return _day(timezone.localtime(moment).date())


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _extended_limit(app):
    """The decision clock after the extension (the latest one, stopped or not)."""
    from approvals.models import CLOCK_DECISION
    from ruian.clocks import Deadline

    return (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(app), object_id=app.pk, kind=CLOCK_DECISION, extended__gt=0
        )
        .order_by("-started_at", "-id")
        .first()
    )


def _seal(app) -> str:
    return _("%(township)s人民政府(审批专用章)") % {"township": app.township.name}


def _body(app, kind: str) -> tuple[str, str]:
    who = app.applicant_name
    received = _date(app.received_at)
    if kind == "acceptance":
        if app.deemed_accepted:
            text = _(
                "%(who)s:\n你(单位)于%(received)s提出的“%(item)s”申请,本机关未在五个工作日内告知补正,"
                "依照《中华人民共和国行政许可法》第三十二条,自收到申请之日起即为受理。"
            )
        else:
            text = _(
                "%(who)s:\n你(单位)于%(received)s提出的“%(item)s”申请,申请材料齐全、符合法定形式,"
                "依照《中华人民共和国行政许可法》第三十二条,本机关决定予以受理。"
            )
        text += _("\n承诺办结时限为%(promised)s个工作日(法定时限%(legal)s个工作日)。")
        return _("受理通知书"), text % {
            "who": who,
            "received": received,
            "item": app.item_name,
            "promised": app.promised_limit,
            "legal": app.legal_limit,
        }
    if kind == "notice":
        notice = app.notices.order_by("-issued_at").first()
        missing = "\n".join(f"{n}. {name}" for n, name in enumerate(notice.missing, start=1))
        text = _(
            "%(who)s:\n你(单位)于%(received)s提出的“%(item)s”申请,申请材料不齐全或者不符合法定形式。"
            "依照《中华人民共和国行政许可法》第三十二条,现一次性告知需要补正的全部内容如下:\n%(missing)s\n"
            "请补正后再次提交,补正后重新审查。%(note)s"
        )
        return _("补正材料一次性告知书"), text % {
            "who": who,
            "received": received,
            "item": app.item_name,
            "missing": missing,
            "note": notice.note,
        }
    if kind == "refusal":
        text = _("%(who)s:\n你(单位)于%(received)s提出的“%(item)s”申请,经审查,本机关决定不予受理。\n理由:%(reason)s")
        if app.competent_department:
            text += _("\n该事项请向%(department)s申请。")
        text += _("\n如不服本决定,可依法申请行政复议或者提起行政诉讼。")
        return _("不予受理决定书"), text % {
            "who": who,
            "received": received,
            "item": app.item_name,
            "reason": app.refusal_reason,
            "department": app.competent_department,
        }
    if kind == "extension":
        # ALL Art 42: the applicant is told the extension and its reason, in writing.
        extended = _extended_limit(app)
        text = _(
            "%(who)s:\n你(单位)于%(received)s提出的“%(item)s”申请(申请编号 %(number)s),因%(reason)s,"
            "经本机关负责人批准,依照《中华人民共和国行政许可法》第四十二条,审批期限延长%(days)s个工作日。"
        )
        if extended:
            text += _("\n本机关将于%(due)s前作出决定。")
        return _("延长审批期限告知书"), text % {
            "who": who,
            "received": received,
            "item": app.item_name,
            "number": app.number,
            "reason": app.extension_reason.rstrip("。"),
            "days": extended.extended if extended else "",
            "due": _day(extended.due_date) if extended else "",
        }
    decision = app.decision
    if kind == "decision":
        approved = decision.outcome == "approved"
        title = _("准予行政许可决定书") if approved else _("不予行政许可决定书")
        text = _(
            "%(who)s:\n你(单位)申请的“%(item)s”(申请编号 %(number)s),经审查,本机关决定%(outcome)s。\n理由:%(reasons)s"
        )
        if not approved:
            text += _("\n如不服本决定,可依法申请行政复议或者提起行政诉讼。")
        return title, text % {
            "who": who,
            "item": app.item_name,
            "number": app.number,
            "outcome": _("准予行政许可") if approved else _("不予行政许可"),
            "reasons": decision.reasons,
        }
    text = _("证照编号:%(certificate)s\n持证人:%(who)s\n许可事项:%(item)s\n发证日期:%(date)s")
    return _("行政许可证"), text % {
        "certificate": decision.certificate_number,
        "who": who,
        "item": app.item_name,
        "date": _date(decision.decided_at),
    }


def render_pdf(app, kind: str, status_url: str) -> bytes:
    if kind not in KINDS:
        raise ValueError(kind)
    title, text = _body(app, kind)
    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{title} {app.number}")
    pdf.setFont(FONT, 20)
    pdf.drawCentredString(width / 2, height - 30 * mm, title)
    pdf.setFont(FONT, 10)
    pdf.drawCentredString(width / 2, height - 38 * mm, _("申请编号:%(number)s") % {"number": app.number})
    y = height - 55 * mm
    pdf.setFont(FONT, 12)
    for line in _wrap(text, width - 50 * mm, 12):
        pdf.drawString(25 * mm, y, line)
        y -= 7 * mm
    y -= 10 * mm
    pdf.drawRightString(width - 25 * mm, y, _seal(app))
    pdf.drawRightString(width - 25 * mm, y - 7 * mm, _date(timezone.now()))
    widget = QrCodeWidget(status_url)
    left, bottom, right, top = widget.getBounds()
    size = 30 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, 25 * mm, 20 * mm)
    pdf.setFont(FONT, 9)
    pdf.drawString(60 * mm, 32 * mm, _("扫码查询办理进度(需输入手机号后4位)"))
    pdf.drawString(60 * mm, 26 * mm, status_url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
