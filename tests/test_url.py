"""URL recipes against a real HTTP server on 127.0.0.1 serving a tiny archive built here."""

from __future__ import annotations

import hashlib
import io
import socket
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavecraft.cli import main
from wavecraft.corpus import open_corpus, url_corpus
from wavecraft.corpus.url import RECIPES, UrlRecipe, parse_url_spec
from wavecraft.errors import ChecksumError, FetchError, InvalidParameterError


def wav_bytes(seconds: float = 0.25, freq: float = 440.0) -> bytes:
    t = np.arange(int(16_000 * seconds)) / 16_000
    buffer = io.BytesIO()
    sf.write(buffer, 0.5 * np.sin(2 * np.pi * freq * t), 16_000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


ARCHIVE = tar_gz(
    {
        "zero/ann_nohash_0.wav": wav_bytes(freq=300),
        "zero/bob_nohash_0.wav": wav_bytes(freq=310),
        "one/ann_nohash_0.wav": wav_bytes(freq=400),
        "eleven/ann_nohash_0.wav": wav_bytes(freq=500),
        "README.txt": b"not audio",
    }
)
SHA = hashlib.sha256(ARCHIVE).hexdigest()


class ArchiveServer:
    """Serves ``archive`` (ARCHIVE unless changed) at /tiny.tar.gz with Range support; can cut the next full response short."""

    def __init__(self) -> None:
        self.archive = ARCHIVE
        self.requests: list[str | None] = []
        self.cut_next_after: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path != "/tiny.tar.gz":
                    self.send_error(404)
                    return
                requested = self.headers.get("Range")
                server.requests.append(requested)
                start = int(requested.split("=")[1].split("-")[0]) if requested else 0
                body = server.archive[start:]
                self.send_response(206 if requested else 200)
                if requested:
                    self.send_header("Content-Range", f"bytes {start}-{len(server.archive) - 1}/{len(server.archive)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                cut, server.cut_next_after = server.cut_next_after, None
                self.wfile.write(body if cut is None else body[:cut])
                self.wfile.flush()
                if cut is not None:  # drop the connection mid-body
                    self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/tiny.tar.gz"


@pytest.fixture
def server() -> Iterator[ArchiveServer]:
    archive_server = ArchiveServer()
    thread = threading.Thread(target=archive_server.httpd.serve_forever, daemon=True)
    thread.start()
    yield archive_server
    archive_server.httpd.shutdown()
    archive_server.httpd.server_close()


def recipe(url: str, sha256: str = SHA) -> UrlRecipe:
    return UrlRecipe(name="tiny", url=url, sha256=sha256, licence="CC0", keep=RECIPES["sc09"].keep)


def test_good_archive_becomes_a_labelled_corpus(server: ArchiveServer, tmp_path: Path) -> None:
    corpus = url_corpus(recipe(server.url), root=tmp_path / "tiny")
    assert [e.path for e in corpus] == ["one/ann_nohash_0.wav", "zero/ann_nohash_0.wav", "zero/bob_nohash_0.wav"]
    assert [e.label for e in corpus] == ["one", "zero", "zero"]  # "eleven" and README are not SC09
    assert [e.tags["speaker"] for e in corpus] == ["ann", "ann", "bob"]
    assert corpus.entries[0].licence == "CC0"
    assert not list((tmp_path / "tiny").glob("*.tar.gz")), "the archive is removed once extracted"
    again = url_corpus(recipe(server.url), root=tmp_path / "tiny")
    assert len(again) == 3 and len(server.requests) == 1, "a fetched corpus is not downloaded again"


def test_wrong_checksum_is_an_error_and_leaves_nothing(server: ArchiveServer, tmp_path: Path) -> None:
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        url_corpus(recipe(server.url, sha256="0" * 64), root=tmp_path / "tiny")
    leftovers = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")]
    assert leftovers == ["tiny"], leftovers  # no tree, no archive, no .part


def test_interrupted_download_resumes_with_a_range_request(server: ArchiveServer, tmp_path: Path) -> None:
    server.cut_next_after = len(ARCHIVE) // 3
    with pytest.raises(FetchError, match="interrupted"):
        url_corpus(recipe(server.url), root=tmp_path / "tiny")
    part = tmp_path / "tiny" / f"archive-{SHA[:16]}.part"  # named by the checksum, not the URL
    assert part.stat().st_size == len(ARCHIVE) // 3
    assert not (tmp_path / "tiny" / "tree").exists()
    corpus = url_corpus(recipe(server.url), root=tmp_path / "tiny")
    assert len(corpus) == 3
    assert server.requests == [None, f"bytes={len(ARCHIVE) // 3}-"]


def test_unreachable_server_is_a_fetch_error(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(FetchError):
        url_corpus(recipe(f"http://127.0.0.1:{port}/tiny.tar.gz"), root=tmp_path / "x")


def test_unsafe_archive_member_is_refused(tmp_path: Path) -> None:
    from wavecraft.corpus.url import extract

    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(tar_gz({"../evil.wav": wav_bytes()}))
    with pytest.raises(FetchError, match="unsafe"):
        extract(archive, tmp_path / "tree", keep=lambda m: True)
    assert not (tmp_path / "tree").exists() and not (tmp_path.parent / "evil.wav").exists()


def test_ad_hoc_url_spec_through_the_cli(server: ArchiveServer, capsys: pytest.CaptureFixture) -> None:
    spec = f"url:{server.url}#sha256={SHA}"
    assert main(["corpus", "fetch", spec, "--json"]) == 0
    assert '"files": 4' in capsys.readouterr().out  # ad hoc: every audio member, "eleven" included
    assert main(["corpus", "info", spec]) == 0
    assert "tiny" in capsys.readouterr().out
    assert main(["corpus", "fetch", f"url:{server.url}"]) == 2
    assert "needs its checksum" in capsys.readouterr().err


def test_two_archives_of_one_name_never_meet_in_the_cache(server: ArchiveServer, capsys: pytest.CaptureFixture) -> None:
    first = f"url:{server.url}#sha256={SHA}"
    assert main(["corpus", "fetch", first]) == 0
    other = tar_gz({"two/ann_nohash_0.wav": wav_bytes(freq=600)})
    server.archive = other  # the same URL, other contents
    assert main(["corpus", "fetch", f"url:{server.url}#sha256={'0' * 64}"]) == 2  # downloaded and checked, not the cached one
    assert "checksum mismatch" in capsys.readouterr().err
    assert main(["corpus", "fetch", f"url:{server.url}#sha256={hashlib.sha256(other).hexdigest()}", "--json"]) == 0
    assert '"files": 1' in capsys.readouterr().out
    assert main(["corpus", "fetch", first, "--json"]) == 0  # still the first one, from its own folder
    assert '"files": 4' in capsys.readouterr().out
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["corpus", "fetch", f"url:http://127.0.0.1:{port}/tiny.tar.gz#sha256={'0' * 64}"]) == 2  # nothing cached answers for it


def test_a_refused_archive_leaves_nothing_in_the_cache(server: ArchiveServer, tmp_path: Path) -> None:
    server.archive = tar_gz({"../evil.wav": wav_bytes()})
    with pytest.raises(FetchError, match="unsafe"):
        url_corpus(UrlRecipe(name="evil", url=server.url, sha256=hashlib.sha256(server.archive).hexdigest()), root=tmp_path / "evil")
    assert [p.name for p in (tmp_path / "evil").rglob("*")] == []  # verified, refused, removed


def test_url_spec_parsing() -> None:
    assert parse_url_spec("sc09").url.endswith("speech_commands_v0.02.tar.gz")
    assert parse_url_spec(f"https://example.org/set.zip#sha256={SHA}").name == f"set-{SHA[:12]}"
    assert parse_url_spec(f"https://example.org/a/..#sha256={SHA}").name == f"archive-{SHA[:12]}"  # never a path
    for scheme in ("file", "ftp"):
        with pytest.raises(InvalidParameterError, match="only http and https"):
            parse_url_spec(f"{scheme}://example.org/set.zip#sha256={SHA}")
    with pytest.raises(InvalidParameterError):
        parse_url_spec("https://example.org/set.zip#md5=abc")
    with pytest.raises(Exception, match="unknown url recipe"):
        open_corpus("url:nope")
