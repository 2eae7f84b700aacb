from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ruian.divisions import Division, create_division
from ruian.notifications import Notification
from ruian.organisations import Organisation
from ruian.staff import StaffProfile, roles_of


class DivisionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "kind", "parent_code"]
        read_only_fields = ["level", "kind", "parent_code"]
        # Uniqueness is checked by create_division (update_or_create), not by a validator here.
        extra_kwargs = {"code": {"validators": []}}

    def validate_code(self, value):
        from ruian.divisions import validate_division_code

        validate_division_code(value)
        return value

    def create(self, validated_data):
        return create_division(**validated_data, actor=self.context["request"].user)


class OrganisationSerializer(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    home_department = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "division",
            "division_name",
            "parent",
            "home_department",
            "stationed_type",
            "township_share",
            "short_code",
            "phone",
        ]


class StaffSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()
    organisation = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    certificate_valid_today = serializers.SerializerMethodField()

    class Meta:
        model = StaffProfile
        fields = [
            "id",
            "username",
            "name",
            "organisation",
            "phone",
            "certificate_number",
            "certificate_valid_from",
            "certificate_valid_until",
            "certificate_valid_today",
        ]

    def get_name(self, obj) -> str:
        return obj.user.get_full_name()

    def get_certificate_valid_today(self, obj) -> bool:
        return obj.certificate_valid_on()


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["username", "first_name", "last_name", "email", "roles", "organisation"]

    def get_roles(self, obj) -> list[str]:
        return sorted(roles_of(obj))

    def get_organisation(self, obj) -> dict | None:
        profile = getattr(obj, "staff", None)
        if profile is None or profile.organisation is None:
            return None
        from ruian.api.rows import organisation_row

        return organisation_row(profile.organisation)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "created_at", "read_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text=_("要标为已读的通知;省略则全部标为已读。"),
    )


class WorkingDaysSerializer(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField(min_value=0, max_value=3650)
