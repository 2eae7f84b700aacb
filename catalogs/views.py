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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogs import imports, selectors, services
from catalogs.forms import (
    ITEM_FORMS,
    AdmissionReviewForm,
    ImportForm,
    ItemSearchForm,
    TransitionForm,
    VersionEditForm,
    VersionForm,
)
from catalogs.models import (
    ITEM_MODELS,
    CatalogKind,
    CatalogVersion,
    Channel,
    DutyAdmissionRequest,
    ImportJob,
    MaterialForm,
    ServiceItem,
)
from catalogs.states import VERSION_TRANSITIONS, AdmissionStatus, VersionStatus
from ruian.divisions import Division, Level
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


def _items_page(request, version, qs=None):
    search = ItemSearchForm(request.GET or None)
    qs = qs if qs is not None else selectors.items_of(CatalogVersion.objects.filter(pk=version.pk), version.kind)
    if search.is_valid():
        text, category = search.cleaned_data["q"], search.cleaned_data["category"]
        if text:
            qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text))
        if category and version.kind == CatalogKind.POWER:
            qs = qs.filter(category=category)
    page = Paginator(qs.order_by("code", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return search, page


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
