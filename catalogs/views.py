"""Pages: the county editors' catalog workbench, and the public pages (published catalogs, service guides)."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogs import imports, selectors, services
from catalogs.forms import (
    ITEM_FORMS,
    AdmissionApplyForm,
    AdmissionReviewForm,
    DataResourceForm,
    EmpowermentAdjustForm,
    EmpowermentBatchForm,
    ImportForm,
    InspectionPlanForm,
    InspectionRecordForm,
    ItemSearchForm,
    PlanApproveForm,
    PlannedInspectionForm,
    SubscriptionDecisionForm,
    SubscriptionRequestForm,
    TownshipPowersForm,
    TransitionForm,
    VersionEditForm,
    VersionForm,
)
from catalogs.models import (
    ITEM_MODELS,
    CatalogKind,
    CatalogVersion,
    Category,
    Channel,
    DataResource,
    DataSubscription,
    DutyAdmissionRequest,
    EmpowermentBatch,
    EmpowermentEntry,
    ImportJob,
    MaterialForm,
    PowerItem,
    ServiceItem,
    SharingType,
)
from catalogs.states import VERSION_TRANSITIONS, AdmissionStatus, SubscriptionStatus, VersionStatus
from ruian.divisions import Division, Level
from ruian.organisations import Organisation, OrgKind
from ruian.permissions import scope_q
from ruian.staff import Role, has_role

PAGE_SIZE = 50


def editor_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or has_role(request.user, Role.COUNTY_EDITOR)):
            raise PermissionDenied(_("只有县级目录编辑可以使用此页面。"))
        return view(request, *args, **kwargs)

    return wrapper


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _editor_version(request, pk) -> CatalogVersion:
    return get_object_or_404(
        CatalogVersion.objects.filter(scope_q(request.user, "county")).select_related("county", "based_on"), pk=pk
    )


# The columns items_table.html shows, per kind (with the id for links).
TABLE_COLUMNS = {
    CatalogKind.POWER: ("code", "name", "category", "implementing_subject"),
    CatalogKind.TERRITORIAL: ("code", "name", "primary_level", "county_department"),
    CatalogKind.PUBLIC_SERVICE: ("code", "name", "level", "department"),
}


def _items_page(request, version, qs=None):
    search = ItemSearchForm(request.GET or None)
    if qs is None:
        qs = ITEM_MODELS[version.kind].objects.filter(version=version).only(*TABLE_COLUMNS[version.kind])
    filtered = False
    if search.is_valid():
        text, category = search.cleaned_data["q"], search.cleaned_data["category"]
        if text:
            qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text))
            filtered = True
        if category and version.kind == CatalogKind.POWER:
            qs = qs.filter(category=category)
            filtered = True
    paginator = Paginator(qs.order_by("code", "id"), PAGE_SIZE)
    if not filtered:
        paginator.count = selectors.version_figures(version)["items"]  # counted with the summary
    page = paginator.get_page(request.GET.get("page"))
    # The table's two kind-dependent columns, set here once: get_FOO_display translates every choice of
    # the field for every row.
    _code, _name, choice_field, text_field = TABLE_COLUMNS[version.kind]
    labels = {value: str(label) for value, label in ITEM_MODELS[version.kind]._meta.get_field(choice_field).choices}
    page.object_list = list(page.object_list)
    for item in page.object_list:
        value = getattr(item, choice_field)
        item.column_label = labels.get(value, value)
        item.column_text = getattr(item, text_field)
    return search, page


def _row_links(items, name: str, attribute: str, *args) -> None:
    """Set `attribute` on every item to the URL `name` gives for it (after `args`): reversed once, with a
    stand-in id replaced by each item's."""
    stand_in = 987654321987
    pattern = reverse(name, args=[*args, stand_in])
    for item in items:
        setattr(item, attribute, pattern.replace(str(stand_in), str(item.pk)))


def _summary(version) -> dict:
    if version.kind == CatalogKind.POWER:
        rows = selectors.category_summary(version)
        total = sum(row["count"] for row in rows)
        return {"rows": rows, "total": total}
    if version.kind == CatalogKind.TERRITORIAL:
        return {"territorial": selectors.territorial_summary(version)}
    levels = selectors.service_level_summary(version)
    return {"levels": levels, "total": sum(levels.values())}


# --- editors ------------------------------------------------------------------------------------------


