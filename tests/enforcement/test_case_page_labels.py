"""The case page speaks the user's language: states as labels, step messages translated."""

from django.urls import reverse
from django.utils import translation

from enforcement import views
from tests.conftest import login
from tests.enforcement import factories as ef


def test_timeline_shows_state_labels_not_codes(client, squad_leader, officers, home_township, power):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    login(client, squad_leader)
    body = client.get(reverse("enforcement:case", args=[case.pk])).content.decode()
    assert '→ <span data-state="investigating">调查取证</span>' in body
    assert "→ investigating" not in body


def test_step_messages_are_marked_for_translation():
    _fn, _form, message = views.CASE_ACTIONS["assign"]
    with translation.override("en"):
        english = str(message)
    with translation.override("zh-hans"):
        chinese = str(message)
    assert chinese == "已指派承办人员。"
    # Lazy: the text is looked up in the catalog of the active language each time it is shown.
    assert type(message).__name__ == "__proxy__" and english
