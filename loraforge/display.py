"""How values are shown to people (Prefect UI artifacts, Markdown reports, the console).

The Prefect UI renders every *string* cell of a table artifact as Markdown (numbers as plain text), so
``text`` neutralises Markdown syntax: ``-`` alone would be a bullet, ``>= 0.8`` a blockquote, ``|`` a
column break in a Markdown table. Numbers are rounded for reading (``num``); the exact values stay in
the JSON reports and MLflow. Links are made only where they open: an http(s) URL;
a local file is shown as its path and a local MLflow store as the command that serves its UI.
"""

from __future__ import annotations

import math
import re
import shlex
from urllib.parse import unquote, urlsplit

MISSING = "—"  # a value that does not exist (a "-" would render as a bullet)
MLFLOW_UI_DEFAULT = "http://127.0.0.1:5000"  # where `mlflow ui` serves by default
_OPS = {"<=": "≤", ">=": "≥"}

# Inline Markdown: emphasis, code, links, raw HTML, strikethrough, escapes, table pipes.
_INLINE = re.compile(r"[\\`*\[\]<|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)")
# Block syntax at the start of a line: heading, quote, bullet, rule or setext underline, numbered item.
_BLOCK = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|[-=]+\s*$|\d{1,9}(?=[.)](?:\s|$)))")


def text(value: object) -> str:
    """``value`` as one line of Markdown that renders as the text itself (``None``: ``—``)."""
    if value is None:
        return MISSING
    s = " ".join(str(value).split())  # one line: a newline would end a table row
    if not s:
        return MISSING
    s = _INLINE.sub(lambda m: "\\" + m.group(0), s)
    block = _BLOCK.match(s)
    if block:
        end = block.end() if s[: block.end()].isdigit() else 0  # "1. x": escape the dot; else the first char
        s = s[:end] + "\\" + s[end:]
    return s


def num(value: float | int | None, *, significant: int | None = None, decimals: int = 3, signed: bool = False) -> str:
    """A number for reading: integers as integers, floats to ``significant`` digits (no exponent; a whole
    float as an integer) or to ``decimals`` places; ``signed`` shows ``+`` on positive values (differences);
    ``None``: ``—``."""
    if value is None:
        return MISSING
    sign = "+" if signed and value else ""  # no difference is 0, not +0
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:{sign}d}"
    if not math.isfinite(value):
        return str(value)
    if significant is not None and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):{sign}d}"  # a count carried as a float (16.0 steps)
    if significant is not None:
        decimals = max(significant - 1 - math.floor(math.log10(abs(value))), 0) if value else 0
    return f"{value:{sign}.{decimals}f}"


def threshold(op: str, value: float, decimals: int = 3) -> str:
    """``<= 0.2`` as ``≤ 0.200`` (``>=`` would render as a blockquote)."""
    return f"{_OPS.get(op, op)} {num(value, decimals=decimals)}"


# -- links ---------------------------------------------------------------------------------------


def is_web_url(url: str | None) -> bool:
    """True for an http(s) URL: the only kind a browser opens from the Prefect UI."""
    return bool(url) and urlsplit(str(url)).scheme in ("http", "https") and bool(urlsplit(str(url)).netloc)


def local_path(uri: str) -> str:
    """``file:///a/b%20c.zip`` → ``/a/b c.zip``; anything else unchanged."""
    if uri.startswith("file://"):
        return unquote(urlsplit(uri).path)
    return uri


def where(url: str | None, label: str) -> str:
    """Markdown for something a person may open: a link for an http(s) URL, else its path as code."""
    if is_web_url(url):
        return f"[{text(label)}]({url})"
    return f"`{local_path(url)}`" if url else MISSING


def mlflow_run_url(tracking_uri: str, experiment_id: str, run_id: str, ui_url: str | None = None) -> str:
    """The run's page in the MLflow UI: under ``ui_url`` (default ``LORAFORGE_MLFLOW_UI_URL``), else under
    an http(s) tracking URI (the server serves its UI); ``""`` for a local store nobody serves."""
    if ui_url is None:
        from loraforge.settings import Settings

        ui_url = Settings().mlflow_ui_url
    base = ui_url or (tracking_uri if is_web_url(tracking_uri) else "")
    if not base:
        return ""
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def mlflow_ui_command(tracking_uri: str) -> str:
    """The command that serves the MLflow UI of a local store (``sqlite:///…``, a folder): ``""`` for a server."""
    if not tracking_uri or is_web_url(tracking_uri):
        return ""
    return f"mlflow ui --backend-store-uri {shlex.quote(tracking_uri)}"


def mlflow_run_markdown(run_id: str, url: str, tracking_uri: str | None) -> str:
    """Markdown naming an MLflow run: a link to its page, or how to open a local store's UI (no dead link)."""
    if is_web_url(url):
        return f"[MLflow run `{run_id}`]({url})"
    command = mlflow_ui_command(tracking_uri or "")
    if not command:
        return f"MLflow run `{run_id}`"
    return (
        f"MLflow run `{run_id}` (local store; to browse it run `{command}`, "
        f"then open `{MLFLOW_UI_DEFAULT}/#/runs/{run_id}`)"
    )


def mlflow_run_line(run_id: str, url: str, tracking_uri: str | None) -> str:
    """The same for a console line: the URL, or the command and the page it serves."""
    if is_web_url(url):
        return url
    command = mlflow_ui_command(tracking_uri or "")
    return f"browse with: {command}  then open {MLFLOW_UI_DEFAULT}/#/runs/{run_id}" if command else ""
