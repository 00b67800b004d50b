"""The built-in report template (``templates/docx/report.docx``): overview, per-city tables and chart,
problems, next steps. Its variables are listed in docs/templates.md; the chart's placeholder
picture carries :data:`~formkit.outputs.chart.CHART_MARK` (replaced when the report is made).
"""

from __future__ import annotations

import io

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from formkit.outputs import official
from formkit.outputs.chart import CHART_MARK, placeholder_png
from formkit.outputs.template_parts import caption, control, finish, signature


def _numbered_items(doc, items: str) -> None:
    """A level-2 heading （一）… and a paragraph for each item of the list variable ``items``."""
    control(doc, f"{{%p for q in {items} %}}")
    official.add_heading2(doc, "{{ q.编号 }}{{ q.标题 }}")
    official.add_body(doc, "{{ q.内容 }}")
    control(doc, "{%p endfor %}")


def report():
    """The consolidated provincial report: overview, per-city tables and chart, problems, next steps."""
    doc = official.new_official_document()
    official.add_title(doc, "{{ 标题 }}")
    doc.add_paragraph()
    official.add_body(doc, "{{ 年度 }}年，各设区市知识产权局按照{{ 通知发文机关 }}{{ 通知 }}（以下简称《通知》）"
                      "要求，推进企业知识产权管理标准化（贯标）工作。根据各设区市报送的材料汇总，现将有关情况报告如下。")

    official.add_heading1(doc, "一、总体情况")
    official.add_body(doc, "全省绩效评价合格企业{{ 全省.合计 }}家，其中第一批{{ 全省.第一批 }}家、第二批"
                      "{{ 全省.第二批 }}家，为年度指导性计划{{ 全省.计划 }}家的{{ 全省.完成率 }}；{{ 上年度 }}年为"
                      "{{ 全省.上年 }}家，{{ 全省.较上年说明 }}。{{ 计划完成说明 }}")
    official.add_body(doc, "质量抽查方面，各设区市共抽查贯标认证企业{{ 全省.抽查 }}家，其中未达标{{ 全省.未达标 }}家"
                      "（认证机构被约谈{{ 全省.约谈 }}家次、书面提醒{{ 全省.书面提醒 }}家次、移交执法"
                      "{{ 全省.移交执法 }}家次）。{{ 抽查要求说明 }}")
    official.add_body(doc, "备案信息复核方面，各设区市共报送备案信息异常企业{{ 全省.异常 }}家，其中{{ 全省.异常类型说明 }}；"
                      "按《通知》规定，{{ 全省.处理意见说明 }}。")
    official.add_body(doc, "汇总检查共发现数据错误{{ 错误数 }}处、需核实的提示{{ 提示数 }}处，已逐条列入问题清单反馈"
                      "各设区市核实更正；本报告的数字只计无错误的记录。")

    official.add_heading1(doc, "二、各设区市完成情况")
    official.add_heading2(doc, "（一）绩效评价")
    official.add_body(doc, "各设区市绩效评价合格企业数与年度指导性计划、上年的对比见表1和图1。")
    caption(doc, "表1　各设区市绩效评价合格企业情况（单位：家）")
    official.add_table(
        doc, ["设区市", "年度计划", "第一批", "第二批", "合计", "完成率", "{{ 上年度 }}年", "较上年"],
        [["{%tr for c in 各市 %}"] + [""] * 7,
         ["{{ c.设区市 }}", "{{ c.计划 }}", "{{ c.第一批 }}", "{{ c.第二批 }}", "{{ c.合计 }}", "{{ c.完成率 }}",
          "{{ c.上年 }}", "{{ c.较上年 }}"],
         ["{%tr endfor %}"] + [""] * 7,
         ["全省", "{{ 全省.计划 }}", "{{ 全省.第一批 }}", "{{ 全省.第二批 }}", "{{ 全省.合计 }}", "{{ 全省.完成率 }}",
          "{{ 全省.上年 }}", "{{ 全省.较上年 }}"]],
        widths=[17, 17, 14, 14, 12, 16, 16, 14], font_size=10.5)
    picture = doc.add_paragraph()
    official.compact(picture)
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.space_before = Pt(6)
    run = picture.add_run()
    run.add_picture(io.BytesIO(placeholder_png()), width=Mm(150))
    doc_pr = run._r.find(".//" + qn("wp:docPr"))
    doc_pr.set("name", "图表")
    doc_pr.set("descr", CHART_MARK)
    caption(doc, "图1　各设区市绩效评价合格企业数与年度指导性计划、上年对比")

    official.add_heading2(doc, "（二）质量抽查和备案信息复核")
    official.add_body(doc, "各设区市质量抽查和备案信息复核情况见表2（抽查要求为每市不低于{{ 抽查要求 }}家）。")
    caption(doc, "表2　各设区市质量抽查和备案信息复核情况（单位：家）")
    official.add_table(
        doc, ["设区市", "抽查企业", "达到要求", "其中未达标", "异常企业", "删除", "标记跟踪", "更新名称", "宽限期"],
        [["{%tr for c in 各市 %}"] + [""] * 8,
         ["{{ c.设区市 }}", "{{ c.抽查 }}", "{{ c.抽查达标 }}", "{{ c.未达标 }}", "{{ c.异常 }}", "{{ c.删除 }}",
          "{{ c.标记跟踪 }}", "{{ c.更新名称 }}", "{{ c.宽限期 }}"],
         ["{%tr endfor %}"] + [""] * 8,
         ["全省", "{{ 全省.抽查 }}", "{{ 全省.抽查达标 }}", "{{ 全省.未达标 }}", "{{ 全省.异常 }}", "{{ 全省.删除 }}",
          "{{ 全省.标记跟踪 }}", "{{ 全省.更新名称 }}", "{{ 全省.宽限期 }}"]],
        widths=[17, 17, 17, 20, 17, 11, 17, 17, 14], font_size=10.5)

    official.add_heading1(doc, "三、存在的问题")
    _numbered_items(doc, "存在问题")
    control(doc, "{%p if not 存在问题 %}")
    official.add_body(doc, "经汇总检查，未发现需要报告的问题。")
    control(doc, "{%p endif %}")

    official.add_heading1(doc, "四、下一步工作")
    _numbered_items(doc, "下一步工作")

    signature(doc)
    return finish(doc, "贯标工作情况报告")
