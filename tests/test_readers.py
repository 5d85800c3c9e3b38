"""Reading text inputs: encodings, bad files, pages, cells and embedded HTML tables."""

from __future__ import annotations

import pytest

from extractors.readers import ReadFailure, bytes_to_identity, read_document
from extractors.readers.text import bytes_to_text, html_table_to_rows
from schemas.quality import Code

SAMPLE = "連携中枢都市圏において連携する取組一覧\n大分類\t旭川市\t合計\n創業支援\t●\t1\n"


@pytest.mark.parametrize(
    ("encoding", "expected_name"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp932", "cp932"), ("shift_jis", "cp932"), ("euc_jp", "euc_jp")],
)
def test_japanese_encodings_are_detected(encoding: str, expected_name: str) -> None:
    data = SAMPLE.encode(encoding)
    decoded = bytes_to_text(data)
    assert not isinstance(decoded, ReadFailure)
    text, name = decoded
    assert text.lstrip("\ufeff") == SAMPLE
    assert name == expected_name


def test_euc_jp_that_also_decodes_as_cp932_is_read_as_euc_jp() -> None:
    text = "かな漢字まじりの文章です。北海道の市町村。\n" * 3
    data = text.encode("euc_jp")
    decoded = bytes_to_text(data)
    assert not isinstance(decoded, ReadFailure)
    assert decoded == (text, "euc_jp")


def test_cp932_specific_characters_survive() -> None:
    text = "①②③ ㈱ 髙橋 ～ 岩見沢市\n"
    decoded = bytes_to_text(text.encode("cp932"))
    assert not isinstance(decoded, ReadFailure)
    assert decoded[0] == text


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", Code.EMPTY_FILE),
        (b"  \n\n\t ", Code.EMPTY_FILE),
        (bytes(range(256)) * 8, Code.BINARY_FILE),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, Code.BINARY_FILE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Code.BINARY_FILE),
    ],
)
def test_bad_text_inputs_fail_with_codes(data: bytes, code: Code) -> None:
    parsed = read_document(data, "bad.txt")
    assert isinstance(parsed, ReadFailure)
    assert parsed.code is code
    assert parsed.message


def test_doc_id_is_sha256_prefix() -> None:
    identity = bytes_to_identity(b"abc")
    assert identity.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert identity.doc_id == identity.sha256[:16]


def test_lines_keep_empty_tab_fields_and_pages_split_on_form_feed() -> None:
    doc = read_document("a\t\t●\t\n\fpage two\n".encode(), "x.txt")
    assert not isinstance(doc, ReadFailure)
    assert len(doc.pages) == 2
    first = doc.pages[0].lines[0]
    assert [c.text for c in first.cells] == ["a", "", "●", ""]
    assert doc.pages[1].lines[0].text == "page two"
    assert doc.pages[1].lines[0].page == 2


def test_embedded_html_table_becomes_tab_rows_and_flattened_tail_is_dropped() -> None:
    line = "\t<table><tr><th>防災</th><th>交通</th></tr><tr><td><ul><li>訓練</li></ul></td><td>利用 促進</td></tr></table>\t防災\t交通"
    doc = read_document(line.encode(), "x.txt")
    assert not isinstance(doc, ReadFailure)
    rows = [line.cell_texts() for line in doc.lines() if line.text.strip()]
    assert rows == [["防災", "交通"], ["訓練", "利用 促進"]]


def test_html_table_to_rows_handles_header_and_body() -> None:
    assert html_table_to_rows("<table><tr><td>a</td><td>b<br>c</td></tr></table>") == [["a", "b c"]]
