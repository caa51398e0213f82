"""The `latentdam` command: a thin adapter that parses flags, calls `Library`, prints."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from typer.core import TyperArgument

from latentdam import __version__
from latentdam.config import Settings, load_settings
from latentdam.errors import InvalidQuery, InvalidSetting, LatentdamError, QueryError
from latentdam.extract.record import Stage, Tool
from latentdam.extras import needs
from latentdam.reports import ExportFormat, IngestProgress, IngestReport, Report
from latentdam.search.query import Filters, SearchQuery, Sort, invalid_query
from latentdam.search.result import SearchResult, Status
from latentdam.search.signal import Signal, signal_of
from latentdam.store.asset import Asset

if TYPE_CHECKING:
    from latentdam.extract.provenance import Provenance as ProvenanceRecord
    from latentdam.library import Library

# The model loaders' own progress bars would interleave with ours; errors still show.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

app = typer.Typer(
    help=(
        "Search engine and asset library for AI-generated images.\n\n"
        "Ingest folders of generated images (the prompt, model, LoRAs, seed... are read from"
        " each file's own metadata), then search them by meaning, keyword and filters:\n\n"
        "\b\n"
        "  latentdam ingest ~/renders\n"
        '  latentdam search "cyberpunk street scene" --tool comfyui --after 2025-01-01'
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _usage_name(self: TyperArgument) -> str:
    """An argument in the usage line as click writes it, PATH... or [TEXT] (typer 0.29 writes
    a required one as {paths}...)."""
    name = (self.metavar or self.name or "arg").upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


if hasattr(TyperArgument, "_usage_display_name"):
    TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"latentdam {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", metavar="", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    pass  # the commands do the work; this only adds --version


PIPED_WIDTH = 100_000  # no wrapping: output that is not a terminal is read by a program


def _console(*, stderr: bool = False) -> Console:
    """A terminal gets its own width; a pipe or a file gets every character on its line
    (rich would wrap at 80 columns mid-word, and cut table cells users must copy)."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=PIPED_WIDTH, soft_wrap=True)


out = _console()
err = _console(stderr=True)
_STALE_HINT = "[yellow]this library's texts predate this version of latentdam:[/] run `latentdam refresh`"


def _default(value: object) -> str:
    """A default the flag itself cannot show: it is a description, or a setting's."""
    return f"  [default: {value}]"


def _setting(name: str) -> str:
    """The default of a setting a flag overrides (LATENTDAM_* may have changed it)."""
    return _default(f"{Settings.model_fields[name].default:g}")


LibraryOption = Annotated[
    str | None,
    typer.Option(
        "--library",
        "-L",
        help="Library directory or s3:// URI" + _default("$LATENTDAM_LIBRARY or ./latentdam-library"),
        show_default=False,
    ),
]


# A flag takes no value, so its help shows no type (typer would print `--json <bool>`).
FLAG = ""
JsonOption = Annotated[
    bool, typer.Option("--json", metavar=FLAG, help="Print one JSON document instead of a table.")
]


class Engine(StrEnum):
    LOCAL = "local"
    RAY = "ray"


EngineOption = Annotated[
    Engine,
    typer.Option(
        case_sensitive=False,
        help="Where the work runs: local (this machine's processes) or ray (Ray Data tasks and"
        " embedding actors on a Ray cluster; a local one on this machine's cores unless --ray"
        " names one). Writes to the library are always this process's.",
    ),
]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        metavar="ADDRESS",
        help="The Ray cluster to run on, as `ray.init` takes it (auto, ray://HOST:10001); implies"
        " --engine ray. Its nodes need latentdam installed and the files at the same paths.",
        show_default=False,
    ),
]


def _engine(engine: Engine, ray_address: str | None) -> Any:
    """The Ray engine when asked for (by --engine ray or --ray), else None: this process."""
    if engine is Engine.LOCAL and ray_address is None:
        return None
    from latentdam.distributed import RayEngine

    return RayEngine(address=ray_address)


class Provenance(StrEnum):
    """--provenance: the state of a file's Content Credentials (extract/provenance.py)."""

    VALID = "valid"
    UNTRUSTED = "untrusted"
    TAMPERED = "tampered"
    INVALID = "invalid"
    REMOTE = "remote"
    NONE = "none"


DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _date(value: str) -> datetime:
    """A date flag: YYYY-MM-DD, optionally with a time; anything else is not a valid date."""
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(value, form)
        except ValueError:
            continue
    raise typer.BadParameter(f"{value!r} is not a valid date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")


def _path_glob(pattern: str | None) -> str | None:
    """--path as typed: a relative glob ("samples/comfyui/*") is relative to the current folder,
    as the shell reads it (stored paths are absolute); one that starts with a wildcard already
    matches anywhere."""
    if pattern is None or pattern.startswith(("*", "?")) or "://" in pattern:
        return pattern
    return os.path.normpath(os.path.join(os.getcwd(), os.path.expanduser(pattern)))


