"""The campaign file: the default, `config init`, and messages that name the key and line."""

import pytest
from click.testing import CliRunner

from formkit.campaign import load_campaign
from formkit.cli import main
from formkit.errors import ConfigError


def test_default_campaign(campaign):
    assert campaign.year == 2023 and campaign.province == "江苏省"
    assert [c.name for c in campaign.cities] == ["南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市",
                                                 "淮安市", "盐城市", "扬州市", "镇江市", "泰州市", "宿迁市"]
    assert [c.code for c in campaign.cities] == [f"32{i:02d}" for i in range(1, 14)]
    assert str(campaign.deadline("evaluation_batch1")) == "2023-06-10"
    assert str(campaign.deadline("anomaly")) == "2023-07-31"
    assert campaign.thresholds["spotcheck_min_per_city"] == 30


def _init(tmp_path):
    path = tmp_path / "c.toml"
    run = CliRunner().invoke(main, ["config", "init", "-o", str(path)])
    assert run.exit_code == 0, run.output
    return path


def test_config_init_round_trip(tmp_path):
    path = _init(tmp_path)
    assert load_campaign(path).year == 2023
    again = CliRunner().invoke(main, ["config", "init", "-o", str(path)])
    assert again.exit_code == 2 and "已存在" in again.output


def test_bad_value_names_key_and_line(tmp_path):
    path = _init(tmp_path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    line_no = next(i for i, l in enumerate(lines, 1) if l.startswith("spotcheck = "))
    path.write_text(text.replace('spotcheck = "11-30"', 'spotcheck = "11-31"'), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_campaign(path)
    assert f"第{line_no}行" in str(exc.value) and "deadlines.spotcheck" in str(exc.value)


def test_bad_city_code_names_the_city_entry(tmp_path):
    path = _init(tmp_path)
    text = path.read_text(encoding="utf-8").replace('code = "3205"', 'code = "32O5"')
    path.write_text(text, encoding="utf-8")
    line_no = next(i for i, l in enumerate(text.splitlines(), 1) if '"32O5"' in l)
    with pytest.raises(ConfigError) as exc:
        load_campaign(path)
    assert f"第{line_no}行" in str(exc.value) and "cities[5].code" in str(exc.value)


def test_syntax_error_and_cli_exit_status(tmp_path):
    path = _init(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("year = 2023", "year = = 2023"), encoding="utf-8")
    run = CliRunner().invoke(main, ["check", "--config", str(path), str(tmp_path)])
    assert run.exit_code == 2
    assert "第5行第8列" in run.output and "语法错误" in run.output


def test_missing_config_file(tmp_path):
    run = CliRunner().invoke(main, ["check", "--config", str(tmp_path / "nope.toml"), str(tmp_path)])
    assert run.exit_code == 2 and "无法读取配置文件" in run.output
