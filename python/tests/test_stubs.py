"""Docstrings, annotations and type stubs: every public name documented and annotated, every
callable of the native module in _hetero.pyi, and the stubs shipped with the package."""

import ast
import inspect
from pathlib import Path

import pytest

import hetero
from hetero import _hetero

PACKAGE = Path(hetero.__file__).resolve().parent
PUBLIC = [n for n in hetero.__all__ if n != "__version__"]


def public_members(cls):
    """Names defined by a public class or its hetero base classes (not object's)."""
    names = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("hetero"):
            for name, value in vars(klass).items():
                if not name.startswith("_") or name == "__init__":
                    names[name] = value
    return names


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_has_a_docstring(name):
    obj = getattr(hetero, name)
    doc = inspect.getdoc(obj)
    assert doc and len(doc) > 20, f"hetero.{name} has no useful docstring"
    if inspect.isclass(obj):
        for member, value in public_members(obj).items():
            if member == "__init__":
                continue
            assert (getattr(value, "__doc__", None) or "").strip(), f"hetero.{name}.{member} has no docstring"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_callable_is_annotated(name):
    obj = getattr(hetero, name)
    functions = [(name, obj)] if inspect.isfunction(obj) else []
    if inspect.isclass(obj):
        for member, value in public_members(obj).items():
            if isinstance(value, property):
                value = value.fget
            if isinstance(value, (classmethod, staticmethod)):
                value = value.__func__
            if inspect.isfunction(value):
                functions.append((f"{name}.{member}", value))
    for qualified, f in functions:
        signature = inspect.signature(f)
        assert signature.return_annotation is not inspect.Signature.empty, f"{qualified}: no return annotation"
        for p in signature.parameters.values():
            if p.name not in ("self", "cls"):
                assert p.annotation is not inspect.Parameter.empty, f"{qualified}({p.name}): not annotated"


def stub_names() -> set[str]:
    tree = ast.parse((PACKAGE / "_hetero.pyi").read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    names.add(f"{node.name}.{item.name}")
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_every_native_callable_has_a_stub():
    stubs = stub_names()
    missing = []
    for name in dir(_hetero):
        if name.startswith("__"):
            continue
        obj = getattr(_hetero, name)
        if not callable(obj):
            continue
        if name not in stubs:
            missing.append(name)
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if member.startswith("__"):
                    continue
                if f"{name}.{member}" not in stubs:
                    missing.append(f"{name}.{member}")
    assert not missing, f"not in _hetero.pyi: {missing}"
    assert "__version__" in stubs


def test_the_stubs_and_py_typed_are_installed_with_the_package():
    assert (PACKAGE / "_hetero.pyi").is_file() and (PACKAGE / "py.typed").is_file()


def test_help_of_a_strategy_is_useful():
    text = inspect.getdoc(hetero.PGPE)
    assert "maximised" in text and "clipup" in text
    assert "reset" in inspect.getdoc(hetero.Population) or "step" in inspect.getdoc(hetero.Population)


def test_stubtest_and_mypy_agree_with_the_runtime(tmp_path):
    """When mypy is installed: stubtest finds the stubs consistent with the native module, and
    the package type-checks."""
    pytest.importorskip("mypy")
    import subprocess
    import sys

    import os

    env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path / "mypy-cache")}
    stubtest = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "hetero._hetero"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert stubtest.returncode == 0, stubtest.stdout + stubtest.stderr
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--disallow-untyped-defs", "--disallow-incomplete-defs", "-p", "hetero"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
