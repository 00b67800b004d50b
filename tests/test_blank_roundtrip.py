"""`formkit blank` output read back by `formkit check`: the right form, zero records, no error."""

from click.testing import CliRunner

from formkit import api
from formkit.cli import main
from formkit.resources import templates_dir


def test_blank_command_then_check(tmp_path, campaign):
    out = tmp_path / "blank"
    run = CliRunner().invoke(main, ["blank", "-o", str(out)])
    assert run.exit_code == 0, run.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 8 and "共生成8个空白表格" in run.output

    result = api.check([out], campaign)
    assert result.findings == []
    forms = sorted((fr.name, [s.form for s in fr.submissions], sum(len(s.records) for s in fr.submissions))
                   for fr in result.files)
    expected_form = {"附件1": "plan", "附件2": "evaluation", "附件3": "spotcheck", "附件4": "anomaly"}
    assert len(forms) == 8
    for name, found, n_records in forms:
        assert found == [expected_form[name[:3]]], name
        assert n_records == 0, name


def test_committed_templates_are_read_as_their_forms(campaign):
    # Only the blank attachments: templates/docx also holds the report and letter templates.
    result = api.check(sorted(templates_dir().rglob("附件*")), campaign)
    assert result.findings == []
    assert sorted(s.form for fr in result.files for s in fr.submissions) == sorted(
        ["plan", "evaluation", "spotcheck", "anomaly"] * 2)


def test_blank_one_form_one_format(tmp_path):
    run = CliRunner().invoke(main, ["blank", "-o", str(tmp_path), "--form", "spotcheck", "--format", "docx"])
    assert run.exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["附件3-2023年度企业贯标质量抽查情况汇总表.docx"]


def test_blank_with_another_year(tmp_path):
    cfg = tmp_path / "c.toml"
    CliRunner().invoke(main, ["config", "init", "-o", str(cfg)])
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("year = 2023", "year = 2024"), encoding="utf-8")
    run = CliRunner().invoke(main, ["blank", "-o", str(tmp_path / "o"), "--config", str(cfg), "--format", "xlsx"])
    assert run.exit_code == 0, run.output
    assert any("2024年度贯标绩效评价" in p.name for p in (tmp_path / "o").iterdir())
