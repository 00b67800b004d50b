"""A plain `pip install .` (a wheel, not an editable install) carries templates, campaign and samples."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contents(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("formkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "formkit/campaigns/jiangsu-2023.toml" in names
    for form in ("plan", "evaluation", "spotcheck", "anomaly"):
        assert f"formkit/forms/{form}.toml" in names
    assert sum(n.startswith("formkit/templates/xlsx/") and n.endswith(".xlsx") for n in names) == 4
    assert sum(n.startswith("formkit/templates/docx/") and n.endswith(".docx") for n in names) == 11  # 4 blanks + report + 6 letters
    n_samples = sum(n.startswith("formkit/samples/submissions/") for n in names)
    assert n_samples == len([p for p in (ROOT / "samples" / "submissions").rglob("*") if p.is_file()])
