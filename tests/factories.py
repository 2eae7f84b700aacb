"""factory_boy factories for the kernel. App factories live beside their tests and build on these."""

import datetime

import factory
from django.contrib.auth import get_user_model

from ruian.divisions import Division, kind_of_code, level_of_code
from ruian.organisations import Organisation, OrgKind
from ruian.staff import assign_role, set_staff_organisation

PASSWORD = "test-pass-2026"


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = "320623000000"
    name = "如东县"
    level = factory.LazyAttribute(lambda o: level_of_code(o.code))
    kind = factory.LazyAttribute(lambda o: kind_of_code(o.code))


def county(code="320623000000", name="如东县"):
    return DivisionFactory(code=code, name=name)


def township(code="320623100000", name="长沙镇", parent=None):
    return DivisionFactory(code=code, name=name, parent=parent or county(code[:6] + "000000"))


def village(code="320623100201", name="长沙村", parent=None):
    return DivisionFactory(code=code, name=name, parent=parent or township(code[:9] + "000"))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("division", "name")

    name = factory.Sequence(lambda n: f"机构{n}")
    kind = OrgKind.TOWNSHIP_OFFICE
    division = factory.LazyFunction(township)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff_user(username, role, organisation, **profile):
    """A user with `role` working in `organisation` (which sets the user's data scope)."""
    user = UserFactory(username=username)
    set_staff_organisation(user=user, organisation=organisation, **profile)
    if role:
        assign_role(user=user, role=role)
    return user


def officer_profile(number, valid_until=None):
    valid_until = valid_until or datetime.date(2028, 12, 31)
    return {
        "certificate_number": number,
        "certificate_valid_from": datetime.date(2024, 1, 1),
        "certificate_valid_until": valid_until,
    }
