"""Tag grammar (BentoML's), name/version/alias validation, sortable auto versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from argento.errors import SpecError
from argento.registry.model import Tag
from argento.registry.refs import ModelRef
from argento.registry.store import ModelStore
from argento.registry.versions import (
    is_auto_version,
    new_version,
    newest_auto_version,
    validate_alias,
    validate_name,
    validate_version,
)


@pytest.mark.parametrize(
    ("text", "name", "version"),
    [
        ("iris", "iris", None),
        ("iris:latest", "iris", "latest"),
        ("my-model:v1.0.0", "my-model", "v1.0.0"),
        ("my_model.v2:1.2.3-rc.1", "my_model.v2", "1.2.3-rc.1"),
        ("iris:production", "iris", "production"),
        ("Iris:V1", "iris", "v1"),  # folded to lower case, as BentoML does
        ("  iris:v3 ", "iris", "v3"),
    ],
)
def test_tag_parse(text: str, name: str, version: str | None) -> None:
    tag = Tag.parse(text)
    assert (tag.name, tag.version) == (name, version)
    assert str(tag) == (f"{name}:{version}" if version else name)
    assert tag.is_latest == (version in (None, "latest"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("iris:", "empty version"),
        ("a:b:c", "NAME:VERSION"),
        ("-iris", "invalid"),
        ("iris-:v1", "invalid"),
        ("iris:v1/2", "invalid"),
        ("ir is", "invalid"),
        ("x" * 64, "longer than 63"),
    ],
)
def test_tag_parse_rejects(text: str, reason: str) -> None:
    with pytest.raises(SpecError, match=reason):
        Tag.parse(text)


def test_non_string_tag_is_rejected() -> None:
    with pytest.raises(SpecError, match="string"):
        Tag.parse(3)  # type: ignore[arg-type]


def test_validation_rules() -> None:
    assert validate_name("Fraud_Detector") == "fraud_detector"
    assert validate_version("v1.0.0") == "v1.0.0"
    with pytest.raises(SpecError, match="reserved"):
        validate_version("latest")
    assert validate_alias("production") == "production"
    with pytest.raises(SpecError, match="newest"):
        validate_alias("latest")
    with pytest.raises(SpecError, match="auto version"):
        validate_alias("20261126-153012-ab12")


def test_auto_versions_sort_by_time() -> None:
    start = datetime(2026, 11, 26, 15, 30, 12, tzinfo=UTC)
    moments = [start + timedelta(milliseconds=7 * i) for i in range(400)]  # crosses several seconds
    versions = [new_version(t) for t in moments]
    assert all(is_auto_version(v) for v in versions)
    assert versions[0].startswith("20261126-153012-")
    assert sorted(versions) == versions


def test_auto_version_is_bumped_past_a_version_of_the_same_slot() -> None:
    now = datetime(2026, 11, 26, 15, 30, 12, 500, tzinfo=UTC)
    first = new_version(now)
    second = new_version(now, after=first)
    assert second > first
    # a clock that went back still yields a greater version
    assert new_version(now - timedelta(hours=1), after=second) > second
    assert newest_auto_version({"v1", first, second}) == second
    assert newest_auto_version({"v1"}) is None


def test_store_auto_versions_strictly_increase(store: ModelStore) -> None:
    versions = [store.save("fast", i).version for i in range(25)]
    assert sorted(versions) == versions
    assert len(set(versions)) == 25


def test_model_ref_is_validated_early_and_normalised() -> None:
    assert ModelRef.of("iris").tag == "iris:latest"
    assert ModelRef.of("Iris:Production").tag == "iris:production"
    assert ModelRef.of("iris:v1").name == "iris"
    with pytest.raises(SpecError):
        ModelRef.of("iris:")
