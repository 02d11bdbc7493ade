"""The run folders the command-line tests receive and tamper with."""
from __future__ import annotations

import shutil

import pytest

from convscope.core.cli import main


@pytest.fixture(scope="module")
def lenet_run(tmp_path_factory):
    """A LeNet run directory (one epoch on 64 sample digits), copied by each test that changes it."""
    out = tmp_path_factory.mktemp("run") / "run"
    assert main(["train", "--subset", "64", "--epochs", "1", "--device", "cpu", "--out", str(out)]) == 0
    return out


@pytest.fixture
def run_copy(lenet_run, tmp_path):
    target = tmp_path / "run"
    shutil.copytree(lenet_run, target)
    return target
