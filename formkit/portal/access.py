"""Who may do what: every permission of the portal decided here, never ad hoc in a view.

Actions (resource in brackets):
- ``upload`` (a city): send a file for that city.
- ``view-city`` (a city): see that city's submissions, files, marked-up copies and status.
- ``upload-for-any``: name the city of an upload (field ``city``).
- ``merge``: run a merge and download its files.
- ``manage``: the province's pages (overview, users, audit log).
"""

from __future__ import annotations

from formkit.portal.accounts import User

ACTIONS = {
    "upload": "为某设区市上传报送材料",
    "view-city": "查看某设区市的报送、原件、标注件和状态",
    "upload-for-any": "上传时指定设区市",
    "merge": "汇总各市最新报送并下载汇总文件",
    "manage": "省局页面：总览、用户、日志",
}


def allowed(user: User | None, action: str, resource: str | None = None) -> bool:
    """Return True when ``user`` may do ``action`` on ``resource`` (a city name or None)."""
    if action not in ACTIONS:
        raise KeyError(action)
    if user is None or not user.active:
        return False
    if user.role == "province":
        return True
    if action in ("upload", "view-city"):
        return resource is not None and resource == user.city
    return False
