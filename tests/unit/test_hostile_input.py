"""Hostile and odd input never costs a good file: values a reader hands on out of range or
unclean (the reader boundary, extract/sanitize.py), files that are not files, metadata that
makes a parser recurse or a regex backtrack, inputs that overlap. The A1111 files are written
as A1111 writes its `parameters` block, with the value a hostile file carries."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeA1111
from latentdam import Library
from latentdam.extract.record import GenerationRecord, LoRA
from latentdam.extract.sanitize import MAX_TEXT, sanitized
from latentdam.testing.formats import make_image, write_png


def test_out_of_range_numbers_are_dropped_not_fatal(library: Library, make_a1111: MakeA1111) -> None:
    folder = make_a1111("huge.png", "a lighthouse", Steps=2**31, Seed=2**70, Size="5000000000x2").parent
    make_a1111("fine.png", "a harbour at dawn", Steps=30, Seed=7)
    report = library.ingest([folder])
    assert report.added == 2 and not report.failed
    huge = library.get(str(folder / "huge.png"))
    assert huge.record.steps is None and huge.record.seed is None and huge.record.width is None
    assert any("steps" in w and "out of range" in w for w in huge.warnings)
    assert library.get(str(folder / "fine.png")).record.steps == 30  # the good one is untouched


def test_surrogates_nuls_and_a_giant_prompt_land_cleaned(library: Library, make_a1111: MakeA1111) -> None:
    folder = make_a1111("giant.png", "a red kite " * 500_000).parent  # 5.5 million characters
    # JSON escapes decode to what no UTF-8 column holds: a lone surrogate, a NUL
    graph = (
        '{"1": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20, "positive": ["2", 0]}},'
        ' "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox \\ud800in the snow\\u0000"}}}'
    )
    write_png(folder / "surrogate.png", make_image(4), {"prompt": graph})
    report = library.ingest([folder])
    assert report.added == 2 and not report.failed
    fox = library.get(str(folder / "surrogate.png")).record
    assert fox.prompt == "a fox in the snow"
    giant = library.get(str(folder / "giant.png"))
    assert len(giant.record.prompt) == MAX_TEXT
    assert any("kept the first" in w for w in giant.warnings)
    assert library.search("a red kite").results  # embedded from its first MAX_TEXT characters


def test_sanitized_keeps_what_is_sane() -> None:
    record = GenerationRecord(prompt="a cat", steps=20, cfg=7.5, seed=2**63, loras=[LoRA("detail", 0.8)])
    clean, warnings = sanitized(record)
    assert clean == record and warnings == []
    weird = GenerationRecord(cfg=float("nan"), loras=[LoRA("x\x00y", float("inf"))], steps=10**400)
    clean, warnings = sanitized(weird)
    assert clean.cfg is None and clean.steps is None and clean.loras == [LoRA("xy", None)]
    assert len(warnings) == 2


def test_the_sanitiser_runs_for_every_reader(tmp_path: Path) -> None:
    """Not only A1111: the boundary is after whichever reader read the file."""
    from latentdam.extract.file import extract_file

    target = tmp_path / "comfy.png"
    graph = '{"1": {"class_type": "KSampler", "inputs": {"seed": -5, "steps": 99999999999, "cfg": 7}}}'
    write_png(target, make_image(3), {"prompt": graph})
    item = extract_file(target, max_pixels=10**8, thumbnail_size=16)
    assert item.record.steps is None and item.record.seed is None


def test_only_regular_files_are_read(library: Library, make_a1111: MakeA1111) -> None:
    """A named pipe would block a read forever and a link to /dev/zero never end: neither
    is opened, the good file beside them lands."""
    import os
    import signal

    folder = make_a1111("good.png", "a windmill in a tulip field").parent
    os.mkfifo(folder / "pipe.png")
    (folder / "zero.png").symlink_to("/dev/zero")
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("ingest hung")))
    signal.alarm(60)
    try:
        report = library.ingest([folder])
    finally:
        signal.alarm(0)
    assert report.added == 1
    reasons = {Path(s.path).name: s.reason for s in report.failed}
    assert set(reasons) == {"pipe.png", "zero.png"}
    assert all("not a regular file" in r for r in reasons.values())


def test_pathological_prompts_are_read_in_linear_time(library: Library, make_a1111: MakeA1111) -> None:
    """Long runs that made a regex backtrack quadratically (minutes at this size): a run of
    digits (NovelAI weights), "a-a-a-…" (artist credits), unclosed "<lora:" tags. A hang
    guard, not a speed goal: together they took about 100 s before."""
    import signal

    folder = make_a1111("digits.png", "1" * 40_000).parent
    make_a1111("dashes.png", "a-" * 20_000)
    make_a1111("loras.png", "<lora:" * 20_000)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("a regex backtracked")))
    signal.alarm(60)
    try:
        report = library.ingest([folder])
    finally:
        signal.alarm(0)
    assert report.added == 3 and not report.failed


def test_json_nested_past_the_decoder_costs_only_that_value(library: Library, make_a1111: MakeA1111) -> None:
    """A `Hashes:` value nested 5,000 deep used to raise RecursionError while the texts were
    built, outside every reader's guard, and stop the whole ingest."""
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    folder = make_a1111("deep.png", "a cat on a windowsill", Hashes=deep).parent
    make_a1111("plain.png", "a dog in the rain")
    report = library.ingest([folder])
    assert report.added == 2 and not report.failed
    assert library.get(str(folder / "deep.png")).record.prompt == "a cat on a windowsill"