def _open(library: str | None, *, create: bool = False, **overrides: Any) -> Library:
    """The library the command works on; only commands that add to it (`create`) make one."""
    with needs("cli", "a library on this machine"):
        from latentdam.library import Library  # LanceDB and the model runtime: only when needed

    settings = load_settings(library=library, **overrides)
    return Library.create(settings=settings, exist_ok=True) if create else Library.open(settings=settings)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _progress(quiet: bool, label: str, unit: str) -> Progress:
    """A progress bar on stderr (items/s and ETA), shown only to a person at a terminal."""
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(unit),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=err, transient=True, disable=quiet or not err.is_terminal)


class _RichProgress(IngestProgress):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("", total=None)
        self.total: int | None = None
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total
        self.progress.update(self.task, total=total)

    def advance(self, items: int, report: Report) -> None:
        self.done += items
        self.progress.advance(self.task, items)


class _RateColumn(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            f"{speed:.1f} {self.unit}/s" if speed else f"… {self.unit}/s", style="progress.data.speed"
        )


@contextmanager
def _running(quiet: bool, label: str, unit: str, resumes: str) -> Iterator[_RichProgress]:
    """A long operation's progress bar; Ctrl-C stops it with a word on what was kept (every
    committed batch) and how to finish, and exit status 130 as for any interrupted command."""
    with _progress(quiet, label, unit) as bar:
        progress = _RichProgress(bar)
        try:
            yield progress
        except KeyboardInterrupt:
            bar.stop()
            of = f" of {progress.total}" if progress.total is not None else ""
            err.print(
                f"[yellow]interrupted[/] after {progress.done}{of} {unit}: every batch committed"
                f" before it is kept; {resumes}"
            )
            raise typer.Exit(130) from None


