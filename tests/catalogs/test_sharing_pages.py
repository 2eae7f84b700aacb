"""The data resource catalog pages: publish, figures, subscription requests, the owner's decision."""

import pytest
from django.urls import reverse

from catalogs import selectors, services
from catalogs.models import DataResource, DataSubscription, SharingType, UpdateCycle
from catalogs.states import SubscriptionStatus
from ruian.audit import AuditEntry
from ruian.organisations import OrgKind
from tests import factories as f
from tests.conftest import login
from tests.querycount import assert_constant_queries


@pytest.fixture
def police(county):
    return f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="县公安局")


def _publish(department, editor, code, on_platform=False, sharing=SharingType.CONDITIONAL):
    return services.resource_publish(
        department=department,
        actor=editor,
        code=code,
        name=f"资源{code}",
        fields=["名称"],
        update_cycle=UpdateCycle.MONTHLY,
        sharing_type=sharing,
        on_exchange_platform=on_platform,
    )


def test_editor_publishes_a_resource(client, editor, county_office):
    login(client, editor)
    url = reverse("catalogs:data_resource_new")
    assert client.get(url).status_code == 200
    data = {
        "department": county_office.pk,
        "code": "RD-BB-0001",
        "name": "机构编制信息",
        "fields_text": "机构名称\n编制数\n",
        "update_cycle": "monthly",
        "sharing_type": "conditional",
        "on_exchange_platform": "on",
    }
    assert client.post(url, data).status_code == 302
    resource = DataResource.objects.get(code="RD-BB-0001")
    assert resource.fields == ["机构名称", "编制数"] and resource.on_exchange_platform
    assert AuditEntry.objects.for_object(resource).filter(action="catalogs.data_resource.published").exists()
    # The same code again: a clear error, nothing saved.
    response = client.post(url, {**data, "name": "重复"})
    assert response.status_code == 200 and DataResource.objects.count() == 1
    assert "资源编码" in response.content.decode()


def test_figures_count_resources_platform_and_subscriptions(client, editor, county_office, police):
    first = _publish(county_office, editor, "RD-BB-0001", on_platform=True)
    _publish(county_office, editor, "RD-BB-0002")
    _publish(police, editor, "RD-GA-0001", on_platform=True, sharing=SharingType.UNCONDITIONAL)
    subscription = services.subscription_request(resource=first, subscriber=police, purpose="核对", actor=editor)
    services.subscription_decide(subscription=subscription, target=SubscriptionStatus.APPROVED, actor=editor)
    figures = selectors.sharing_figures(editor)
    assert (figures["resources"], figures["on_exchange_platform"], figures["subscriptions"]) == (3, 2, 1)
    assert figures["departments"] == 2 and figures["subscribing_departments"] == 1
    login(client, editor)
    body = client.get(reverse("catalogs:data_resources")).content.decode()
    assert 'data-testid="figure-resources">3<' in body and 'data-testid="figure-platform">2<' in body
    assert 'data-testid="figure-subscriptions">1<' in body


def test_subscribe_then_owner_refuses_with_reason_then_approves_a_new_request(client, editor, county_office, police):
    resource = _publish(county_office, editor, "RD-BB-0001")
    login(client, editor)
    url = reverse("catalogs:data_resource_subscribe", args=[resource.pk])
    assert client.get(url).status_code == 200
    # Its own department may not subscribe: the service's check, shown on the form.
    response = client.post(url, {"subscriber": county_office.pk, "purpose": "自用"})
    assert response.status_code == 200 and "不能订阅本部门的数据资源。" in response.content.decode()
    assert client.post(url, {"subscriber": police.pk, "purpose": "核对编制"}).status_code == 302
    subscription = DataSubscription.objects.get()
    decide = reverse("catalogs:data_subscription_decide", args=[subscription.pk])
    client.post(decide, {"target": "refused", "reason": ""})
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.REQUESTED  # a refusal without reasons is refused
    client.post(decide, {"target": "refused", "reason": "用途不明"})
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.REFUSED
    client.post(url, {"subscriber": police.pk, "purpose": "核对编制(补充说明)"})
    again = DataSubscription.objects.get(status=SubscriptionStatus.REQUESTED)
    client.post(reverse("catalogs:data_subscription_decide", args=[again.pk]), {"target": "approved"})
    again.refresh_from_db()
    assert again.status == SubscriptionStatus.APPROVED
    body = client.get(reverse("catalogs:data_subscriptions")).content.decode()
    assert "用途不明" in body and "核对编制(补充说明)" in body


def test_clerks_are_refused_and_only_the_owner_decides(client, clerk, editor, county_office):
    other_county = f.county("320621000000", "海安市")
    other = f.OrganisationFactory(division=other_county, kind=OrgKind.COUNTY_DEPARTMENT, name="海安市公安局")
    resource = _publish(county_office, editor, "RD-BB-0001")
    stranger = f.staff_user("stranger", "county_editor", other)
    subscription = services.subscription_request(resource=resource, subscriber=other, purpose="x", actor=stranger)
    login(client, clerk)
    assert client.get(reverse("catalogs:data_resources")).status_code == 403
    login(client, stranger)
    response = client.post(reverse("catalogs:data_subscription_decide", args=[subscription.pk]), {"target": "approved"})
    subscription.refresh_from_db()
    assert response.status_code == 403 and subscription.status == SubscriptionStatus.REQUESTED


def test_resource_list_costs_a_fixed_number_of_queries(client, editor, county_office):
    login(client, editor)
    counter = iter(range(10_000))

    def grow(n):
        DataResource.objects.bulk_create(
            DataResource(
                department=county_office,
                code=f"RD-{next(counter):05d}",
                name="资源",
                update_cycle=UpdateCycle.DAILY,
                sharing_type=SharingType.CONDITIONAL,
            )
            for _ in range(n)
        )

    assert_constant_queries(lambda: client.get(reverse("catalogs:data_resources")), grow, small=5, large=120)