@editor_required
def editor_home(request):
    versions = CatalogVersion.objects.filter(scope_q(request.user, "county")).select_related("county")
    kind, status, text = request.GET.get("kind", ""), request.GET.get("status", ""), request.GET.get("q", "").strip()
    if kind in CatalogKind.values:
        versions = versions.filter(kind=kind)
    if status in VersionStatus.values:
        versions = versions.filter(status=status)
    if text:
        versions = versions.filter(title__icontains=text)
    pending = DutyAdmissionRequest.objects.filter(scope_q(request.user, "county")).exclude(
        status__in=[AdmissionStatus.APPROVED, AdmissionStatus.REFUSED]
    )
    context = {
        "versions": versions.order_by("kind", "-effective_date", "-id")[:200],
        "kinds": CatalogKind.choices,
        "statuses": VersionStatus.choices,
        "filters": {"kind": kind, "status": status, "q": text},
        "pending_admissions": pending.count(),
    }
    return render(request, "catalogs/editor_home.html", context)


@editor_required
def version_new(request):
    counties = Division.objects.filter(scope_q(request.user, ""), level=Level.COUNTY)
    form = VersionForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已创建草稿“%(title)s”。") % {"title": version.title})
            return redirect("catalogs:version_detail", version.pk)
    return render(request, "catalogs/version_form.html", {"form": form})


@editor_required
def version_detail(request, pk):
    version = _editor_version(request, pk)
    search, page = _items_page(request, version)
    if version.is_editable:
        _row_links(page, "catalogs:item_edit", "edit_url", version.pk)
        _row_links(page, "catalogs:item_history", "history_url", version.pk)
    others = CatalogVersion.objects.filter(county=version.county, kind=version.kind).exclude(pk=version.pk)
    context = {
        "version": version,
        "search": search,
        "page": page,
        "summary": _summary(version),
        "targets": [(t, VersionStatus(t).label) for t in VERSION_TRANSITIONS[version.status]],
        "others": others.order_by("-id"),
        "transition_form": TransitionForm(),
        "kinds": CatalogKind,
    }
    return render(request, "catalogs/version_detail.html", context)


@editor_required
def version_edit(request, pk):
    version = _editor_version(request, pk)
    if not version.is_editable:
        messages.error(request, _("“%(title)s”已不是草稿,不能修改。") % {"title": version.title})
        return redirect("catalogs:version_detail", version.pk)
    form = VersionEditForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("revision")
        try:
            services.version_update(version=version, actor=request.user, expected_revision=expected, **data)
        except services.EditConflict as conflict:
            form.add_error(None, str(conflict))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("catalogs:version_detail", version.pk)
    return render(request, "catalogs/version_form.html", {"form": form, "version": version})