def _print_report(report: IngestReport, library: str) -> None:
    rate = report.seen / report.seconds if report.seconds else 0.0
    counts = [f"[bold]{report.added}[/] added", f"[bold]{report.updated}[/] updated"]
    if report.copies:
        counts.append(
            f"[bold]{report.copies}[/] {'copy' if report.copies == 1 else 'copies'} of known images"
        )
    if report.moved:
        counts.append(f"[bold]{report.moved}[/] moved")
    counts += [
        f"[bold]{report.unchanged}[/] unchanged",
        f"[bold {'red' if report.failed else ''}]{len(report.failed)}[/] failed",
    ]
    out.print(
        ", ".join(counts)
        + f"  ({report.seen} files in {report.seconds:.1f} s, {rate:.1f} files/s) → {escape(library)}"
    )
    if report.gone:
        orphans = (
            f"; {report.orphaned} assets have no file left (`latentdam prune` removes them)"
            if report.orphaned
            else ""
        )
        out.print(
            f"[bold]{report.gone}[/] files are gone from the folders ingested and were forgotten{orphans}"
        )
    for item in report.failed:
        err.print(f"[red]skipped[/] {escape(item.path)}: {escape(item.reason)}")
    for item in report.warnings:
        err.print(f"[yellow]warning[/] {escape(item.path)}: {escape(item.reason)}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Image files and folders (searched recursively).")],
    library: LibraryOption = None,
    max_megapixels: Annotated[
        float | None,
        typer.Option(
            help="Skip images larger than this (decompression-bomb guard)" + _setting("max_megapixels"),
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Files per embed/write batch" + _setting("batch_size"), show_default=False),
    ] = None,
    file_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds one file may take to read before it is skipped" + _setting("file_timeout"),
            show_default=False,
        ),
    ] = None,
    read_workers: Annotated[
        int | None,
        typer.Option(
            help="Processes reading files" + _default("one per core, at most 8; 0: none"), show_default=False
        ),
    ] = None,
    engine: EngineOption = Engine.LOCAL,
    ray_address: RayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add PNG, JPEG and WebP files to the library, reading their generation metadata.

    Unchanged files are skipped without being read; moved files keep their identity (content
    hash). A file that cannot be read never stops the ingest: it is skipped and listed with
    the reason, the rest lands, and the exit status is then 1 (0 when every file was read).
    An interrupted ingest (Ctrl-C, a crash) resumes where it stopped when run again.
    """
    for path in paths:  # before the library is made: a typo must not leave an empty one
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
    lib = _open(
        library,
        create=True,
        max_megapixels=max_megapixels,
        batch_size=batch_size,
        file_timeout=file_timeout,
        read_workers=read_workers,
    )
    with _running(as_json, "ingesting", "files", "run the same command again to finish") as progress:
        report = lib.ingest(paths, progress=progress, engine=_engine(engine, ray_address))
    if as_json:
        _print_json(report.to_dict())
    elif report.seen == 0 and not report.gone:
        where = ", ".join(str(p) for p in paths)
        out.print(
            f"No images found under {escape(where)} (PNG, JPEG and WebP files, folders searched recursively)."
        )
    else:
        _print_report(report, lib.path)
    if report.failed:
        raise typer.Exit(1)


def _signals(hit_signals: dict[Any, Any]) -> str:
    return "  ".join(f"{name} #{s.rank} ({s.score:.3g})" for name, s in hit_signals.items())


def _emit(result: SearchResult, as_json: bool) -> None:
    if as_json:
        _print_json(result.to_dict())
    else:
        _print_results(result)


def _print_results(result: SearchResult) -> None:
    for note in result.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    if result.status is Status.NO_CANDIDATES:
        out.print(escape(f"Nothing to search: {result.message}.") + " Loosen the filters.", soft_wrap=True)
        return
    if result.status is Status.NO_MATCH:
        what = f" {result.query.text!r}" if result.query.text else " that search"
        message = f"No asset in this library matches{what}"
        if result.closest is not None:
            message += f"; closest was {result.closest.path}"
            if result.closest_why:
                message += f" ({result.closest_why})"
            message += "; show it with --all"
        out.print(escape(message) + ".", soft_wrap=True)
        return
    judged = any(hit.confidence is not None for hit in result.results)
    table = Table(show_lines=False, expand=out.is_terminal, caption=f"ordered {result.ordering}")
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    if judged:
        table.add_column("confidence", justify="right", no_wrap=True)
    table.add_column("asset", overflow="fold", ratio=3)
    table.add_column("why", overflow="fold", ratio=2)
    for rank, hit in enumerate(result.results, start=1):
        rec = hit.asset.record
        facts = " · ".join(
            x for x in (str(rec.tool), rec.model or "", f"seed {rec.seed}" if rec.seed else "") if x
        )
        prompt = rec.prompt if len(rec.prompt) <= 160 else rec.prompt[:157] + "..."
        confidence = [f"{hit.confidence:.2f} {hit.band}" if hit.confidence is not None else "–"]
        table.add_row(
            str(rank),
            *(confidence if judged else []),
            f"[bold]{escape(hit.path)}[/]\n[dim]{hit.id[:12]} · {escape(facts)}[/]\n{escape(prompt)}",
            escape(hit.explanation.summary() if hit.explanation else _signals(hit.signals)),
        )
    out.print(table)
    if result.expanded_terms:
        out.print(f"[dim]also searched for: {escape(', '.join(result.expanded_terms))}[/]")


@app.command()
def search(
    text: Annotated[str | None, typer.Argument(help="What you are looking for, in your own words.")] = None,
    image: Annotated[
        Path | None,
        typer.Option("--image", help="Search by an example image: its pixels and the prompt it carries."),
    ] = None,
    image_weight: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="With TEXT and --image: the image's share of the query."),
    ] = 0.5,
    negative: Annotated[
        str | None, typer.Option("--not", help='Steer away from this ("but not ...").')
    ] = None,
    tool: Annotated[Tool | None, typer.Option(case_sensitive=False, help="Made with this generator.")] = None,
    model: Annotated[str | None, typer.Option(help="Checkpoint/model name contains this.")] = None,
    lora: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME", help="A LoRA name contains this (repeatable: all must hold)."),
    ] = None,
    sampler: Annotated[str | None, typer.Option(help="Sampler name (exact, any case).")] = None,
    seed: Annotated[int | None, typer.Option(help="Generation seed.")] = None,
    after: Annotated[
        datetime | None,
        typer.Option(parser=_date, metavar="DATE", help="Created on or after (YYYY-MM-DD[THH:MM:SS])."),
    ] = None,
    before: Annotated[
        datetime | None, typer.Option(parser=_date, metavar="DATE", help="Created on or before.")
    ] = None,
    min_width: Annotated[
        int | None, typer.Option(min=0, help="The file is at least this many pixels wide.")
    ] = None,
    max_width: Annotated[
        int | None, typer.Option(min=0, help="The file is at most this many pixels wide.")
    ] = None,
    min_height: Annotated[
        int | None, typer.Option(min=0, help="The file is at least this many pixels high.")
    ] = None,
    max_height: Annotated[
        int | None, typer.Option(min=0, help="The file is at most this many pixels high.")
    ] = None,
    min_gen_width: Annotated[
        int | None,
        typer.Option(min=0, help="Generated at least this wide (the size asked for, before upscaling)."),
    ] = None,
    max_gen_width: Annotated[int | None, typer.Option(min=0, help="Generated at most this wide.")] = None,
    min_gen_height: Annotated[int | None, typer.Option(min=0, help="Generated at least this high.")] = None,
    max_gen_height: Annotated[int | None, typer.Option(min=0, help="Generated at most this high.")] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(metavar="TAG", help="Has this tag, in any case (repeatable: all must hold)."),
    ] = None,
    path: Annotated[
        str | None,
        typer.Option(
            "--path", metavar="GLOB", help="File path matches this glob (relative to the current folder)."
        ),
    ] = None,
    ai_made: Annotated[
        bool | None,
        typer.Option(
            "--ai-made/--not-ai-made",
            metavar=FLAG,
            help="Its Content Credentials (C2PA) say a model made it / say it was not.",
            show_default=False,
        ),
    ] = None,
    provenance: Annotated[
        Provenance | None,
        typer.Option(help="The state of its Content Credentials (C2PA); none: it has none."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many results.")] = 10,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="The cut: answer 'no match' unless a result is this likely relevant, and hide"
            " results under it" + _default("0.5, with weaker results shown once one passes"),
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", metavar=FLAG, help="Show results under the confidence cut too.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", metavar=FLAG, help="Say why each result appeared.")
    ] = False,
    sort: Annotated[
        Sort | None,
        typer.Option(
            help="Order the relevant results by date (newest first) or file name instead of relevance"
            + _default("relevance; newest first for filters alone"),
            show_default=False,
        ),
    ] = None,
    signal: Annotated[
        list[Signal] | None,
        typer.Option(
            "--signal",
            help="Run only these signals (repeatable). Default: all that apply; the keyword "
            "signal then runs only for queries that read literally (quotes, names).",
        ),
    ] = None,
    library: LibraryOption = None,
    server: Annotated[
        str | None,
        typer.Option(
            envvar="LATENTDAM_SERVER",
            help="Search through this running `latentdam serve` (API key: $LATENTDAM_API_KEY)"
            + _default("the server serving this library on this machine, if any"),
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Search by meaning and keyword, narrowed by filters (all filters must hold).

    Examples:

    \b
      latentdam search "cyberpunk street scene"
      latentdam search "portrait" --tool a1111 --model sdxl --after 2025-06-01
      latentdam search --lora detail --seed 1234 --json
      latentdam search --image ref.png "at night" --image-weight 0.3 --not "people"
      latentdam search "brutalist architecture" --explain --all
      latentdam search "neon alley" --signal keyword --signal semantic
      latentdam search "a fox" --ai-made --provenance valid

    Results are ordered by their confidence: P(relevant), from a model the library fits on
    itself (strong / related / weak). An asset that carries what the query names literally
    (a "quoted phrase", a checkpoint or LoRA file, "by an artist", a seed) is a match
    whatever its wording. When no result is likely enough, the answer is "no match", with
    the closest candidate and why it fell short.
    """
    try:
        filters = Filters(
            tool=tool,
            model=model,
            lora=lora or [],
            sampler=sampler,
            seed=seed,
            created_after=after,
            created_before=before,
            min_width=min_width,
            max_width=max_width,
            min_height=min_height,
            max_height=max_height,
            min_gen_width=min_gen_width,
            max_gen_width=max_gen_width,
            min_gen_height=min_gen_height,
            max_gen_height=max_gen_height,
            tags=tag or [],
            path=_path_glob(path),
            ai_made=ai_made,
            provenance=provenance.value if provenance is not None else None,
        )
        query = SearchQuery(
            text=text,
            image=str(image) if image is not None else None,
            filters=filters,
            limit=limit,
            image_weight=image_weight,
            negative=negative,
            min_confidence=min_confidence,
            include_all=show_all,
            explain=explain,
            signals=frozenset(signal) if signal else None,
            sort=sort,
        )
    except ValidationError as exc:
        raise invalid_query(exc) from None
    result = _served_search(library, server, query, image)
    if result is None:  # no server: load the library and its models here
        lib = _open(library)
        result = lib.run(query, image)
        if lib.text_is_stale:
            err.print(_STALE_HINT)
    _emit(result, as_json)


