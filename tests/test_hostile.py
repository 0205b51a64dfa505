"""One bad file never stops the flow: a hostile corpus, generated in tmp_path, through the data-prep chain.

Every path under the source must end ingested, quarantined with a reason, or skipped with a reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pydantic import ValidationError

from loraforge import prep
from loraforge.errors import PermanentError, is_permanent
from loraforge.ingest.core import survey
from loraforge.storage import LocalStore

ROOT = Path(__file__).resolve().parents[1]
AS_ROOT = os.geteuid() == 0  # root reads any file: the permission cases cannot be staged
GOOD = (
    "# Onboarding\n\nNew consultants get a laptop and a mentor in their first week.\n\n"
    "Expense reports are filed monthly through the finance portal.\n"
)
BAD_NAME = os.fsdecode(b"bad_\xff\xfe.txt")  # not UTF-8: the OS hands it over with surrogates
EMAIL_FAR, EMAIL_EDGE = "dana.whitfield@example.org", "li.wen@example.com"


def build_bomb(path: Path, unpacked: int = 1 << 30) -> Path:
    """A DOCX whose word/document.xml is ``unpacked`` bytes of one repeated byte (~1 MB compressed)."""
    chunk = b"a" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(unpacked // len(chunk)):
                member.write(chunk)
    return path


def long_paragraph() -> str:
    """1.2 M characters without a blank line (spaCy refuses > 1 M), PII far in and across a window edge."""
    words = ("x" * 999 + " ") * 1200
    edge = 100_000 - len(EMAIL_EDGE) // 2  # straddles the end of the first analysis window
    text = words[: edge - 1] + f" {EMAIL_EDGE} " + words[edge + len(EMAIL_EDGE) + 1 :]
    far = 1_100_000
    return text[:far] + " " + EMAIL_FAR + " " + text[far + len(EMAIL_FAR) + 2 :]


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return build_bomb(tmp_path_factory.mktemp("bomb") / "bomb.docx")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, bomb):
    """The hostile corpus, and the fate every path under it must meet: a reason, or "ingested"."""
    base = tmp_path_factory.mktemp("hostile")
    src, outside = base / "docs", base / "outside.txt"
    (src / "sub").mkdir(parents=True)
    outside.write_text(GOOD)
    (src / "good.md").write_text(GOOD)
    (src / "sub" / "notes.txt").write_text("The quarterly review happens every March in the main office.\n")
    (src / "long.txt").write_text(long_paragraph())
    (src / BAD_NAME).write_text("A file whose name is not valid UTF-8 still carries text worth keeping.\n")
    (src / "utf16.txt").write_bytes("Über-fast UTF-16 text without any byte order mark, café.\n".encode("utf-16-le"))
    os.mkfifo(src / "pipe.txt")
    (src / "link_in.txt").symlink_to(src / "good.md")
    (src / "link_out.txt").symlink_to(outside)
    (src / ".secret.txt").write_text(GOOD)
    (src / "..dotdot.txt").write_text(GOOD)
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    os.link(bomb, src / "bomb.docx")
    (src / "tags.html").write_bytes(b"<html><body>" + b"<p>word</p>" * 150_000 + b"</body></html>")  # 1.7 MB
    with open(src / "huge.txt", "wb") as f:  # 4 GB, sparse: costs no disk, must never be read
        f.truncate(4 << 30)
    fates = {
        "good.md": "ingested",
        "sub/notes.txt": "ingested",
        "long.txt": "ingested",
        "bad_\\xff\\xfe.txt": "ingested",
        "utf16.txt": "ingested",
        "pipe.txt": "skipped_special",
        "link_in.txt": "skipped_symlink",
        "link_out.txt": "skipped_symlink",
        ".secret.txt": "skipped_hidden",
        "..dotdot.txt": "skipped_hidden",
        ".git": "skipped_hidden",
        "bomb.docx": "bomb",
        "huge.txt": "too_large",
        "tags.html": "too_large",  # 300,000 tags: parsing would cost ~1 GB
    }
    if not AS_ROOT:
        (src / "locked.txt").write_text(GOOD)
        (src / "locked.txt").chmod(0)
        (src / "closed").mkdir()
        (src / "closed" / "inside.txt").write_text(GOOD)
        (src / "closed").chmod(0)
        fates |= {"locked.txt": "unreadable", "closed": "unreadable"}
    store = LocalStore(base / "store")
    try:
        manifest = prep.run_data_prep(src, store)
    finally:
        if not AS_ROOT:
            (src / "closed").chmod(0o755)
    return store, manifest, fates


def _records(store: LocalStore, stage: str, kind: str) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((store.root / "default/default/prep" / stage).glob(f"*.{kind}.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_every_path_under_the_source_meets_its_fate(hostile):
    store, manifest, fates = hostile
    got = {q["source"]: q["reason"] for q in _records(store, "ingest", "quarantine")}
    got |= {d["source"]: "ingested" for d in _records(store, "ingest", "docs")}
    assert got == fates
    assert manifest.n_files == len(fates)
    expected = {}
    for fate in fates.values():
        if fate != "ingested":
            expected[fate] = expected.get(fate, 0) + 1
    assert manifest.quarantined_by_reason == dict(sorted(expected.items()))
    assert manifest.n_examples > 0  # the run went all the way to a dataset


def test_utf16_without_bom_and_non_utf8_names_keep_their_text(hostile):
    store, _, _ = hostile
    texts = {d["source"]: " ".join(e["text"] for e in d["elements"]) for d in _records(store, "ingest", "docs")}
    assert "Über-fast UTF-16 text without any byte order mark, café." in texts["utf16.txt"]
    assert "\x00" not in texts["utf16.txt"]
    assert "still carries text worth keeping" in texts["bad_\\xff\\xfe.txt"]


def test_pii_in_an_element_over_a_million_characters_is_redacted(hostile):
    store, _, _ = hostile
    (long,) = [d for d in _records(store, "pii", "docs") if d["source"] == "long.txt"]
    text = "".join(e["text"] for e in long["elements"])
    assert len(text) > 1_000_000
    assert EMAIL_FAR not in text and EMAIL_EDGE not in text
    assert "li.wen" not in text and "example.com" not in text  # not half-redacted at the window edge
    assert text.count("<EMAIL_ADDRESS>") == 2


MEASURE = """
import json, resource, sys
from pathlib import Path
from loraforge.ingest import IngestConfig, ingest_file
ingest_file(Path(sys.argv[3]), IngestConfig())  # warm: imports and first-parse setup out of the figure
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = ingest_file(Path(sys.argv[1]), IngestConfig())
after_bomb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
big = ingest_file(Path(sys.argv[2]), IngestConfig())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"reasons": [q.reason for q in result.quarantined + big.quarantined], "read": big.n_bytes,
                  "bomb_kb": after_bomb - base, "too_large_kb": peak - after_bomb}))