@editor_required
@require_POST
def version_transition(request, pk):
    version = _editor_version(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.version_transition(version=version, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("状态已变为“%(s)s”。") % {"s": VersionStatus(form.cleaned_data["target"]).label}
            )
    return redirect("catalogs:version_detail", version.pk)


@editor_required
@require_POST
def version_new_draft(request, pk):
    source = _editor_version(request, pk)
    draft = services.version_create_draft(source=source, actor=request.user, title=request.POST.get("title", ""))
    messages.success(request, _("已从“%(title)s”建立新草稿,可在草稿中修改。") % {"title": source.title})
    return redirect("catalogs:version_detail", draft.pk)


@editor_required
def item_edit(request, pk, item_pk=None):
    version = _editor_version(request, pk)
    model, form_class = ITEM_MODELS[version.kind], ITEM_FORMS[version.kind]
    item = get_object_or_404(model, pk=item_pk, version=version) if item_pk else model(version=version)
    if not version.is_editable:
        messages.error(request, _("“%(title)s”已不是草稿,不能修改;请先建立新草稿。") % {"title": version.title})
        return redirect("catalogs:version_detail", version.pk)
    form = form_class(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            if item.pk:
                services.item_update(
                    item=item,
                    actor=request.user,
                    data=form.content(),
                    expected_revision=form.cleaned_data.get("revision"),
                )
            else:
                services.item_create(version=version, actor=request.user, data=form.content())
        except services.EditConflict as conflict:
            form.add_error(None, str(conflict))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": form.cleaned_data["name"]})
            return redirect("catalogs:version_detail", version.pk)
    return render(request, "catalogs/item_form.html", {"version": version, "item": item, "form": form})


@editor_required
@require_POST
def item_delete(request, pk, item_pk):
    version = _editor_version(request, pk)
    item = get_object_or_404(ITEM_MODELS[version.kind], pk=item_pk, version=version)
    try:
        services.item_delete(item=item, actor=request.user, expected_revision=request.POST.get("revision"))
    except services.EditConflict as conflict:
        messages.error(request, str(conflict))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已删除“%(name)s”。") % {"name": item.name})
    return redirect("catalogs:version_detail", version.pk)


@editor_required
def item_history(request, pk, item_pk):
    version = _editor_version(request, pk)
    item = get_object_or_404(ITEM_MODELS[version.kind], pk=item_pk, version=version)
    return render(
        request, "catalogs/item_history.html", {"version": version, "item": item, **selectors.item_history(item)}
    )


# Larger uploads are imported by a Celery worker while the page shows a progress bar.
ASYNC_IMPORT_BYTES = getattr(settings, "CATALOG_IMPORT_ASYNC_BYTES", 512 * 1024)

EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _export_response(version, file_format):
    if file_format not in EXPORT_TYPES:
        raise Http404
    content = imports.dataset_bytes(imports.export_dataset(version), file_format)
    response = HttpResponse(content, content_type=EXPORT_TYPES[file_format])
    filename = f"catalog-{version.pk}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@editor_required
def version_export(request, pk, file_format):
    return _export_response(_editor_version(request, pk), file_format)


@editor_required
def version_import(request, pk):
    """Dry run ("检查") shows every bad row and what would change; "导入" writes all rows or none."""
    version = _editor_version(request, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = "import" not in request.POST
        if upload.size > imports.MAX_BYTES:
            report = imports.ImportReport(dry_run=dry_run)
            report.file_errors.append(
                _("文件过大(%(size)s MB),上限为 %(max)s MB。")
                % {"size": round(upload.size / 1048576, 1), "max": imports.MAX_BYTES // 1048576}
            )
        elif upload.size > ASYNC_IMPORT_BYTES:
            job = services.import_job_create(
                version=version, content=upload.read(), filename=upload.name, dry_run=dry_run, actor=request.user
            )
            return redirect("catalogs:import_job", job.pk)
        else:
            try:
                report = imports.import_file(
                    version=version, content=upload.read(), filename=upload.name, actor=request.user, dry_run=dry_run
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("catalogs:version_detail", version.pk)
        if report.written:
            messages.success(
                request,
                _("已导入: 新增 %(a)s 项,修改 %(c)s 项,未变 %(u)s 项。")
                % {"a": len(report.added), "c": len(report.changed), "u": report.unchanged},
            )
            return redirect("catalogs:version_detail", version.pk)
    return render(request, "catalogs/import.html", {"version": version, "form": form, "report": report})


def _editor_job(request, pk) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.filter(scope_q(request.user, "version__county")).select_related("version").defer("content"),
        pk=pk,
    )


@editor_required
def import_job(request, pk):
    job = _editor_job(request, pk)
    context = {"job": job, "version": job.version, "report": imports.ImportReport.from_dict(job.report)}
    return render(request, "catalogs/import_job.html", context)


@editor_required
def import_job_progress(request, pk):
    """The progress fragment the job page polls (htmx) until the job has finished."""
    job = _editor_job(request, pk)
    context = {"job": job, "version": job.version, "report": imports.ImportReport.from_dict(job.report)}
    return render(request, "catalogs/import_job_progress.html", context)


@editor_required
def version_compare(request, pk):
    version = _editor_version(request, pk)
    other = get_object_or_404(
        CatalogVersion.objects.filter(scope_q(request.user, "county"), kind=version.kind),
        pk=request.GET.get("with") or 0,
    )
    diff = selectors.compare_versions(other, version)
    labels = {f.name: f.verbose_name for f in ITEM_MODELS[version.kind]._meta.fields}
    labels["parent_code"] = _("上级事项编码")
    for change in diff["changed"]:
        change["rows"] = [(labels.get(name, name), old, new) for name, (old, new) in change["changes"].items()]
    return render(request, "catalogs/compare.html", {"version": version, "other": other, "diff": diff})


@editor_required
def admission_list(request):
    requests = (
        DutyAdmissionRequest.objects.filter(scope_q(request.user, "county"))
        .select_related("department")
        .prefetch_related("steps__reviewer")
    )
    return render(request, "catalogs/admission_list.html", {"requests": requests, "form": AdmissionReviewForm()})


@editor_required
def admission_apply(request):
    """A county department's request for a matter outside the lists, entered by the county editors (the API
    takes it from the department's own staff); reviewed on the admissions page."""
    departments = Organisation.objects.filter(
        scope_q(request.user, "division"), kind=OrgKind.COUNTY_DEPARTMENT, division__level=Level.COUNTY
    ).order_by("name")
    form = AdmissionApplyForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            admission = services.admission_apply(actor=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已提交职责准入申请“%(m)s”,等待县委编办审核。") % {"m": admission.matter})
            return redirect("catalogs:admissions")
    return render(request, "catalogs/admission_form.html", {"form": form})


@editor_required
@require_POST
def admission_review(request, pk):
    admission = get_object_or_404(DutyAdmissionRequest.objects.filter(scope_q(request.user, "county")), pk=pk)
    form = AdmissionReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论。"))
    else:
        try:
            services.admission_review(request=admission, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已记录审核意见。"))
    return redirect("catalogs:admissions")


# --- public -------------------------------------------------------------------------------------------


def public_catalogs(request):
    versions = selectors.public_versions().order_by("county__code", "kind", "-effective_date", "-id")
    return render(request, "catalogs/public_list.html", {"versions": versions})


def public_version(request, pk):
    version = get_object_or_404(selectors.public_versions(), pk=pk)
    search, page = _items_page(request, version)
    if version.kind == CatalogKind.PUBLIC_SERVICE:
        _row_links(page, "catalogs:service_guide", "guide_url")
    context = {"version": version, "search": search, "page": page, "summary": _summary(version), "kinds": CatalogKind}
    return render(request, "catalogs/public_version.html", context)


def public_export(request, pk, file_format):
    return _export_response(get_object_or_404(selectors.public_versions(), pk=pk), file_format)


def service_guide(request, item_pk):
    """The service guide (办事指南) of a public service item in a published or superseded catalog."""
    item = ServiceItem.objects.select_related("version", "version__county").filter(pk=item_pk).first()
    if item is None or item.version.status not in selectors.PUBLIC_STATUSES:
        raise Http404
    forms_ = dict(MaterialForm.choices)
    materials = [{**m, "form_label": forms_.get(m.get("form"), "")} for m in item.materials]
    channels = [label for value, label in Channel.choices if value in item.channels]
    context = {"item": item, "version": item.version, "materials": materials, "channels": channels}
    return render(request, "catalogs/service_guide.html", context)


# --- empowerment (赋权) ---------------------------------------------------------------------------------


def _scope_townships(user, county=None):
    townships = Division.objects.filter(scope_q(user, ""), level=Level.TOWNSHIP)
    if county is not None:
        townships = townships.filter(code__startswith=county.prefix)
    return townships.order_by("code")


def _powers_by_code(county, codes, batch=None):
    """The power items the codes name: those of the county's published power list, and (for an adjustment)
    those the batch already delegated, which may belong to an earlier list. Unknown codes are an error."""
    published = PowerItem.objects.filter(
        version__county=county, version__kind=CatalogKind.POWER, version__status=VersionStatus.PUBLISHED, code__in=codes
    ).select_related("version")
    found = {item.code: item for item in published}
    if batch is not None:
        delegated = PowerItem.objects.filter(
            pk__in=EmpowermentEntry.objects.filter(batch=batch).values("item_id"), code__in=codes
        ).select_related("version")
        for item in delegated:
            found.setdefault(item.code, item)
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError(
            {"item_codes": _("以下编码不在本县已发布的权力清单中: %(codes)s") % {"codes": "、".join(unknown)}}
        )
    return [found[code] for code in codes]


@editor_required
def empowerment_list(request):
    """Batches, and "which powers does township X hold on date D" (the question approvals and enforcement ask)."""
    townships = _scope_townships(request.user)
    lookup = TownshipPowersForm(request.GET or None, townships=townships)
    powers = None
    if lookup.is_valid():
        # Plain rows with the category's label looked up once (get_category_display translates every
        # category for every row; a township may hold thousands of powers).
        labels = {value: str(label) for value, label in Category.choices}
        held = selectors.powers_of_township(lookup.cleaned_data["township"], lookup.cleaned_data["on"])
        powers = [
            {"code": code, "name": name, "category_label": labels.get(category, category)}
            for code, name, category in held.values_list("code", "name", "category")
        ]
    context = {"batches": selectors.empowerment_batches_for(request.user), "lookup": lookup, "powers": powers}
    return render(request, "catalogs/empowerment_list.html", context)


@editor_required
def empowerment_new(request):
    counties = Division.objects.filter(scope_q(request.user, ""), level=Level.COUNTY)
    form = EmpowermentBatchForm(request.POST or None, counties=counties, townships=_scope_townships(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        codes = data.pop("item_codes")
        try:
            items = _powers_by_code(data["county"], codes)
            batch = services.empowerment_batch_create(actor=request.user, items=items, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已登记赋权批次“%(title)s”。") % {"title": batch.title})
            return redirect("catalogs:empowerment_detail", batch.pk)
    return render(request, "catalogs/empowerment_form.html", {"form": form})


@editor_required
def empowerment_detail(request, pk):
    """A batch, its adjustments, its powers by township; and the form of a new adjustment (add or withdraw)."""
    batch = get_object_or_404(EmpowermentBatch.objects.filter(scope_q(request.user, "county")), pk=pk)
    form = EmpowermentAdjustForm(request.POST or None, townships=_scope_townships(request.user, batch.county))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        codes = data.pop("item_codes")
        try:
            items = _powers_by_code(batch.county, codes, batch=batch)
            services.empowerment_adjust(batch=batch, actor=request.user, items=items, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已登记调整(%(doc)s)。") % {"doc": data["document_number"]})
            return redirect("catalogs:empowerment_detail", batch.pk)
    context = {
        "batch": batch,
        "adjustments": batch.adjustments.select_related("created_by").order_by("effective_date", "id"),
        "by_township": selectors.empowerment_by_township(batch),
        "codes": EmpowermentEntry.objects.filter(batch=batch, adjustment__isnull=True)
        .values_list("item__code", flat=True)
        .distinct()
        .order_by("item__code"),
        "form": form,
    }
    return render(request, "catalogs/empowerment_detail.html", context)


# --- data resource catalog (信息共享) -------------------------------------------------------------------


def _scope_departments(user):
    return Organisation.objects.filter(scope_q(user, "division"), kind=OrgKind.COUNTY_DEPARTMENT).order_by("name")


@editor_required
def data_resources(request):
    """The data resource catalog with its sharing figures; anyone may ask to subscribe for a department."""
    resources = DataResource.objects.select_related("department").order_by("code")
    text = request.GET.get("q", "").strip()
    sharing = request.GET.get("sharing_type", "")
    platform = request.GET.get("platform", "")
    if text:
        resources = resources.filter(Q(name__icontains=text) | Q(code__icontains=text))
    if sharing in SharingType.values:
        resources = resources.filter(sharing_type=sharing)
    if platform in ("1", "0"):
        resources = resources.filter(on_exchange_platform=platform == "1")
    context = {
        "page": Paginator(resources, PAGE_SIZE).get_page(request.GET.get("page")),
        "figures": selectors.sharing_figures(request.user),
        "sharing_types": SharingType.choices,
        "filters": {"q": text, "sharing_type": sharing, "platform": platform},
    }
    return render(request, "catalogs/data_resources.html", context)


@editor_required
def data_resource_new(request):
    form = DataResourceForm(request.POST or None, departments=_scope_departments(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_publish(
                department=form.cleaned_data["department"], actor=request.user, **form.resource_fields()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已发布数据资源“%(name)s”。") % {"name": resource.name})
            return redirect("catalogs:data_resources")
    return render(request, "catalogs/data_resource_form.html", {"form": form})


@editor_required
def data_resource_subscribe(request, pk):
    resource = get_object_or_404(DataResource.objects.select_related("department"), pk=pk)
    form = SubscriptionRequestForm(request.POST or None, departments=_scope_departments(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_request(resource=resource, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已提交订阅申请,等待“%(d)s”审批。") % {"d": resource.department.name})
            return redirect("catalogs:data_subscriptions")
    return render(request, "catalogs/data_subscribe.html", {"form": form, "resource": resource})


@editor_required
def data_subscriptions(request):
    """Requests to the user's departments' resources (to decide) and the user's departments' own requests."""
    related = ("resource__department", "subscriber", "requested_by")
    incoming = (
        DataSubscription.objects.filter(scope_q(request.user, "resource__department__division"))
        .select_related(*related)
        .order_by("status", "-created_at", "-id")
    )
    outgoing = (
        DataSubscription.objects.filter(Q(scope_q(request.user, "subscriber__division")) | Q(requested_by=request.user))
        .select_related(*related)
        .order_by("-created_at", "-id")
    )
    context = {"incoming": incoming[:200], "outgoing": outgoing[:200], "form": SubscriptionDecisionForm()}
    return render(request, "catalogs/data_subscriptions.html", context)


@editor_required
@require_POST
def data_subscription_decide(request, pk):
    subscription = get_object_or_404(
        DataSubscription.objects.filter(
            Q(scope_q(request.user, "resource__department__division"))
            | Q(scope_q(request.user, "subscriber__division"))
            | Q(requested_by=request.user)
        ).distinct(),
        pk=pk,
    )
    form = SubscriptionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择决定。"))
    else:
        try:
            services.subscription_decide(subscription=subscription, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("订阅已更新为“%(s)s”。") % {"s": SubscriptionStatus(form.cleaned_data["target"]).label}
            )
    return redirect("catalogs:data_subscriptions")


# --- burden reduction (减负): yearly plan of inspections and assessments -----------------------------------


@editor_required
def burden_plans(request):
    """The yearly plans with their figures, the unplanned inspections recorded lately, and a new plan."""
    counties = Division.objects.filter(scope_q(request.user, ""), level=Level.COUNTY)
    form = InspectionPlanForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已建立年度计划“%(title)s”,请逐项列入。") % {"title": plan.title})
            return redirect("catalogs:burden_plan", plan.pk)
    context = {
        "plans": selectors.inspection_plans_for(request.user),
        "unplanned": selectors.inspections_for(request.user, unplanned_only=True)[:20],
        "form": form,
    }
    return render(request, "catalogs/burden_plans.html", context)


@editor_required
def burden_plan(request, pk):
    """One plan: its items (added while a draft), its approval, and the inspections recorded against it."""
    plan = get_object_or_404(selectors.inspection_plans_for(request.user), pk=pk)
    entries = plan.entries.order_by("id")
    which = request.POST.get("form", "") if request.method == "POST" else ""
    entry_form = PlannedInspectionForm(request.POST if which == "entry" else None)
    approve_form = PlanApproveForm(request.POST if which == "approve" else None)
    record_form = InspectionRecordForm(
        request.POST if which == "record" else None,
        townships=_scope_townships(request.user, plan.county),
        entries=entries,
    )
    done = None
    try:
        if which == "entry" and entry_form.is_valid():
            services.plan_add_entry(plan=plan, actor=request.user, **entry_form.cleaned_data)
            done = messages.SUCCESS, _("已列入计划。")
        elif which == "remove":
            entry_pk = request.POST.get("entry", "")
            entry = get_object_or_404(entries, pk=int(entry_pk) if entry_pk.isdigit() else 0)
            services.plan_remove_entry(entry=entry, actor=request.user)
            done = messages.SUCCESS, _("已移出计划。")
        elif which == "approve" and approve_form.is_valid():
            services.plan_approve(plan=plan, actor=request.user, **approve_form.cleaned_data)
            done = messages.SUCCESS, _("年度计划已批准。")
        elif which == "record" and record_form.is_valid():
            record = services.inspection_record(actor=request.user, **record_form.cleaned_data)
            if record.on_plan:
                done = messages.SUCCESS, _("已记录。")
            else:
                done = messages.WARNING, _("已记录,但该督查检查考核不在已批准的年度计划中,已标记为计划外。")
    except ValidationError as error:
        form = {"entry": entry_form, "approve": approve_form, "record": record_form}.get(which)
        if form is not None:
            _add_errors(form, error)
        else:
            messages.error(request, " ".join(error.messages))
    if done:
        messages.add_message(request, *done)
        return redirect("catalogs:burden_plan", plan.pk)
    context = {
        "plan": plan,
        "entries": entries,
        "held": selectors.inspections_for(request.user, county=plan.county, year=plan.year),
        "entry_form": entry_form,
        "approve_form": approve_form,
        "record_form": record_form,
    }
    return render(request, "catalogs/burden_plan.html", context)
