"""The sort key of each scheme orders names exactly as the scheme (and its library) does."""

from __future__ import annotations

import pytest
import semver
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version as Pep440Version

from sustain.catalog.versioning import InvalidVersion, check_name, sort_key, validate


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


# --- semantic versions ---------------------------------------------------------------------------
_number = st.integers(min_value=0, max_value=10**12).map(str)
_word = st.from_regex(r"[A-Za-z-][0-9A-Za-z-]{0,6}", fullmatch=True)
_identifier = st.one_of(_number, _word)
semvers = st.builds(
    lambda core, pre, build: (
        ".".join(core)
        + (f"-{'.'.join(pre)}" if pre else "")
        + (f"+{'.'.join(build)}" if build else "")
    ),
    st.lists(st.integers(0, 30).map(str) | _number, min_size=3, max_size=3),
    st.lists(_identifier, max_size=4),
    st.lists(st.from_regex(r"[0-9A-Za-z-]{1,5}", fullmatch=True), max_size=2),
)


@given(semvers, semvers)
def test_semver_keys_order_as_semver_precedence(a: str, b: str) -> None:
    expected = semver.Version.parse(a).compare(b)
    got = sort_key("semver", a, position=0), sort_key("semver", b, position=0)
    assert _sign((got[0] > got[1]) - (got[0] < got[1])) == expected


def test_semver_examples_from_the_specification() -> None:
    spec = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
        "10.0.0",
    ]
    shuffled = sorted(spec, key=lambda v: v[::-1])
    assert sorted(shuffled, key=lambda v: sort_key("semver", v, position=0)) == spec


@pytest.mark.parametrize("name", ["4.2", "v1.2.3", "01.2.3", "1.2.3.4", "1.2.x", "1.2.3-", ""])
def test_semver_refuses_what_is_not_a_semantic_version(name: str) -> None:
    with pytest.raises(InvalidVersion, match=r"semantic version|needs a name"):
        validate("semver", name)


# --- PEP 440 -------------------------------------------------------------------------------------
pep440s = st.builds(
    lambda epoch, release, pre, post, dev, local: (
        (f"{epoch}!" if epoch else "")
        + ".".join(map(str, release))
        + (f"{pre[0]}{pre[1]}" if pre else "")
        + (f".post{post}" if post is not None else "")
        + (f".dev{dev}" if dev is not None else "")
        + (f"+{'.'.join(local)}" if local else "")
    ),
    st.sampled_from([0, 0, 0, 1, 2]),
    st.lists(st.integers(0, 12), min_size=1, max_size=4),
    st.none()
    | st.tuples(st.sampled_from(["a", "b", "rc", "alpha", "c", "pre"]), st.integers(0, 3)),
    st.none() | st.integers(0, 3),
    st.none() | st.integers(0, 3),
    st.lists(st.from_regex(r"[0-9a-z]{1,4}", fullmatch=True), max_size=3),
)


@given(pep440s, pep440s)
def test_pep440_keys_order_as_packaging_does(a: str, b: str) -> None:
    va, vb = Pep440Version(a), Pep440Version(b)
    ka, kb = sort_key("pep440", a, position=0), sort_key("pep440", b, position=0)
    assert (ka < kb) == (va < vb)
    assert (ka == kb) == (va == vb)


def test_pep440_examples() -> None:
    ordered = ["1.0.dev1", "1.0a1", "1.0a2.dev1", "1.0b1", "1.0rc1", "1.0", "1.0+local.1"]
    ordered += ["1.0.post1.dev1", "1.0.post1", "1.1", "1.10", "2!0.1"]
    shuffled = sorted(ordered)
    assert sorted(shuffled, key=lambda v: sort_key("pep440", v, position=0)) == ordered
    assert sort_key("pep440", "1.0", position=0) == sort_key("pep440", "1.0.0", position=0)


@pytest.mark.parametrize("name", ["4.x", "one", "1.0-beta-gamma", "1..2", "latest"])
def test_pep440_refuses_what_is_not_a_pep440_version(name: str) -> None:
    with pytest.raises(InvalidVersion, match="not a PEP 440 version"):
        validate("pep440", name)


