"""File: uploads in parts within a limit, the function's path or bytes, and downloads of returned files only."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbshare
from nbshare.values.files import FileData


def upload(component: nbshare.File, data: bytes, name: str = "notes.csv", mime: str = "text/csv") -> None:
    component._receive_page_event(
        component, {"event": "upload", "part": 0, "parts": 1, "name": name, "mime": mime}, [data]
    )


def test_an_upload_reaches_the_function_as_a_path_under_its_own_name_or_as_bytes() -> None:
    component = nbshare.File()
    upload(component, b"a,b\n1,2\n", name="../../etc/passwd")
    assert component.message == "" and component.file_name == "passwd" and component.file_size == 8
    path = Path(component.preprocess(component.value))
    assert path.name == "passwd" and path.read_bytes() == b"a,b\n1,2\n" and "nbshare-files-" in str(path)
    assert nbshare.File(type="bytes").preprocess(component.value) == b"a,b\n1,2\n"


def test_empty_oversized_and_wrong_kind_uploads_are_refused_and_the_file_before_is_kept() -> None:
    component = nbshare.File(max_upload_bytes=10, file_types=[".csv"])
    upload(component, b"1,2\n")
    kept = component.value
    upload(component, b"", name="empty.csv")
    assert component.message == "empty.csv is empty (0 bytes)"
    upload(component, b"x" * 11, name="big.csv")
    assert component.message == "big.csv is over 10 bytes, the limit (raise it with File(max_upload_bytes=...))"
    upload(component, b"MZ", name="tool.exe", mime="application/x-msdownload")
    assert component.message == "tool.exe is not one of the accepted kinds: .csv"
    assert component.value is kept
    with pytest.raises(nbshare.InputError, match="choose a file"):
        nbshare.File(label="Report").preprocess(None)


def test_a_download_sends_only_the_file_the_function_returned(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 report")
    output = nbshare.File(interactive=False)
    output.value = output.postprocess(str(tmp_path / "report.pdf"))
    sent: list[tuple[dict, list[bytes]]] = []
    output.send = lambda content, buffers=None: sent.append((content, buffers))  # type: ignore[method-assign]
    output._receive_page_event(output, {"event": "download", "path": "/etc/passwd"}, [])
    assert sent == [({"event": "download", "name": "report.pdf"}, [b"%PDF-1.7 report"])]
    upload(output, b"sneaky")  # an output takes no uploads
    assert output.value.data == b"%PDF-1.7 report"
    assert output.postprocess(("a/b.txt", b"x")).name == "b.txt"
    assert output.postprocess(b"raw").name == "file"
    with pytest.raises(nbshare.InputError, match="a file must be"):
        output.postprocess(3)


def test_file_data_is_what_flags_and_previews_show() -> None:
    assert nbshare.File().preview(FileData("scan.dcm", b"x" * 2_000)) == "scan.dcm (2.0 KB)"
