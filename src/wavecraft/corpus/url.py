"""Download-and-verify recipes for public research sets (``url:NAME``).

A recipe names an archive, its SHA-256, the members to keep and how to label
them. Fetching streams the archive into the cache with a progress bar,
resumes a partial download with an HTTP Range request, verifies the checksum,
and extracts into a temporary folder that is renamed into place only when
complete: a bad checksum or a failed extraction leaves no corpus behind.

Any archive can be fetched ad hoc as ``url:https://host/file.tar.gz#sha256=HEX``
(http and https only). Its cache folder and archive are named by the
checksum, never by the URL's last segment: two archives of the same name
with different contents never meet, and no URL can point a path outside the
cache.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from wavecraft.cache import cache_dir
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.manifest import AUDIO_SUFFIXES, Labeller, refresh
from wavecraft.errors import ChecksumError, CorpusError, FetchError, InvalidParameterError, UnknownCorpusError
from wavecraft.progress import progress

CHUNK = 1 << 16
#: The URL schemes a recipe may use.
SCHEMES = ("http", "https")
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def folder_labeller(rel: str) -> tuple[str, dict[str, str]]:
    """Label a file by its parent folder; tag the speaker of Speech Commands names (``SPEAKER_nohash_N.wav``)."""
    path = PurePosixPath(rel)
    label = path.parent.name if len(path.parts) > 1 else ""
    tags = {"speaker": path.stem.split("_nohash_")[0]} if "_nohash_" in path.stem else {}
    return label, tags


@dataclass(frozen=True)
class UrlRecipe:
    """A public archive and how to turn it into a corpus.

    Attributes
    ----------
    name : str
        What users type after ``url:``.
    url : str
        The archive (``.tar.gz``, ``.tgz``, ``.tar`` or ``.zip``).
    sha256 : str
        Expected SHA-256 of the archive, hex.
    description, licence, attribution : str
        For ``corpus list`` and the manifest.
    keep : callable
        ``member path -> bool``: which archive members to extract.
    labeller : callable
        ``path relative to the corpus root -> (label, tags)``.
    """

    name: str
    url: str
    sha256: str
    description: str = ""
    licence: str = ""
    attribution: str = ""
    keep: Callable[[str], bool] = field(default=lambda member: PurePosixPath(member).suffix.lower() in AUDIO_SUFFIXES)
    labeller: Labeller = folder_labeller


def _sc09_member(member: str) -> bool:
    """Speech Commands members that belong to SC09: the WAVs of the ten digit words."""
    path = PurePosixPath(member)
    return path.suffix == ".wav" and len(path.parts) >= 2 and path.parts[-2] in DIGIT_WORDS


RECIPES: dict[str, UrlRecipe] = {
    "sc09": UrlRecipe(
        name="sc09",
        url="http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
        sha256="af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
        description="SC09: the digits zero-nine of Speech Commands v0.02, 16 kHz, 1 s, many speakers (2.3 GB download)",
        licence="CC-BY-4.0",
        attribution="Pete Warden, Speech Commands (Google)",
        keep=_sc09_member,
    ),
}


def parse_url_spec(spec: str) -> UrlRecipe:
    """Turn ``NAME`` or ``https://host/file.tar.gz#sha256=HEX`` into a recipe.

    Raises
    ------
    UnknownCorpusError, InvalidParameterError
        For an unknown name or an ad-hoc URL without a checksum.
    """
    if "://" not in spec:
        if spec not in RECIPES:
            raise UnknownCorpusError(f"unknown url recipe {spec!r}; known: {', '.join(RECIPES)}")
        return RECIPES[spec]
    url, _, fragment = spec.partition("#")
    if urlsplit(url).scheme.lower() not in SCHEMES:
        raise InvalidParameterError(f"url:{url}: only {' and '.join(SCHEMES)} addresses are supported")
    match = re.fullmatch(r"sha256=([0-9a-fA-F]{64})", fragment)
    if not match:
        raise InvalidParameterError(f"url:{url} needs its checksum: url:{url}#sha256=<64 hex digits>")
    sha256 = match.group(1).lower()
    stem = re.sub(r"(\.tar\.gz|\.tgz|\.tar|\.zip)$", "", PurePosixPath(urlsplit(url).path).name)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "archive"
    return UrlRecipe(name=f"{stem}-{sha256[:12]}", url=url, sha256=sha256)


def download(url: str, dest: Path, sha256: str) -> Path:
    """Download ``url`` to ``dest``, resuming a partial ``dest.part``, and verify its SHA-256.

    Parameters
    ----------
    url : str
        HTTP(S) address.
    dest : Path
        Final file; it appears only once the checksum matches.
    sha256 : str
        Expected hex digest.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    FetchError
        When the server cannot be reached or answers with an error.
    ChecksumError
        When the bytes do not match; the partial file is removed.
    """
    if dest.is_file() and _sha256(dest) == sha256:
        return dest
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            if offset and response.status != 206:  # the server ignored Range: start over
                offset = 0
            total = response.headers.get("Content-Length")
            total = int(total) + offset if total is not None else None
            mode = "ab" if offset else "wb"
            with open(part, mode) as out, progress(
                total=total, initial=offset, unit="B", unit_scale=True, desc=dest.name, leave=False
            ) as bar:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
            if total is not None and part.stat().st_size < total:
                raise http.client.IncompleteRead(b"", total - part.stat().st_size)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # nothing left to fetch: the part is complete
            pass
        else:
            raise FetchError(f"{url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        reason = getattr(err, "reason", err)
        raise FetchError(f"{url}: download interrupted ({reason}); run the fetch again to resume") from None
    actual = _sha256(part)
    if actual != sha256:
        part.unlink()
        raise ChecksumError(f"{url}: checksum mismatch (expected sha256 {sha256[:12]}..., got {actual[:12]}...)")
    part.replace(dest)
    return dest


def extract(archive: Path, dest: Path, keep: Callable[[str], bool]) -> Path:
    """Extract the kept members of a tar or zip archive into ``dest``, atomically.

    Members with absolute paths or ``..`` are refused.

    Returns
    -------
    Path
        ``dest``, which appears only when extraction finished.

    Raises
    ------
    FetchError
        For an unreadable archive or an unsafe member.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as tmp:
        staging = Path(tmp) / "tree"
        staging.mkdir()
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as zf:
                    for member in zf.namelist():
                        if not member.endswith("/") and keep(member):
                            _check_member(member)
                            zf.extract(member, staging)
            else:
                with tarfile.open(archive) as tf:
                    members = [m for m in tf.getmembers() if m.isfile() and keep(m.name)]
                    for member in members:
                        _check_member(member.name)
                    tf.extractall(staging, members=members, filter="data")
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as err:
            raise FetchError(f"{archive.name}: cannot extract ({err})") from None
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    return dest