"""


def test_a_one_gigabyte_zip_bomb_and_a_4_gb_file_cost_no_memory(bomb, tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as f:
        f.truncate(4 << 30)
    warm = tmp_path / "warm.md"
    warm.write_text(GOOD)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bomb), str(huge), str(warm)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    assert measured["reasons"] == ["bomb", "too_large"] and measured["read"] == 0
    print(f"peak RSS above baseline: bomb {measured['bomb_kb']} KB, 4 GB file {measured['too_large_kb']} KB")
    assert measured["bomb_kb"] < 2 * 1024 * 1024 and measured["too_large_kb"] < 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        ("", ValueError, "source is empty"),
        ("/", ValueError, "filesystem root"),
        ("/no/such/folder", FileNotFoundError, "not found"),
    ],
)
def test_a_bad_source_fails_at_once_with_its_reason(source, error, message):
    with pytest.raises(error, match=message) as raised:
        prep.plan_shards(source, 10)
    assert is_permanent(raised.value)


@pytest.mark.parametrize(
    ("ratios", "message"),
    [([2, -1, 0], "non-negative"), ([0, 0.5, 0.5], "train a share"), ([0.5, 0.1, 0.1], "sum to 1")],
)
def test_bad_split_ratios_are_refused_before_any_work(ratios, message):
    with pytest.raises(ValidationError, match=message) as raised:
        prep.DataPrepConfig(dataset={"split_ratios": ratios})
    assert is_permanent(raised.value)


def test_a_folder_with_nothing_usable_says_so(tmp_path, bomb):
    src = tmp_path / "docs"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.md").write_text("   \n\n")
    (src / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (src / ".hidden.txt").write_text(GOOD)
    with pytest.raises(PermanentError) as raised:
        prep.run_data_prep(src, LocalStore(tmp_path / "store"))
    assert str(raised.value) == (
        "no usable documents to build a dataset from "
        "(quarantined by reason: empty: 2, skipped_hidden: 1, unsupported: 1)"
    )
    assert is_permanent(raised.value)


def test_planning_reads_no_file_and_follows_changes(tmp_path):
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.txt").write_text(GOOD)
    first = prep.plan_shards(src, 10)[0]
    assert prep.plan_shards(src, 10)[0].key == first.key  # unchanged: same shard, Prefect's cache holds
    (src / "a.txt").write_text(GOOD + "One more line.\n")
    os.utime(src / "a.txt", ns=(1, 1))  # even a rewrite within one clock tick changes size or mtime
    assert prep.plan_shards(src, 10)[0].key != first.key


def test_the_prefect_flow_runs_through_a_hostile_folder(prefect_server, tmp_path):
    from flows.data_prep import data_prep
    from loraforge.target import Target

    src = tmp_path / "docs"
    src.mkdir()
    (src / "good.md").write_text(GOOD)
    (src / BAD_NAME).write_text("A file whose name is not valid UTF-8 still carries text worth keeping.\n")
    os.mkfifo(src / "pipe.txt")
    (src / "link.txt").symlink_to(src / "good.md")
    (src / ".hidden.txt").write_text(GOOD)
    target = Target(tenant="acme", project="hostile", store=str(tmp_path / "store"))
    manifest = data_prep(source=str(src), target=target)
    assert (manifest.n_files, manifest.n_documents) == (5, 2)
    assert manifest.quarantined_by_reason == {"skipped_hidden": 1, "skipped_special": 1, "skipped_symlink": 1}


def test_follow_symlinks_takes_links_to_files_inside_the_source_only(tmp_path):
    src, outside = tmp_path / "docs", tmp_path / "outside.txt"
    (src / "sub").mkdir(parents=True)
    outside.write_text(GOOD)
    (src / "sub" / "policy.md").write_text(GOOD)
    (src / "link_in.md").symlink_to(src / "sub" / "policy.md")
    (src / "link_out.md").symlink_to(outside)
    (src / "link_dir").symlink_to(src / "sub")
    (src / "dangling.md").symlink_to(src / "gone.md")
    files, skipped = survey(src, follow_symlinks=True)
    assert [p.name for p in files] == ["link_in.md", "policy.md"]
    assert {q.source: q.detail for q in skipped} == {
        "dangling.md": "symbolic link to something other than a file",
        "link_dir": "symbolic link (not followed)",
        "link_out.md": "symbolic link to outside the source",
    }
    assert [p.name for p in survey(src)[0]] == ["policy.md"]  # off by default
    config = prep.DataPrepConfig(ingest={"follow_symlinks": True})
    shard = prep.plan_shards(src, 10, follow_symlinks=config.ingest.follow_symlinks)[0]
    assert "link_in.md" in [rel for rel, content_id in shard.files if content_id.startswith("stat:")]
