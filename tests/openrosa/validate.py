"""ODK Validate (JavaRosa 5.1, Collect's form engine), as shipped inside the installed pyxform package."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pyxform

VALIDATE_JAR = Path(pyxform.__file__).parent / "validators" / "odk_validate" / "bin" / "ODK_Validate.jar"


def odk_validate(xform: bytes, folder: Path, name: str = "form") -> str:
    """Runs the jar on the XForm; returns its output, raising AssertionError when it is not valid."""
    path = folder / f"{name}.xml"
    path.write_bytes(xform)
    result = subprocess.run(
        ["java", "-Djava.awt.headless=true", "-jar", str(VALIDATE_JAR), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Xform is valid" in output, output
    return output
