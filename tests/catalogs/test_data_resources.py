import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs import services
from catalogs.models import SharingType, UpdateCycle
from catalogs.states import SubscriptionStatus
from ruian.audit import AuditEntry
from ruian.organisations import OrgKind
from tests import factories as f


@pytest.fixture
def resource(county_office, editor):
    return services.resource_publish(
        department=county_office,
        actor=editor,
        code="RD-BB-0001",
        name="机构编制信息",
        fields=["机构名称", "编制数"],
        update_cycle=UpdateCycle.MONTHLY,
        sharing_type=SharingType.CONDITIONAL,
    )


@pytest.fixture
def police(county):
    return f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="县公安局")


def test_subscribe_and_approve(resource, police, editor):
    subscription = services.subscription_request(resource=resource, subscriber=police, purpose="核对户籍", actor=editor)
    with pytest.raises(ValidationError):
        services.subscription_request(resource=resource, subscriber=police, purpose="再订阅", actor=editor)
    services.subscription_decide(subscription=subscription, target=SubscriptionStatus.APPROVED, actor=editor)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.APPROVED
    assert AuditEntry.objects.for_object(subscription).filter(action="catalogs.data_subscription.approved").exists()


def test_refusal_needs_reason(resource, police, editor):
    subscription = services.subscription_request(resource=resource, subscriber=police, purpose="核对", actor=editor)
    with pytest.raises(ValidationError):
        services.subscription_decide(subscription=subscription, target=SubscriptionStatus.REFUSED, actor=editor)
    services.subscription_decide(
        subscription=subscription, target=SubscriptionStatus.REFUSED, actor=editor, reason="用途不明"
    )
    with pytest.raises(ValidationError):
        services.subscription_decide(subscription=subscription, target=SubscriptionStatus.APPROVED, actor=editor)


def test_own_resource_and_clerks(resource, county_office, police, editor, clerk):
    with pytest.raises(ValidationError):
        services.subscription_request(resource=resource, subscriber=county_office, purpose="x", actor=editor)
    subscription = services.subscription_request(resource=resource, subscriber=police, purpose="x", actor=editor)
    with pytest.raises(PermissionDenied):
        services.subscription_decide(subscription=subscription, target=SubscriptionStatus.APPROVED, actor=clerk)
