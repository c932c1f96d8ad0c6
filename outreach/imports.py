"""Registry and floor-plan imports from the admin: the same services as the
commands (exhibitors.registry.import_registry, fairs.floorplan.import_floorplan),
first as a dry run, then, once an organizer confirms, for real. Both run as
jobs; the run's row holds their progress and their report."""

import shutil

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from exhibitors import registry
from fairs import floorplan

from . import tasks
from .models import ImportRun

REGISTRY_CSV = ("units.csv", "products.csv", "needs.csv")


def stored_names(kind, uploads):
    """The names the uploads are stored under, or a ValidationError: a registry is
    one .xlsx workbook or the CSV files units.csv (needed), products.csv and
    needs.csv; a floor plan is one .csv file."""
    names = [upload.name.rsplit("/", 1)[-1].lower() for upload in uploads]
    if not uploads:
        raise ValidationError(_("Choose the file to import."), code="required")
    total = sum(upload.size for upload in uploads)
    if total > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The files take %(size)s MB; at most %(max)s MB can be imported at once.")
            % {
                "size": round(total / 1024 / 1024, 1),
                "max": round(settings.IMPORT_MAX_BYTES / 1024 / 1024),
            },
            code="too_big",
        )
    if kind == ImportRun.Kind.FLOORPLAN:
        if len(uploads) != 1 or not names[0].endswith(".csv"):
            raise ValidationError(_("A floor plan is one .csv file."), code="floorplan_file")
        return ["plan.csv"]
    if len(uploads) == 1 and names[0].endswith(".xlsx"):
        return ["registry.xlsx"]
    unknown = [name for name in names if name not in REGISTRY_CSV]
    if unknown or len(set(names)) != len(names):
        raise ValidationError(
            _(
                "A registry is one .xlsx workbook, or the files units.csv, products.csv and "
                "needs.csv (not %(names)s)."
            )
            % {"names": ", ".join(unknown or names)},
            code="registry_files",
        )
    if "units.csv" not in names:
        raise ValidationError(_("The registry's files need units.csv."), code="no_units")
    return names


def start(*, kind, fair, uploads, names, user):
    """Store the uploads in the run's own folder and enqueue its dry run."""
    run = ImportRun.objects.create(kind=kind, fair=fair, files=names, uploaded_by=user)
    run.folder.mkdir(parents=True, exist_ok=True)
    for upload, name in zip(uploads, names, strict=True):
        with open(run.folder / name, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    tasks.check_import.enqueue(run.pk)
    return run


def _path(run):
    if run.kind == ImportRun.Kind.FLOORPLAN:
        return run.folder / "plan.csv"
    return run.folder / "registry.xlsx" if run.files == ["registry.xlsx"] else run.folder


def _summary(report):
    return {
        "problems": [str(problem) for problem in report.problems],
        "counts": report.counts,
        "new_counties": [str(c) for c in getattr(report, "new_counties", [])],
        "new_parks": [str(p) for p in getattr(report, "new_parks", [])],
        "formats": list(report.formats.values()),
    }


def _run(run, *, dry_run):
    def progress(sheet, rows):
        ImportRun.objects.filter(pk=run.pk).update(
            progress=_("%(sheet)s: %(rows)s rows") % {"sheet": sheet, "rows": rows}
        )

    # The problems are read by organizers: in Persian, as the commands print them.
    with override(settings.LANGUAGE_CODE):
        if run.kind == ImportRun.Kind.FLOORPLAN:
            return floorplan.import_floorplan(run.fair.slug, _path(run), dry_run=dry_run)
        return registry.import_registry(
            _path(run), skip_invalid=run.skip_invalid, dry_run=dry_run, progress=progress
        )


def check(run_id):
    """The job: the dry run of a stored upload."""
    run = ImportRun.objects.select_related("fair").filter(pk=run_id).first()
    if run is None or run.status != ImportRun.Status.CHECKING:
        return None
    try:
        report = _run(run, dry_run=True)
    except (registry.RegistryError, floorplan.FloorplanError, OSError) as error:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        _clean(run)
        return None
    # Only if still checking: a run cancelled meanwhile stays cancelled.
    ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.CHECKING).update(
        status=ImportRun.Status.CHECKED, report=_summary(report), progress=""
    )
    return len(report.problems)


def confirm(run, *, skip_invalid=False):
    """The organizer's go: the import for real, as a job. False when the run is
    not waiting (a second press), or its bad rows are not to be skipped."""
    if run.problem_count and not (skip_invalid and run.kind == ImportRun.Kind.REGISTRY):
        return False
    started = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.CHECKED).update(
        status=ImportRun.Status.IMPORTING, skip_invalid=skip_invalid
    )
    if started:
        tasks.run_import.enqueue(run.pk)
    return bool(started)


def write(run_id):
    """The job: the import of a confirmed run."""
    run = ImportRun.objects.select_related("fair").filter(pk=run_id).first()
    if run is None or run.status != ImportRun.Status.IMPORTING:
        return None
    try:
        report = _run(run, dry_run=False)
    except (registry.RegistryError, floorplan.FloorplanError, OSError) as error:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        _clean(run)
        return None
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.DONE if report.written else ImportRun.Status.FAILED,
        result=_summary(report),
        progress="",
        error=""
        if report.written
        else _("The file changed since it was checked: upload it again."),
        finished_at=timezone.now(),
    )
    _clean(run)
    return report.written


def cancel(run):
    cancelled = ImportRun.objects.filter(
        pk=run.pk, status__in=[ImportRun.Status.CHECKING, ImportRun.Status.CHECKED]
    ).update(status=ImportRun.Status.CANCELLED, finished_at=timezone.now())
    if cancelled:
        _clean(run)
    return bool(cancelled)


def _clean(run):
    shutil.rmtree(run.folder, ignore_errors=True)