def fetch_recipe(recipe: UrlRecipe, corpus_dir: Path) -> Path:
    """Download, verify and extract a recipe into ``corpus_dir/tree``; return that folder."""
    tree = corpus_dir / "tree"
    if tree.is_dir():
        return tree
    archive = download(recipe.url, corpus_dir / f"archive-{recipe.sha256[:16]}", recipe.sha256)  # named by content, never by the URL
    try:
        extract(archive, tree, recipe.keep)
    except FetchError:  # refused (an unsafe member) or unreadable: a verified archive that will never do; a full disk keeps it
        archive.unlink()
        raise
    archive.unlink()
    return tree


def _check_member(name: str) -> None:
    """Refuse archive members that would land outside the extraction folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise FetchError(f"unsafe archive member {name!r}")


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def url_corpus(recipe: UrlRecipe, fetch: bool = True, *, root: Path | None = None) -> Corpus:
    """A corpus downloaded from a URL recipe into ``root`` (default ``<cache>/corpora/url/NAME``)."""
    corpus_dir = root or url_dir(recipe.name)
    if not (corpus_dir / "tree").is_dir() and not fetch:
        raise CorpusError(f"url:{recipe.name} is not fetched yet: run `wavecraft corpus fetch url:{recipe.name}`")
    tree = fetch_recipe(recipe, corpus_dir)
    return Corpus(
        refresh(f"url:{recipe.name}", tree, corpus_dir / "manifest.json", recipe.labeller, licence=recipe.licence, attribution=recipe.attribution)
    )


def url_dir(name: str) -> Path:
    """Cache folder of a URL-recipe corpus (its ``tree``, manifest and partial download)."""
    return cache_dir() / "corpora" / "url" / name