def test_overlapping_inputs_list_each_file_once(library: Library, make_a1111: MakeA1111) -> None:
    """`ingest samples samples/a1111 samples/a1111/x.png`: three ways to name one file."""
    one = make_a1111("one.png", "a tram in the fog", folder="images/city")
    make_a1111("two.png", "a bridge at night", folder="images")
    root = one.parent.parent
    report = library.ingest([root, one.parent, one])
    assert (report.added, report.updated, report.unchanged, report.seen) == (2, 0, 0, 2)
    assert library.get(str(one)).paths == [str(one)]


def _png_with_chunk(path: Path, kind: bytes, body: bytes) -> Path:
    """A valid PNG with one extra chunk before IEND (framing and CRC right, content hostile)."""
    import io
    import struct
    import zlib

    buffer = io.BytesIO()
    make_image(7, (16, 16)).save(buffer, "PNG")
    data = buffer.getvalue()
    chunk = (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )
    path.write_bytes(data[:-12] + chunk + data[-12:])
    return path


def test_odd_metadata_never_costs_the_picture(library: Library, tmp_path: Path) -> None:
    """Each of these used to skip a valid image: a garbage eXIf chunk (Pillow: "not a TIFF
    file"), a zTXt that inflates past Pillow's 1 MB text limit (it refused the whole file), a
    UserComment stored as SHORT numbers, and UTF-16 with a BOM and a lone surrogate."""
    import zlib

    from PIL import Image

    folder = tmp_path / "odd"
    folder.mkdir()
    _png_with_chunk(folder / "exif.png", b"eXIf", b"\x99\x16V\xeb1\xe2 garbage")
    _png_with_chunk(folder / "ztxt.png", b"zTXt", b"parameters\x00\x00" + zlib.compress(b"a" * 3_000_000, 9))
    for name, comment in {
        "short.jpg": (1, 2, 3),
        "bom.jpg": b"UNICODE\x00\xff\xfe" + "a \ud800 b".encode("utf-16-le", "surrogatepass"),
    }.items():
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9286] = comment
        make_image(8, (16, 16)).save(folder / name, "JPEG", exif=exif)
    report = library.ingest([folder])
    assert report.failed == [] and report.added == 4
    assert any("more than 1 MB of text" in w.reason for w in report.warnings)
