"""What each role finds in the navigation bar and on the dashboard."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ruian.staff import Role, roles_of

# (role, title, description, url name). A url name that does not resolve yet is left out, so an app
# appears in the navigation the moment its pages exist.
SECTIONS = [
    (Role.WINDOW_CLERK, _("窗口工作台"), _("受理、一次性告知、出件"), "approvals:workbench"),
    (Role.APPROVER, _("审批队列"), _("后台审查与决定"), "approvals:approver_queue"),
    (Role.SQUAD_LEADER, _("执法中队看板"), _("线索、立案、指派、移送"), "enforcement:board"),
    (Role.OFFICER, _("我的案件"), _("调查取证与文书"), "enforcement:my_cases"),
    (Role.LEGAL_REVIEWER, _("法制审核"), _("重大执法决定审核"), "enforcement:legal_queue"),
    (Role.COUNTY_EDITOR, _("权责目录"), _("清单编辑、导入、发布"), "catalogs:editor_home"),
    (Role.OPERATOR, _("综合指挥中心"), _("事件派遣、吹哨、督办"), "grids:command_centre"),
    (Role.GRID_WORKER, _("网格上报"), _("事件上报与核查"), "grids:report"),
    (Role.OPERATOR, _("网格调整"), _("新建、合并、拆分网格,登记原条线网格"), "grids:manage"),
    (Role.OPERATOR, _("联调联试"), _("演练派单与各单位响应用时"), "grids:drills"),
    (Role.LEADER, _("审批运行情况"), _("受理、办结、按时率与评价"), "approvals:dashboard"),
    (Role.LEADER, _("考核评估"), _("乡镇、派驻机构、网格员、执法人员的月度与年度考核"), "assessment"),
    (Role.COUNTY_EDITOR, _("考核评估"), _("考核排名、权重设置与导出"), "assessment"),
    (Role.LEADER, _("借调登记"), _("上级借调乡镇人员登记与超期预警"), "secondments"),
    (Role.COUNTY_EDITOR, _("借调登记"), _("上级借调乡镇人员登记与超期预警"), "secondments"),
]

COMMON = [
    (_("机构通讯录"), _("本镇(街道)及县级部门"), "organisations"),
    (_("派驻机构"), _("双重管理、共同考核的派驻机构"), "stationed_units"),
    (_("通知"), _("待办提醒与超期预警"), "notifications"),
    (_("演练派单"), _("本单位收到的联调联试演练"), "grids:my_drill_tasks"),
]


# Pages anyone may open without logging in, for the public landing page. Like SECTIONS, a page whose url
# name does not resolve yet is left out; the names are the ones the apps' issues are expected to use.
PUBLIC_PAGES = [
    (_("办件进度查询"), _("凭申请编号查询办理进度"), "approvals:public_lookup"),
    (_("办事指南"), _("事项的条件、材料、时限与收费"), "approvals:guides"),
    (_("权责清单公示"), _("权力清单、责任清单与赋权清单"), "catalogs:public_catalogs"),
    (_("行政处罚决定公示"), _("依法公开的行政处罚决定"), "enforcement:public_decisions"),
    (_("网格公示"), _("网格范围与网格员联系方式"), "grids:public_grids"),
    (_("原条线网格查询"), _("原党建、综治、城管等网格现由哪个网格覆盖"), "grids:departmental"),
]


def _resolve(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def dashboard_sections(user) -> list[dict]:
    roles = roles_of(user)
    sections = []
    seen = set()  # a page listed for two of the user's roles appears once
    for role, title, description, url_name in SECTIONS:
        if role in roles or user.is_superuser:
            url = _resolve(url_name)
            if url and url not in seen:
                seen.add(url)
                sections.append({"title": title, "description": description, "url": url, "role": role})
    for title, description, url_name in COMMON:
        sections.append({"title": title, "description": description, "url": _resolve(url_name), "role": ""})
    return sections


def public_pages() -> list[dict]:
    pages = []
    for title, description, url_name in PUBLIC_PAGES:
        url = _resolve(url_name)
        if url:
            pages.append({"title": title, "description": description, "url": url})
    return pages