def _served_search(
    library: str | None, server: str | None, query: SearchQuery, image: Path | None
) -> SearchResult | None:
    """The result from a running server: the one named, else the one this machine announced
    for the library (falling back to a local search when it has gone); None: no server."""
    from latentdam.api import client

    url = server
    if url is None:
        location = load_settings(library=library).library
        url = client.announced(Path(location)) if "://" not in location else None
        if url is None:
            return None
    try:
        result = client.search(url, query, image, os.environ.get("LATENTDAM_API_KEY"))
        err.print(f"[dim]searched through the server at {escape(url)}[/]")
        return result
    except client.ServerUnavailable:
        if server is not None:
            raise
        return None


@app.command()
def similar(
    ref: Annotated[str, typer.Argument(help="Asset id, id prefix (6+ characters), or file path.")],
    by: Annotated[
        list[Signal] | None,
        typer.Option(
            help="Signals to compare by (repeatable): semantic = prompt, image = content, visual = look"
            + _default("image and visual"),
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many results.")] = 10,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assets nearest to one already in the library: similar pictures (joint image space),
    variations (visual descriptor) and, with --by semantic, similar prompts.

    Examples:

    \b
      latentdam similar 3fa9c2d1e0
      latentdam similar renders/fox.png --by visual      # re-encodes, crops, variations
    """
    result = _open(library).similar(ref, limit=limit, signals=by)
    _emit(result, as_json)


@app.command()
def duplicates(
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Cosine similarity that makes two assets duplicates" + _default("calibrated"),
            show_default=False,
        ),
    ] = None,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Clusters of near-identical assets: the same image re-encoded, resized or slightly cropped."""
    groups = _open(library).duplicates(threshold=threshold)
    if as_json:
        _print_json({"groups": [g.to_dict() for g in groups]})
        return
    if not groups:
        out.print("No near-duplicates in this library.")
    for number, group in enumerate(groups, start=1):
        out.print(f"[bold]group {number}[/] ({len(group.paths)} assets)")
        for asset_id, path in zip(group.ids, group.paths, strict=True):
            out.print(f"  [dim]{asset_id[:12]}[/] {escape(path)}")


@app.command()
def reembed(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="A text model saved by sentence-transformers, or a CLIP/SigLIP model: a local"
            " directory or a hub id (e.g. sentence-transformers/all-mpnet-base-v2,"
            " openai/clip-vit-base-patch32); or a built-in space: minilm, visual.",
        ),
    ],
    library: LibraryOption = None,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Assets per embedding batch" + _setting("batch_size"), show_default=False),
    ] = None,
    engine: EngineOption = Engine.LOCAL,
    ray_address: RayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Embed the whole library into a new model's space, then switch searches to it.

    A text model replaces the semantic space (the default is all-MiniLM-L6-v2); a CLIP/SigLIP
    model adds or replaces the joint image-text space. Searches keep answering from the
    current space while the backfill runs; an interrupted run resumes where it stopped. The
    replaced space's vectors stay until you drop them with `latentdam spaces drop NAME`.
    """
    lib = _open(library, batch_size=batch_size)
    resumes = "run the same command again to resume; searches keep the current space until it is done"
    with _running(as_json, "embedding", "assets", resumes) as progress:
        report = lib.reembed(model, progress=progress, engine=_engine(engine, ray_address))
    if as_json:
        _print_json(report.to_dict())
        return
    if report.already_active:
        gaps = f"; {report.embedded} assets it lacked are embedded now" if report.embedded else ""
        out.print(f"[cyan]{report.space}[/] is already the active space{gaps or '; nothing to do'}")
    else:
        out.print(
            f"[bold]{report.embedded}[/] assets embedded into [cyan]{report.space}[/] in {report.seconds:.1f} s"
        )
    if report.replaced:
        out.print(
            f"searches now use [cyan]{report.space}[/] instead of [cyan]{report.replaced}[/];"
            f" free its space with: latentdam spaces drop {report.replaced}"
        )
    for item in report.skipped:
        err.print(f"[yellow]not embedded[/] {escape(item.path)}: {escape(item.reason)}")


@app.command()
def refresh(
    library: LibraryOption = None,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Assets per embedding batch" + _setting("batch_size"), show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Bring stored texts up to this version of latentdam (after an upgrade), and repair.

    Recomputes each asset's embedded and keyword text from its stored generation record and
    re-embeds, in the text spaces, the assets whose text changed. Files are not read again;
    an interrupted run resumes where it stopped. `latentdam stats` says when it is needed.
    Repeated rows of one asset (left by two writers of an older latentdam at once) are
    merged back into one, and counted.
    """
    lib = _open(library, batch_size=batch_size)
    with _running(as_json, "refreshing", "assets", "run `latentdam refresh` again to finish") as progress:
        report = lib.refresh(progress=progress)
    if as_json:
        _print_json(report.to_dict())
        return
    out.print(
        f"[bold]{report.retexted}[/] of {report.checked} assets had new text"
        f" ({report.reembedded} re-embedded) in {report.seconds:.1f} s"
    )
    if report.duplicate_assets or report.duplicate_files:
        out.print(
            f"repaired: [bold]{report.duplicate_assets}[/] repeated asset rows and"
            f" [bold]{report.duplicate_files}[/] repeated file rows removed"
        )


@app.command()
def serve(
    library: LibraryOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; beyond loopback needs API keys")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8765,
    root: Annotated[
        list[Path] | None,
        typer.Option(
            "--root",
            help="A folder clients may ingest from (repeatable); without one, no client can make"
            " the server read its disk",
        ),
    ] = None,
    upload_dir: Annotated[
        Path | None,
        typer.Option(help="Where uploads are kept" + _default("LIBRARY/uploads"), show_default=False),
    ] = None,
    max_upload_mb: Annotated[float, typer.Option(help="Largest query image or uploaded file")] = 50.0,
    request_timeout: Annotated[
        float, typer.Option(help="Seconds a request may take before a 503 (progress streams excepted)")
    ] = 60.0,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="An origin browsers may call the API from (repeatable)"),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            metavar=FLAG, help="Resume jobs a previous server left unfinished (else: mark them interrupted)"
        ),
    ] = True,
) -> None:
    """Serve the library over HTTP: search, assets, uploads and write jobs (OpenAPI at /docs).

    Models load once, so a search takes milliseconds instead of a model load. On loopback
    (the default) no key is needed; on any other address every request needs an API key
    (`latentdam keys create`), and the server refuses to start without one. Ingest jobs read
    only under the --root folders; uploads go to the library's upload folder.

    Examples:

    \b
      latentdam serve --root ~/renders
      latentdam keys create studio --scope search && latentdam serve --host 0.0.0.0
    """
    with needs("server", "latentdam serve"):
        import uvicorn

        from latentdam.api import ServerConfig, create_app
        from latentdam.api.keys import list_keys
        from latentdam.library import Library

    settings = load_settings(library=library)
    roots = tuple(r.expanduser().resolve() for r in root or [])
    for folder in roots:
        if not folder.is_dir():
            raise InvalidSetting(f"--root {folder}: no such folder")
    lib = Library.open(settings=settings)
    config = ServerConfig(
        host=host,
        port=port,
        roots=roots,
        upload_dir=upload_dir.expanduser().resolve() if upload_dir else None,
        max_upload_bytes=int(max_upload_mb * 2**20),
        request_timeout=request_timeout,
        cors_origins=tuple(cors_origin or []),
        resume_jobs=resume,
    )
    if config.keys_required and not any(key.active for key in list_keys(lib.store)):
        raise InvalidSetting(
            f"--host {host} listens beyond this machine, and the library has no API key;"
            " create one first: latentdam keys create NAME --scope search"
        )
    err.print(f"serving {escape(lib.path)} on http://{host}:{port} (API docs: /docs)")
    if roots:
        err.print(f"clients may ingest from: {escape(', '.join(map(str, roots)))}")
    config = dataclasses.replace(config, announce=True)  # `latentdam search` here then uses it
    uvicorn.run(create_app(settings, config, library=lib), host=host, port=port, log_level="warning")


