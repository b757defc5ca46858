import pytest

from digest.sanitise import clean, clean_line, is_blank


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("قمة ألاسكا", "قمة ألاسكا"),
        ("a\x00b\x07c\x1b]0;title\x07d", "abc]0;titled"),
        ("line\nnext\ttab", "line\nnext\ttab"),
        ("x\u202egnp.exe", "xgnp.exe"),
        ("x\u2066y\u2069z", "xyz"),
        ("a\ufffeb\uffffc\U0010ffffd\ufdd0e", "abcde"),
        ("a\ud800b", "ab"),
        ("a\x85b\x9fc", "abc"),
        ("ال\u200cكلمة\u061c", "ال\u200cكلمة\u061c"),
    ],
)
def test_clean_removes_what_no_reader_should_receive(raw, expected):
    assert clean(raw) == expected


def test_clean_line_has_no_line_breaks():
    assert clean_line("Subject\r\nBcc: x\tend\x1b") == "Subject  Bcc: x end"
    assert clean_line("one\u2028two\u2029three\x85") == "one two three"


@pytest.mark.parametrize(
    ("text", "blank"),
    [
        ("", True),
        ("  \t\n", True),
        ("\u200b\u200f\ufeff", True),
        ("\x00\x07", True),
        ("\u202e \u2066", True),
        ("a", False),
        ("ا", False),
        (" 1 ", False),
    ],
)
def test_is_blank(text, blank):
    assert is_blank(text) is blank
