"""Names never leave their root (issue 14 item 2): `argento.paths` with hostile names, and Kubernetes' name
rules of `argento.names` with the API server's messages (k8s.io/apimachinery pkg/util/validation)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from argento.errors import SpecError
from argento.names import check_label, check_subdomain, label_errors, object_name_errors, subdomain_errors
from argento.paths import safe_join, safe_key

HOSTILE = [
    "..",
    ".",
    "../x",
    "../../etc/passwd",
    "/tmp/y",
    "a/b",
    "a\\b",
    "a\x00b",
    "",
    "x" * 256,
]


@pytest.mark.parametrize("name", HOSTILE)
def test_safe_join_refuses_hostile_segments(tmp_path: Path, name: str) -> None:
    with pytest.raises(SpecError, match="invalid workflow name"):
        safe_join(tmp_path, name, what="workflow name")
    assert sorted(os.listdir(tmp_path)) == []  # nothing created, ever


def test_safe_join_keeps_harmless_names_and_refuses_symlinked_escapes(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    root.mkdir()
    # Percent-encodings and look-alike characters are just characters in a file name: no traversal.
    for name in ("%2e%2e", "．．", "a\u2215b", "hello-x7k2p", "<script>", "x" * 255):
        assert safe_join(root, name).parent == root
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "wf").symlink_to(outside)  # a step could plant a link under runs/
    with pytest.raises(SpecError, match="leads outside"):
        safe_join(root, "wf", "main.log")
    assert safe_join(root, "wf-ok", "pod", "main.log") == root / "wf-ok" / "pod" / "main.log"


def test_safe_key(tmp_path: Path) -> None:
    assert safe_key(tmp_path, "wf/pod/out.tgz") == tmp_path / "wf" / "pod" / "out.tgz"
    assert safe_key(tmp_path, "wf//pod/") == tmp_path / "wf" / "pod"
    for key in ("/etc/passwd", "a/../../b", "..", "a/./b", "a\x00"):
        with pytest.raises(SpecError):
            safe_key(tmp_path, key)


def test_kubernetes_name_rules_and_messages() -> None:
    """apimachinery's IsDNS1123Subdomain / IsDNS1123Label and ValidateObjectMeta, message for message."""
    regex = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    assert subdomain_errors("../x") == [
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        f"start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{regex}')"
    ]
    assert subdomain_errors("a" * 254)[0] == "must be no more than 253 characters"
    assert subdomain_errors("my.wf-1") == []
    assert subdomain_errors("ok\n") != []  # Python's `$` would accept this; Go's does not
    assert label_errors("a.b") == ["must not contain dots"]
    assert label_errors("a" * 64)[0] == "must be no more than 63 characters"
    assert label_errors("Argo")[0].startswith("a lowercase RFC 1123 label must consist of")
    with pytest.raises(SpecError) as err:
        check_subdomain("a\x00b", "workflow.metadata.name")
    assert str(err.value).startswith('workflow.metadata.name: Invalid value: "a\\x00b": a lowercase RFC 1123')
    assert check_subdomain("hello-", "metadata.generateName", prefix=True) == "hello-"  # maskTrailingDash
    with pytest.raises(SpecError):
        check_subdomain("Hello-", "metadata.generateName", prefix=True)
    with pytest.raises(SpecError, match="must not contain dots"):
        check_label("a.b", "metadata.namespace")
    errors = object_name_errors({"name": "<script>", "generateName": "../", "namespace": ".."})
    assert [e.path for e in errors] == ["metadata.generateName", "metadata.name", "metadata.namespace"]