keys_app = typer.Typer(help="API keys for `latentdam serve` beyond loopback.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
ScopeOption = Annotated[
    list[str],
    typer.Option(
        "--scope", help="search (read), write (ingest, uploads, jobs), admin (everything); repeatable"
    ),
]


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key")],
    scope: ScopeOption,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a key; its secret is shown this once (the library keeps only a hash)."""
    from latentdam.api.keys import Scope, create_key

    try:
        scopes = [Scope(s) for s in scope]
    except ValueError as exc:
        raise InvalidQuery(f"--scope: {exc}; use search, write or admin") from None
    lib = _open(library)
    with lib.writing("keys"):
        key, token = create_key(lib.store, name, scopes)
    if as_json:
        _print_json({**key.model_dump(mode="json"), "token": token})
        return
    out.print(f"key [bold]{key.id}[/] for {escape(key.name)} ({', '.join(key.scopes)}):\n{token}")
    err.print("[yellow]shown once:[/] store it now; send it as `Authorization: Bearer KEY`")


@keys_app.command("list")
def keys_list(library: LibraryOption = None, as_json: JsonOption = False) -> None:
    """Every key: id, name, scopes, when created and revoked (never the secret)."""
    from latentdam.api.keys import list_keys

    keys = list_keys(_open(library).store)
    if as_json:
        _print_json({"keys": [k.model_dump(mode="json") for k in keys]})
        return
    table = Table()
    for column in ("id", "name", "scopes", "created", "revoked"):
        table.add_column(column)
    for k in keys:
        revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        table.add_row(k.id, escape(k.name), ", ".join(k.scopes), f"{k.created_at:%Y-%m-%d %H:%M}", revoked)
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (`keys list`)")], library: LibraryOption = None
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from latentdam.api.keys import revoke_key

    lib = _open(library)
    with lib.writing("keys"):
        key = revoke_key(lib.store, key_id)
    out.print(f"revoked key {key.id} ({escape(key.name)})")


spaces_app = typer.Typer(help="List and drop embedding spaces.", no_args_is_help=False)
app.add_typer(spaces_app, name="spaces")


@spaces_app.callback(invoke_without_command=True)
def spaces_list(ctx: typer.Context, library: LibraryOption = None, as_json: JsonOption = False) -> None:
    """The library's embedding spaces: model, dimension, coverage, and which are active."""
    if ctx.invoked_subcommand is not None:
        return
    infos = _open(library).spaces()
    if as_json:
        _print_json({"spaces": [info.to_dict() for info in infos]})
        return
    table = Table()
    for column in ("space", "signal", "model", "dim", "vectors", "coverage", "active"):
        table.add_column(column)
    for info in infos:
        data = info.to_dict()
        table.add_row(
            info.space.name,
            data["signal"],
            escape(info.space.model_id),
            str(info.space.dim),
            str(info.vectors),
            f"{info.coverage:.0%}",
            "yes" if info.active else "",
        )
    out.print(table)


@spaces_app.command("drop")
def spaces_drop(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The space to delete (not an active one).")],
    library: LibraryOption = None,
) -> None:
    """Delete an inactive space's vectors, e.g. the one a `reembed` replaced."""
    # `spaces --library L drop NAME`: the option was given to the group, before the command
    library = library or (ctx.parent.params.get("library") if ctx.parent else None)
    _open(library).drop_space(name)
    out.print(f"dropped space [cyan]{escape(name)}[/]")


@app.command()
def export(
    out_path: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Where to write: records.jsonl, records.csv or records.parquet."),
    ],
    format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format", help="The file's format" + _default("from FILE's extension"), show_default=False
        ),
    ] = None,
    vectors: Annotated[
        bool, typer.Option("--vectors", metavar=FLAG, help="Add each active space's vector to every record.")
    ] = False,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write every asset's record to one file, to take the library elsewhere.

    JSON Lines holds each asset as `show --json` prints it (raw metadata blocks included);
    CSV and Parquet hold one flat row per asset (lists in a CSV cell are JSON). The file
    appears only once complete: an interrupted export leaves nothing behind.

    \b
      latentdam export records.parquet --vectors
      latentdam export everything.jsonl
    """
    lib = _open(library)
    with _running(as_json, "exporting", "assets", "run it again: nothing was written") as progress:
        report = lib.export(out_path, format, vectors=vectors, progress=progress)
    if as_json:
        _print_json(report.to_dict())
        return
    also = f", with the vectors of {', '.join(report.vectors)}" if report.vectors else ""
    out.print(
        f"[bold]{report.assets}[/] assets written to {escape(report.path)} ({report.format}{also})"
        f" in {report.seconds:.1f} s"
    )


def _print_asset(asset: Asset) -> None:
    rec = asset.record
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    rows: list[tuple[str, Any]] = [
        ("id", asset.id),
        ("path", "\n".join(asset.paths)),
        ("file", f"{asset.format} {asset.width}×{asset.height}, {asset.size:,} bytes"),
        ("created", asset.created_at),
        ("tool", rec.tool),
        ("prompt", rec.prompt),
        ("negative", rec.negative_prompt),
        (
            "model",
            " ".join(x for x in (rec.model or "", f"[{rec.model_hash}]" if rec.model_hash else "") if x),
        ),
        (
            "loras",
            ", ".join(f"{lo.name}:{lo.weight:g}" if lo.weight is not None else lo.name for lo in rec.loras),
        ),
        ("models", " → ".join(rec.diffusion_models()) if len(rec.diffusion_models()) > 1 else None),
        ("controlnets", ", ".join(rec.controlnets)),
        ("sampler", " / ".join(x for x in (rec.sampler, rec.scheduler) if x)),
        ("steps", rec.steps),
        ("cfg", rec.cfg),
        ("seed", rec.seed),
        ("size", f"{rec.width}×{rec.height}" if rec.width and rec.height else None),
        ("title", rec.title),
        ("description", rec.description),
        ("tags", ", ".join(rec.tags)),
        ("job id", rec.job_id),
        ("software", rec.software),
        (
            "stages",
            "\n".join(_stage_line(i, st) for i, st in enumerate(rec.stages, 1))
            if len(rec.stages) > 1
            else None,
        ),
        ("credentials", _credentials(rec.provenance)),
        ("metadata", ", ".join(rec.raw)),
        ("warnings", "\n".join(asset.warnings)),
    ]
    for name, value in rows:
        if value not in (None, "", []):
            table.add_row(name, escape(str(value)))
    out.print(table)


def _stage_line(number: int, stage: Stage) -> str:
    """One sampling pass on a line or two: its settings, then its prompt when it has one."""
    settings = [
        stage.model or "",
        " / ".join(x for x in (stage.sampler, stage.scheduler) if x),
        f"{stage.steps} steps" if stage.steps is not None else "",
        f"cfg {stage.cfg:g}" if stage.cfg is not None else "",
        f"seed {stage.seed}" if stage.seed is not None else "",
        f"denoise {stage.denoise:g}" if stage.denoise is not None else "",
        f"{stage.width}×{stage.height}" if stage.width and stage.height else "",
        ", ".join(f"{lo.name}:{lo.weight:g}" if lo.weight is not None else lo.name for lo in stage.loras),
        ", ".join(
            f"{c.name}:{c.strength:g}" if c.strength is not None else c.name for c in stage.controlnets
        ),
    ]
    line = f"{number}. " + ", ".join(x for x in settings if x)
    return line + (f"\n   {stage.positive}" if stage.positive else "")


def _credentials(provenance: ProvenanceRecord | None) -> str | None:
    """Content Credentials (C2PA) in a few lines: the verdict, then what they say."""
    if provenance is None:
        return None
    lines = [provenance.describe()]
    if provenance.actions:
        lines.append("actions: " + ", ".join(provenance.actions))
    if provenance.ingredients:
        lines.append("made from: " + ", ".join(provenance.ingredients))
    if provenance.problems:
        lines.append("problems: " + ", ".join(provenance.problems))
    return "\n".join(lines)


@app.command()
def show(
    ref: Annotated[str, typer.Argument(help="Asset id, id prefix (6+ characters), or file path.")],
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything the library knows about one asset, raw metadata included (with --json)."""
    asset = _open(library).get(ref)
    if as_json:
        _print_json(asset.to_dict())
    else:
        _print_asset(asset)


