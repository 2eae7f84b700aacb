"""PDF documents: Chinese text in the CID font, the number, and a QR code to the public status page."""

import pytest
from django.urls import reverse

from approvals import documents, services
from tests.approvals import factories as af
from tests.conftest import login


@pytest.fixture
def decided(home_township, item, clerk, approver, second_approver):
    app = af.receive(home_township, item, clerk, complete=False)
    services.give_material_notice(application=app, actor=clerk)
    services.supplement_materials(application=app, provided=af.ALL_MANDATORY, actor=clerk)
    services.accept_application(application=app, actor=clerk)
    services.send_to_back_office(application=app, actor=clerk)
    services.decide_application(
        application=app, approve=True, reasons="符合条件", actor=approver, second_reviewer=second_approver
    )
    app.refresh_from_db()
    return app


def test_every_document_renders_with_the_cid_font_and_a_qr_code(decided):
    assert documents.available(decided) == ["acceptance", "notice", "decision", "certificate"]
    for kind in documents.available(decided):
        pdf = documents.render_pdf(decided, kind, f"http://testserver/approvals/status/?number={decided.number}")
        assert pdf.startswith(b"%PDF-")
        assert b"STSong-Light" in pdf and b"UniGB-UCS2-H" in pdf
        assert len(pdf) > 2000


def test_refusal_document(home_township, item, clerk):
    app = af.receive(home_township, item, clerk)
    app = services.refuse_application(
        application=app, reason="不属于本镇职权", competent_department="县行政审批局", actor=clerk
    )
    assert documents.available(app) == ["refusal"]
    assert documents.render_pdf(app, "refusal", "http://x/").startswith(b"%PDF-")


def test_document_view_is_for_staff_in_scope(client, decided, clerk, other_clerk):
    url = reverse("approvals:document", args=[decided.number, "certificate"])
    login(client, clerk)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client.get(reverse("approvals:document", args=[decided.number, "refusal"])).status_code == 404
    login(client, other_clerk)
    assert client.get(url).status_code == 404
