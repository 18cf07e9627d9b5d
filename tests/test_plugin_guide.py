"""The plugin-authoring guide's complete example builds, installs and passes its own tests.

The guide (docs/plugin-authoring.md) writes each file of its example plugin as a fenced block
whose info string names the file (```` ```python file=opendata_notices/__init__.py ````). This
test copies those blocks into an empty folder, pip-installs the folder (editable, no
dependencies, no build isolation: no network) into a fresh virtual environment that sees this
one's packages, and runs the example's tests there with pytest, in a subprocess — as an author
following the guide would. The example never enters this environment, so the other tests do not
discover it as an installed source.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugin-authoring.md"
BLOCK = re.compile(r"^```\w+ file=(?P<path>\S+)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


def guide_files() -> dict[str, str]:
    """The example plugin's files as the guide writes them: relative path → text."""
    return {m["path"]: m["body"] for m in BLOCK.finditer(GUIDE.read_text("utf-8"))}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _venv_seeing_ours(root: Path) -> Path:
    """A virtual environment whose interpreter also sees this environment's packages.

    ``--system-site-packages`` would show the base interpreter's packages, not this venv's;
    a .pth line adds this venv's site-packages (and runs its .pth files: the editable opendata).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root
    )
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib.stdout.strip(), "_opendata_parent.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n", "utf-8"
    )
    return python


def test_the_guide_names_every_file_of_its_example() -> None:
    files = guide_files()
    assert set(files) == {
        "pyproject.toml",
        "opendata_notices/__init__.py",
        "opendata_notices/schemas/notices.json",
        "opendata_notices/sample/notices.csv",
        "tests/test_notices.py",
    }


def test_the_guide_example_installs_and_passes_its_tests(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    for relative, text in guide_files().items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, "utf-8")
    python = _venv_seeing_ours(tmp_path / "venv")
    install = _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-e", "."],
        folder,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    found = _run(
        [
            str(python),
            "-c",
            "from importlib.metadata import entry_points as e;"
            "print([p.value for p in e(group='opendata.sources', name='notices')])",
        ],
        folder,
    )
    assert found.stdout.strip() == "['opendata_notices:NoticeBoard']", found.stderr
    tests = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], folder)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert re.search(r"\b3 passed\b", tests.stdout), tests.stdout