@app.command()
def stats(library: LibraryOption = None, as_json: JsonOption = False) -> None:
    """How many assets, by generator, and which embedding spaces cover them."""
    lib = _open(library)
    info = lib.stats()
    if as_json:
        _print_json(info.to_dict())
        return
    out.print(f"[bold]{info.assets}[/] assets from {info.files} files in {escape(info.path)}")
    for tool, count in info.by_tool.items():
        out.print(f"  {tool:<12} {count}")
    text_spaces = {s.name for s in lib.store.spaces if signal_of(s) is Signal.SEMANTIC}
    for space, count in info.spaces.items():
        why = ""
        if count < info.assets:
            textless = info.without_text if space in text_spaces else 0
            parts = [f"{textless} without a prompt or other text"] if textless else []
            if info.assets - count > textless:
                parts.append(
                    f"{info.assets - count - textless} not embedded yet (`latentdam reembed --model {space}`)"
                )
            why = f" ({'; '.join(parts)})"
        out.print(f"  space [cyan]{space}[/]: {count} of {info.assets} assets embedded{why}")
    if info.without_file:
        err.print(
            f"[yellow]{info.without_file} assets have no file left[/] (moved or deleted);"
            " `latentdam prune` removes them, `latentdam ingest` of their new folder finds them again"
        )
    if info.text_is_stale:
        err.print(_STALE_HINT)


