from __future__ import annotations

from argento.errors import ArgentoError, ExpressionError, NotFound, SpecError, SpecErrors


def test_spec_error_shows_location_and_path() -> None:
    err = SpecError(
        "unknown template", path="spec.templates[0].dag.tasks[1].template", location="wf.yaml:12:9"
    )
    assert str(err) == "wf.yaml:12:9 spec.templates[0].dag.tasks[1].template: unknown template"
    assert err.http_status == 400
    assert err.to_dict() == {"code": 3, "message": str(err)}


def test_several_errors_are_reported_together() -> None:
    err = SpecErrors([SpecError("a", path="x"), SpecError("b", path="y")])
    assert str(err).splitlines() == ["x: a", "y: b"]


def test_error_tree_statuses() -> None:
    assert issubclass(ExpressionError, SpecError)
    assert NotFound("workflow x not found").http_status == 404
    assert str(NotFound("workflow x not found")) == "workflow x not found"
    assert ArgentoError("boom").exit_code == 1


def test_transient_is_a_class_attribute() -> None:
    from argento.artifacts.base import RepositoryUnavailable, RepositoryUnreachable

    assert ArgentoError.transient is False and RepositoryUnavailable.transient is False
    assert RepositoryUnreachable.transient is True
    err = RepositoryUnreachable("endpoint down")
    assert err.transient and "transient" not in vars(err)


def test_an_artifact_disk_full_is_the_core_disk_full() -> None:
    import errno

    from argento import errors
    from argento.artifacts.base import ArtifactError, disk_error

    err = disk_error(OSError(errno.ENOSPC, "No space left on device"), "/data/out.tgz")
    assert isinstance(err, ArtifactError) and isinstance(err, errors.DiskFull)
    assert (err.http_status, err.exit_code, err.grpc_code) == (507, 3, 8)
