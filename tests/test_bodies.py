"""Certification bodies: the approved list, one warning per unknown body and file, `config bodies`."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from formkit import api
from formkit.campaign import default_campaign_text, load_campaign
from formkit.cli import main
from tests.builders import SPOT_HEADERS, fictional_uscc, write_xlsx

UNIT = "填报单位（盖章）：南京市知识产权局"


def spot_file(path: Path, bodies: list[str]) -> Path:
    rows = [[k, f"南京第{k}号机构示例科技有限公司", fictional_uscc(300 + k), "玄武区", body, f"00222IP{k:04d}R0M",
             "2022-03-01", "GB/T 29490-2013", "2023-09-01", "达标", "", "", "无", ""]
            for k, body in enumerate(bodies, start=1)]
    return write_xlsx(path, {"Sheet1": [["2023年度企业贯标质量抽查情况汇总表"], [UNIT, "", "", "", "", "填报日期：2023年11月20日"],
                                        SPOT_HEADERS] + rows})


def test_default_list_has_the_known_bodies_with_sources(campaign):
    names = {b.name for b in campaign.approved_bodies}
    assert {"方圆标志认证集团有限公司", "中国质量认证中心", "中知（北京）认证有限公司", "中规（北京）认证有限公司",
            "华夏认证中心有限公司"} <= names
    assert all(b.source and not b.source.isascii() for b in campaign.approved_bodies)
    text = default_campaign_text()
    assert "名单日期" in text and "formkit config bodies" in text


def test_approved_bodies_and_their_short_names_never_warn(tmp_path, campaign):
    written = ["方圆标志认证集团有限公司", "方圆认证", "中国质量认证中心", "中国质量认证中心有限公司", "CQC",
               "中知（北京）认证有限公司", "中知认证", "中规认证", "华夏认证中心", "中联认证"]
    result = api.check([spot_file(tmp_path / "南京市-附件3.xlsx", written)], campaign)
    assert result.findings == []
    assert [r.value("body") for r in result.files[0].records][:5] == [
        "方圆标志认证集团有限公司", "方圆标志认证集团有限公司", "中国质量认证中心", "中国质量认证中心", "中国质量认证中心"]


def test_unknown_body_once_per_body_and_file_naming_its_rows(tmp_path, campaign):
    bodies = ["方圆认证", "华东示例认证服务有限公司", "中国质量认证中心", "华东示例认证服务有限公司",
              "某某认证", "华东示例认证服务有限公司 "]
    path = spot_file(tmp_path / "南京市-附件3.xlsx", bodies)
    result = api.check([path], campaign)
    assert [(f.code, f.cell) for f in result.findings] == [("uncertified-body", "E5"), ("uncertified-body", "E8")]
    first, second = result.findings
    assert "华东示例认证服务有限公司" in first.message and "第5、7、9行" in first.message and "共3行" in first.message
    assert first.severity == "warning" and first.value == "华东示例认证服务有限公司"
    assert "第8行" in second.message and "共1行" in second.message
    # a second file with the same unknown body gets its own warning
    other = spot_file(tmp_path / "南京市-附件3-补报.xlsx", ["华东示例认证服务有限公司"])
    both = api.check([path, other], campaign)
    assert [(Path(f.file).name, f.cell) for f in both.findings if "华东" in f.message] == [
        ("南京市-附件3.xlsx", "E5"), ("南京市-附件3-补报.xlsx", "E4")]


def _run(*args):
    return CliRunner().invoke(main, list(args))


def test_config_bodies_from_csv_replaces_only_the_list(tmp_path):
    listing = tmp_path / "认证机构名单.csv"
    with listing.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["序号", "机构名称", "简称", "批准号"])
        writer.writerow([1, "方圆标志认证集团有限公司", "方圆认证、方圆", "CNCA-R-2002-002"])
        writer.writerow([2, "华东示例认证服务有限公司", "", "CNCA-R-2099-001"])
        writer.writerow([3, '名称带"引号"的认证有限公司', "", ""])
    out = tmp_path / "新配置.toml"
    run = _run("config", "bodies", str(listing), "-o", str(out))
    assert run.exit_code == 0, run.output
    assert "共3家" in run.output
    campaign = load_campaign(out)
    assert [(b.name, b.aliases) for b in campaign.approved_bodies] == [
        ("方圆标志认证集团有限公司", ("方圆认证", "方圆")), ("华东示例认证服务有限公司", ()),
        ('名称带"引号"的认证有限公司', ())]
    assert "CNCA-R-2002-002" in campaign.approved_bodies[0].source
    old, new = tomllib.loads(default_campaign_text()), tomllib.loads(out.read_text(encoding="utf-8"))
    old.pop("approved_bodies"), new.pop("approved_bodies")
    assert old == new  # everything else as it was
    # the new list is what check uses
    path = spot_file(tmp_path / "南京市-附件3.xlsx", ["华东示例认证服务有限公司", "中国质量认证中心"])
    result = api.check([path], campaign)
    assert [(f.code, f.cell) for f in result.findings] == [("uncertified-body", "E5")]


def test_config_bodies_from_xlsx_with_a_title_and_a_base_config(tmp_path):
    listing = write_xlsx(tmp_path / "名单.xlsx", {"Sheet1": [["知识产权管理体系认证机构名录（2024年）"],
                                                             ["序号", "认证机构名称", "机构批准号"],
                                                             [1, "中国质量认证中心有限公司", "CNCA-R-2002-001"],
                                                             [2, "中知（北京）认证有限公司", "CNCA-R-2013-000"]]})
    base = tmp_path / "基础.toml"
    base.write_text(default_campaign_text().replace("year = 2023", "year = 2024"), encoding="utf-8")
    out = tmp_path / "c.toml"
    run = _run("config", "bodies", str(listing), "-o", str(out), "--config", str(base))
    assert run.exit_code == 0, run.output
    campaign = load_campaign(out)
    assert campaign.year == 2024
    assert [b.name for b in campaign.approved_bodies] == ["中国质量认证中心有限公司", "中知（北京）认证有限公司"]
    again = _run("config", "bodies", str(listing), "-o", str(out))
    assert again.exit_code == 2 and "已存在" in again.output
    assert _run("config", "bodies", str(listing), "-o", str(out), "--force").exit_code == 0


@pytest.mark.parametrize("content, words", [
    (b"", "空文件"),
    ("序号,机构名称\n".encode("utf-8"), "没有数据行"),
    ("序号,机构名称\n1,\n".encode("utf-8"), "没有找到机构名称"),
])
def test_config_bodies_bad_list_exits_2_in_chinese(tmp_path, content, words):
    listing = tmp_path / "名单.csv"
    listing.write_bytes(content)
    out = tmp_path / "c.toml"
    run = _run("config", "bodies", str(listing), "-o", str(out))
    assert run.exit_code == 2 and words in run.output, run.output
    assert not out.exists()


def test_config_bodies_missing_list_and_broken_base(tmp_path):
    run = _run("config", "bodies", str(tmp_path / "无.xlsx"), "-o", str(tmp_path / "c.toml"))
    assert run.exit_code == 2 and "找不到" in run.output
    base = tmp_path / "坏.toml"
    base.write_text("year = = 2023\n", encoding="utf-8")
    listing = tmp_path / "名单.csv"
    listing.write_text("机构名称\n方圆标志认证集团有限公司\n", encoding="utf-8")
    run = _run("config", "bodies", str(listing), "-o", str(tmp_path / "c.toml"), "--config", str(base))
    assert run.exit_code == 2 and "语法错误" in run.output


def test_forms_letters_and_report_name_a_body_by_one_rule(campaign):
    from formkit.outputs.letters import canonical_body as letter_body
    from formkit.values import canonical_body as cell_body

    written = ["中知(北京)认证有限公司", "中 知 认 证", "“中规认证”", "中规（北京）认证", "某某认证有限公司"]
    cells = [cell_body(text, campaign) for text in written]
    assert cells == ["中知（北京）认证有限公司", "中知（北京）认证有限公司", "中规（北京）认证有限公司",
                     "中规（北京）认证有限公司", "某某认证有限公司"]
    # The letters and the report group what the merge wrote: the same names come back.
    assert [letter_body(campaign, text) for text in written] == cells
    assert letter_body(campaign, "") == "（未填写认证机构）"