@app.command()
def prune(
    library: LibraryOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", metavar=FLAG, help="Only list what would be removed.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove the assets whose files are all gone (deleted, or moved out of every folder ingested).

    An ingest of a folder forgets the files that left it; their assets stay, with their tags,
    until this removes them. A moved file is found again by ingesting its new folder (same
    bytes, same asset) — do that first if the files moved rather than went away.
    """
    report = _open(library).prune(dry_run=dry_run)
    if as_json:
        _print_json(report.to_dict())
        return
    verb = "would remove" if dry_run else "removed"
    out.print(f"{verb} [bold]{len(report.removed)}[/] assets with no file left ({report.seconds:.1f} s)")
    for asset_id in report.removed[:20]:
        out.print(f"  {asset_id[:12]}")
    if len(report.removed) > 20:
        out.print(f"  … and {len(report.removed) - 20} more (--json lists them all)")


@app.command()
def optimize(
    library: LibraryOption = None,
    engine: EngineOption = Engine.LOCAL,
    ray_address: RayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bring a library's indexes and models up to date: worth running after many small ingests.

    Builds the indexes that are due (the approximate-nearest-neighbour index once a space
    holds 50,000 vectors), folds new assets into them, compacts the data files, recounts
    the vocabulary and refits the relevance models from the stored data (no file is read).
    An ingest does the index part itself when it leaves a large backlog; a one-file ingest
    leaves its asset to be searched exactly until the next large one or this.
    """
    report = _open(library).optimize(engine=_engine(engine, ray_address))
    if as_json:
        _print_json(report.to_dict())
        return
    out.print(
        f"optimized {report.assets} assets: {report.fragments_before} → {report.fragments_after} data files,"
        f" {len(report.refitted)} models refitted ({report.seconds:.1f} s)"
    )
    if report.ann_indexed:
        out.print(f"  approximate index: {', '.join(report.ann_indexed)}")


@app.command()
def schema(
    command: Annotated[
        str | None, typer.Argument(metavar="COMMAND", help="e.g. search, ingest, 'keys list'.")
    ] = None,
) -> None:
    """The JSON Schema of a command's --json output (every command prints one JSON document
    of a documented shape); without COMMAND, the commands that have one.

    \b
      latentdam schema search
      latentdam schema "keys list"
    """
    from latentdam.outputs import OUTPUTS, json_schema

    if command is None:
        out.print("\n".join(OUTPUTS))
        return
    if command not in OUTPUTS:
        raise InvalidQuery(f"no command {command!r} prints --json; these do: {', '.join(OUTPUTS)}")
    _print_json(json_schema(command))


def main(argv: Sequence[str] | None = None) -> None:
    """The `latentdam` command (`argv`: its arguments; None: the process's own). Exits with
    0, 1 (an operation failed) or 2 (a bad flag or query), as `--help` documents."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="latentdam")
    except LatentdamError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(2 if isinstance(exc, QueryError | InvalidSetting) else 1)
    except FileNotFoundError as exc:
        if not _raised_by_store(exc):
            err.print(f"[red]error:[/] {escape(str(exc))}")
            sys.exit(1)
        _store_failed(exc)
    except Exception as exc:
        if not _raised_by_store(exc):
            raise  # a bug of latentdam's own: the traceback is what a report needs
        _store_failed(exc)


def _raised_by_store(exc: BaseException) -> bool:
    """Whether an exception came out of LanceDB or Lance (their errors are plain OSError,
    ValueError, RuntimeError...: only where they were raised tells them apart)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return any(
        f"{os.sep}lancedb{os.sep}" in f.filename or f"{os.sep}lance{os.sep}" in f.filename for f in frames
    )


def _store_failed(exc: BaseException) -> NoReturn:
    if os.environ.get("LATENTDAM_DEBUG"):
        traceback.print_exception(exc)
    first = " ".join(str(exc).split())[:400] or type(exc).__name__
    err.print(
        f"[red]error:[/] the library's store failed: {escape(first)}\n"
        "  If the library's folder was changed by hand or its disk is failing, restore it from a"
        " backup; otherwise run again with LATENTDAM_DEBUG=1 and report the traceback."
    )
    sys.exit(1)
