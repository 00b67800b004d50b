"""`formkit letters reminder --registry`: recipients from the register's 5-year rule."""

import datetime as dt
import re

from click.testing import CliRunner
from docx import Document

from formkit import api, registry
from formkit.cli import main
from formkit.samplegen.register import sample_register_path
from formkit.resources import samples_dir


def test_reminders_from_the_register(tmp_path, campaign):
    merged = tmp_path / "merged"
    api.merge_to([samples_dir()], merged, campaign, as_of=dt.date(2024, 1, 15))
    db = tmp_path / "r.sqlite"
    registry.import_files(db, [sample_register_path()], campaign, command="test")
    due = [d for d in registry.due_enterprises(db, dt.date(2023, 7, 31), campaign) if d["rule"] == "5-year"]
    assert due

    out = tmp_path / "letters"
    run = CliRunner().invoke(main, ["letters", "reminder", str(merged), "-o", str(out), "--registry", str(db),
                                    "--as-of", "2023-07-31"])
    assert run.exit_code == 0, run.output
    files = sorted(out.glob("*-提醒函.docx"))
    assert len(files) == len(due)
    first = due[0]
    text = "\n".join(p.text for p in Document(files[0]).paragraphs)
    assert first["name"] in text and first["uscc"] in text
    grace = first["grace_deadline"]
    assert f"{grace.year}年{grace.month}月{grace.day}日" in text
    for path in files:  # no grace period that ends before the letter is dated (2023年12月20日)
        body = "\n".join(p.text for p in Document(path).paragraphs)
        [(y, m, d)] = re.findall(r"宽限期至(\d{4})年(\d{1,2})月(\d{1,2})日", body)
        assert dt.date(int(y), int(m), int(d)) > dt.date(2023, 12, 20), path.name


def test_registry_only_for_reminders(tmp_path, campaign):
    merged = tmp_path / "merged"
    api.merge_to([samples_dir()], merged, campaign, as_of=dt.date(2024, 1, 15))
    run = CliRunner().invoke(main, ["letters", "urge", str(merged), "-o", str(tmp_path / "o"),
                                    "--registry", str(tmp_path / "x.sqlite")])
    assert run.exit_code == 2 and "只能用于 reminder" in run.output


def test_bad_as_of_is_refused_before_anything_is_read(tmp_path):
    """--as-of is checked by the shared parse_day, with or without --registry: nothing is written."""
    out = tmp_path / "letters"
    for extra in ([], ["--registry", str(tmp_path / "x.sqlite")]):
        run = CliRunner().invoke(main, ["letters", "reminder", str(tmp_path / "nonexist"), "-o", str(out),
                                        "--as-of", "2024-13-01", *extra])
        assert run.exit_code == 2, run.output
        assert "“2024-13-01”不是日期，请写成 2023-12-31 的形式" in run.output
        assert "--as-of" in run.output
        assert not out.exists()