# --- calendar versions -------------------------------------------------------------------------
calvers = st.tuples(
    st.sampled_from(["2023", "2024", "24", "25", "09", "1999"]),
    st.lists(st.integers(0, 40), max_size=3),
    st.none() | st.from_regex(r"(rc|beta|alpha)[0-9]{0,2}", fullmatch=True),
)


def _calver_name(parts: tuple[str, list[int], str | None]) -> str:
    year, rest, modifier = parts
    return year + "".join(f".{n}" for n in rest) + (f"-{modifier}" if modifier else "")


def _calver_order(parts: tuple[str, list[int], str | None]) -> tuple[object, ...]:
    year, rest, modifier = parts
    full = int(year) + (2000 if len(year) <= 2 else 0)
    return (full, rest, (0, modifier) if modifier else (1, ""))


@given(calvers, calvers)
def test_calver_keys_order_by_year_then_numbers_then_modifier(
    a: tuple[str, list[int], str | None], b: tuple[str, list[int], str | None]
) -> None:
    ka, kb = (sort_key("calver", _calver_name(x), position=0) for x in (a, b))
    oa, ob = _calver_order(a), _calver_order(b)
    assert (ka < kb) == (oa < ob)
    assert (ka == kb) == (oa == ob)


def test_calver_examples() -> None:
    ordered = ["2023.12", "24.04", "2024.4.1", "2024.10-rc1", "2024.10", "2024.10.1", "2025.1"]
    shuffled = sorted(ordered)
    assert sorted(shuffled, key=lambda v: sort_key("calver", v, position=0)) == ordered


@pytest.mark.parametrize("name", ["v2024.1", "024.1", "2024-10-01", "2024.x", "20240.1"])
def test_calver_refuses_what_is_not_a_calendar_version(name: str) -> None:
    with pytest.raises(InvalidVersion, match="not a calendar version"):
        validate("calver", name)


# --- free-form ------------------------------------------------------------------------------------
@given(st.integers(0, 2**62), st.integers(0, 2**62))
def test_freeform_keys_order_by_position(a: int, b: int) -> None:
    ka, kb = sort_key("freeform", "x", position=a), sort_key("freeform", "y", position=b)
    assert (ka < kb) == (a < b)


@given(st.text(min_size=1, max_size=100).filter(lambda s: s.strip()))
def test_freeform_takes_any_printable_name(name: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in name.strip()):
        with pytest.raises(InvalidVersion, match="control characters"):
            validate("freeform", name)
    else:
        validate("freeform", name)


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "needs a name"), ("x" * 101, "at most 100"), ("a\tb", "control characters")],
)
def test_every_scheme_refuses_empty_long_and_control_names(name: str, message: str) -> None:
    for scheme in ("semver", "pep440", "calver", "freeform"):
        with pytest.raises(InvalidVersion, match=message):
            validate(scheme, name)


@given(st.sampled_from(["semver", "pep440", "calver"]), st.text(max_size=30))
def test_any_text_is_either_keyed_or_refused_with_invalid_version(scheme: str, name: str) -> None:
    try:
        key = sort_key(scheme, name, position=0)
    except InvalidVersion as exc:
        message = str(exc)
        assert message
    else:
        assert len(key) <= 512
        assert set(key) <= set("0123456789abcdef")


def test_keys_fit_the_column_for_the_longest_names() -> None:
    longest = [
        ("semver", "1.2.3-" + ".".join(["a"] * 47)),
        ("semver", "1.2.3-" + ".".join(["9"] * 47)),
        ("pep440", "1." + ".".join(["9"] * 49)),
        ("calver", "2024." + ".".join(["1"] * 47)),
        ("semver", "9" * 32 + "." + "9" * 32 + "." + "9" * 34),
    ]
    for scheme, name in longest:
        assert len(name) <= 100
        assert len(sort_key(scheme, name, position=0)) <= 512


def test_check_name_strips_spaces() -> None:
    assert check_name("  1.0 ") == "1.0"
