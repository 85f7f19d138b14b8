from __future__ import annotations

import re

import pytest

from upload_center.errors import InvalidFileName
from upload_center.names import name_check, name_with_suffix


@pytest.mark.parametrize(
    "name", ["گزارش کلاس.pdf", "Отчёт.docx", "🎓 notes.txt", ".bashrc", "a..b", "x" * 255]
)
def test_it_keeps_unicode_and_ordinary_names_as_sent(name: str) -> None:
    assert name_check(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "  ", ".", "..", "...", "../etc/passwd", "a/b", "a\\b", "nul\x00.txt", "tab\t.txt", "é" * 128],
)
def test_it_refuses_names_that_could_escape_the_folder_or_break_storage(name: str) -> None:
    with pytest.raises(InvalidFileName):
        name_check(name)


def test_suffix_goes_at_the_end_of_the_stem_and_keeps_the_extension() -> None:
    assert re.fullmatch(r"report_[A-Za-z0-9]{7}\.pdf", name_with_suffix("report.pdf"))
    assert re.fullmatch(r"archive\.tar_[A-Za-z0-9]{7}\.gz", name_with_suffix("archive.tar.gz"))
    assert re.fullmatch(r"README_[A-Za-z0-9]{7}", name_with_suffix("README"))
    assert name_with_suffix("report.pdf") != name_with_suffix("report.pdf")


def test_a_suffixed_long_name_still_fits_in_255_bytes() -> None:
    long = "ж" * 125 + ".txt"  # 254 bytes
    suffixed = name_with_suffix(long)
    assert len(suffixed.encode()) <= 255
    assert suffixed.endswith(".txt")
    assert name_check(suffixed) == suffixed
